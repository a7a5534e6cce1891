/**
 * GitHub's error envelope is `{"message", "documentation_url", "status"}`; its `message` is the only
 * part worth repeating to a person, and it never echoes the credential. It is still cut short and
 * flattened, since a proxy in front of GitHub Enterprise Server may put anything there.
 */
export function githubErrorMessage(body: unknown): string | undefined {
  if (typeof body !== "object" || body === null || !("message" in body)) return undefined;
  const message = (body as { message: unknown }).message;
  if (typeof message !== "string") return undefined;
  const flat = message.replace(/\s+/g, " ").trim();
  if (flat.length === 0) return undefined;
  return flat.length > 200 ? `${flat.slice(0, 197)}...` : flat;
}

/** The answer an installation token gets from endpoints about a user, such as `GET /user`. */
export function isIntegrationRefusal(body: unknown): boolean {
  return /resource not accessible by integration/i.test(githubErrorMessage(body) ?? "");
}

/** An organization enforcing SAML SSO refuses tokens not yet authorized for it, and says so in a header. */
export function isSingleSignOnRefusal(headers: Headers, body: unknown): boolean {
  return headers.has("x-github-sso") || /SAML enforcement/i.test(githubErrorMessage(body) ?? "");
}
