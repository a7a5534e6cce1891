/** `login`, `logout`, `status`. */
import { BackendClient } from "../api.js";
import { type ServiceItem, type User } from "../contract.js";
import { configPath, loadConfig, requireSession, resolveUrl, saveConfig } from "../config.js";
import { deviceLogin } from "../device-login.js";
import { CliError, ExitCode, usageError } from "../errors.js";
import { type Context, note, printResult } from "../output.js";

export interface LoginOptions {
  token?: string;
  url?: string;
}

export async function login(ctx: Context, options: LoginOptions): Promise<void> {
  const { io } = ctx;
  const config = await loadConfig(io);
  const url = resolveUrl(io, config, options.url);
  let token: string;
  let user: User;
  if (options.token !== undefined) {
    token = (options.token === "-" ? await io.readStdin() : options.token).trim();
    if (!token) throw usageError(options.token === "-" ? "No token on standard input" : "--token needs a token (or - to read it from standard input)");
    try {
      user = await new BackendClient(url, token).me();
    } catch (error) {
      if (error instanceof CliError && error.exitCode === ExitCode.auth) {
        throw new CliError("token_rejected", `The backend at ${url} rejected this token (revoked, expired or mistyped); nothing was saved`, ExitCode.auth);
      }
      throw error;
    }
  } else {
    const result = await deviceLogin(new BackendClient(url), io, {
      prompt: (code) => {
        const target = code.verification_uri_complete ?? code.verification_uri;
        // Under --json the instructions go to stderr: stdout carries the one JSON document.
        const say = ctx.json ? io.stderr : io.stdout;
        say(`To log in, open ${code.verification_uri} and enter the code ${code.user_code}\n`);
        if (code.verification_uri_complete) say(`(or open ${code.verification_uri_complete})\n`);
        say("Waiting for approval…\n");
        if (io.stdoutIsTTY && !ctx.json) io.openBrowser(target);
      },
    });
    token = result.access_token;
    user = result.user;
  }
  const path = await saveConfig(io, { ...config, url, token });
  if (io.env.TRIBUTARY_TOKEN) note(ctx, "Note: TRIBUTARY_TOKEN is set in your environment and takes precedence over the saved token.");
  printResult(ctx, `Logged in to ${url} as ${user.name} <${user.email}> (saved to ${path})`, { url, user, config_path: path });
}

export async function logout(ctx: Context): Promise<void> {
  const { io } = ctx;
  const config = await loadConfig(io);
  const path = configPath(io);
  const hadToken = config.token !== undefined;
  if (hadToken) {
    const { token: _token, ...rest } = config;
    await saveConfig(io, rest);
  }
  if (io.env.TRIBUTARY_TOKEN) note(ctx, "Note: TRIBUTARY_TOKEN is still set in your environment; unset it to log out completely.");
  const human = hadToken
    ? `Logged out: the token was removed from ${path}. The token itself stays valid until revoked (in the web app, or DELETE /api/access-tokens/<id>).`
    : "Not logged in: there was no saved token.";
  printResult(ctx, human, { logged_out: true, had_token: hadToken, config_path: path });
}

export async function status(ctx: Context): Promise<void> {
  const session = await requireSession(ctx.io);
  const client = new BackendClient(session.url, session.token);
  const user = await client.me();
  let services: ServiceItem[] | null = null;
  let servicesError: { code: string; message: string } | null = null;
  try {
    services = await client.services();
  } catch (error) {
    if (!(error instanceof CliError) || error.exitCode !== ExitCode.failure) throw error;
    servicesError = { code: error.code, message: error.message };
  }
  const counts = services && {
    total: services.length,
    connected: services.filter((service) => service.status === "connected").length,
    expired: services.filter((service) => service.status === "expired").length,
  };
  const lines = [
    `Logged in as ${user.name} <${user.email}>`,
    `Backend: ${session.url}`,
    `Token: from ${session.tokenSource === "env" ? "TRIBUTARY_TOKEN" : configPath(ctx.io)}`,
    counts
      ? `Service connectors: ${counts.connected} connected${counts.expired ? `, ${counts.expired} expired` : ""} (of ${counts.total})`
      : `Service connectors: unavailable (${servicesError?.message})`,
  ];
  printResult(ctx, lines.join("\n"), {
    url: session.url,
    user,
    token_source: session.tokenSource,
    config_path: configPath(ctx.io),
    services: counts,
    ...(servicesError ? { services_error: servicesError } : {}),
  });
}
