/**
 * Where the CLI keeps the backend URL and the access token: `$TRIBUTARY_CONFIG_DIR/config.json`, else
 * `~/.config/tributary/config.json` (directory 700, file 600, written atomically). `TRIBUTARY_URL` and
 * `TRIBUTARY_TOKEN` override the file.
 */
import { promises as fs } from "node:fs";
import { join } from "node:path";
import { CliError, ExitCode, usageError } from "./errors.js";
import type { Io } from "./io.js";
import { SECRET_DIR_MODE, readRegularFile, writeFileAtomic } from "./safe-fs.js";

export const DEFAULT_URL = "http://127.0.0.1:3000";

export interface StoredConfig {
  url?: string;
  token?: string;
}

export function configDir(io: Io): string {
  return io.env.TRIBUTARY_CONFIG_DIR || join(io.homeDir, ".config", "tributary");
}

export function configPath(io: Io): string {
  return join(configDir(io), "config.json");
}

export async function loadConfig(io: Io): Promise<StoredConfig> {
  const path = configPath(io);
  const file = await readRegularFile(path);
  if (!file) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(file.bytes).toString("utf8"));
  } catch {
    throw new CliError("config_invalid", `${path} is not valid JSON; fix it or delete it and log in again`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new CliError("config_invalid", `${path} must hold a JSON object; fix it or delete it and log in again`);
  }
  const { url, token } = parsed as Record<string, unknown>;
  const config: StoredConfig = {};
  if (typeof url === "string") config.url = url;
  if (typeof token === "string") config.token = token;
  return config;
}

export async function saveConfig(io: Io, config: StoredConfig): Promise<string> {
  const dir = configDir(io);
  try {
    await fs.mkdir(dir, { recursive: true, mode: SECRET_DIR_MODE });
    await fs.chmod(dir, SECRET_DIR_MODE);
  } catch (error) {
    throw new CliError("file_error", `Cannot create ${dir}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  const path = configPath(io);
  await writeFileAtomic(path, new TextEncoder().encode(`${JSON.stringify(config, null, 2)}\n`));
  return path;
}

/** `http(s)://host[:port][/prefix]` without a trailing slash; anything else is a usage error. */
export function normalizeUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw usageError(`Not a URL: ${JSON.stringify(raw)} (expected e.g. ${DEFAULT_URL})`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw usageError(`The backend URL must start with http:// or https:// (got ${url.protocol})`);
  if (url.username || url.password) throw usageError("The backend URL must not carry a user name or password");
  if (url.search || url.hash) throw usageError("The backend URL must not carry a query or a fragment");
  return `${url.origin}${url.pathname.replace(/\/+$/, "")}`;
}

/** The backend URL: `--url`, else `TRIBUTARY_URL`, else the saved one, else the local default. */
export function resolveUrl(io: Io, config: StoredConfig, flag?: string): string {
  return normalizeUrl(flag || io.env.TRIBUTARY_URL || config.url || DEFAULT_URL);
}

export interface Session {
  url: string;
  token: string;
  tokenSource: "env" | "config";
}

/** The URL and token to call the backend with; no token is exit 3. */
export async function requireSession(io: Io): Promise<Session> {
  const config = await loadConfig(io);
  const url = resolveUrl(io, config);
  const envToken = io.env.TRIBUTARY_TOKEN;
  if (envToken) return { url, token: envToken, tokenSource: "env" };
  if (config.token) return { url, token: config.token, tokenSource: "config" };
  throw new CliError("not_logged_in", "Not logged in: run `tributary login` (or set TRIBUTARY_TOKEN)", ExitCode.auth);
}
