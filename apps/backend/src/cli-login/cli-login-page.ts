/** `/cli/device`: sign in if needed, then approve or deny the code the CLI shows. Self-contained, no web app needed. */
export function approvalPage(userCode: string): string {
  const code = JSON.stringify(userCode.replace(/[^A-Za-z-]/g, "").slice(0, 20));
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Tributary: approve the CLI</title>
<style>body{font:16px system-ui,sans-serif;max-width:28rem;margin:4rem auto;padding:0 1rem}input,button{font:inherit;padding:.4rem;margin:.2rem 0;width:100%}#message{margin-top:1rem}</style></head>
<body><h1>Approve <code>tributary login</code></h1>
<div id="signin" hidden><p>Sign in first.</p><input id="email" type="email" placeholder="email" autocomplete="username"><input id="password" type="password" placeholder="password" autocomplete="current-password"><button id="signin-button">Sign in</button></div>
<div id="decide" hidden><p>Signed in as <strong id="who"></strong>. Is this the code your terminal shows?</p><input id="code" autocomplete="off"><button id="approve">Approve</button><button id="deny">Deny</button></div>
<p id="message" role="status"></p>
<script>
const post = (path, body) => fetch(path, { method: "POST", credentials: "same-origin", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
const say = (text) => { document.getElementById("message").textContent = text; };
document.getElementById("code").value = ${code};
async function refresh() {
  const me = await fetch("/api/me", { credentials: "same-origin" });
  if (me.ok) { document.getElementById("who").textContent = (await me.json()).email; document.getElementById("decide").hidden = false; document.getElementById("signin").hidden = true; }
  else { document.getElementById("signin").hidden = false; }
}
document.getElementById("signin-button").onclick = async () => {
  const answer = await post("/api/auth/sign-in/email", { email: document.getElementById("email").value, password: document.getElementById("password").value });
  if (answer.ok) refresh(); else say("Sign-in failed.");
};
async function decide(approve) {
  const answer = await post("/api/cli/device-codes/approve", { user_code: document.getElementById("code").value, approve });
  const body = await answer.json().catch(() => ({}));
  say(answer.ok ? (approve ? "Approved: you can go back to your terminal." : "Denied.") : (body.error && body.error.message) || "Failed.");
}
document.getElementById("approve").onclick = () => decide(true);
document.getElementById("deny").onclick = () => decide(false);
refresh();
</script></body></html>`;
}
