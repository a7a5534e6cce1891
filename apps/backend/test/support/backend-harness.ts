import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { createServer } from "node:net";
import { loadConfig, type BackendConfig } from "../../src/config.js";
import { migrateToLatest } from "../../src/db/migrator.js";
import { buildServer } from "../../src/server.js";
import { createTestDatabases, type TestDatabases } from "./test-databases.js";

export interface RunningBackend {
  url: string;
  config: BackendConfig;
  test: TestDatabases;
  /** Every log line the backend wrote, for secret scans. */
  logLines: string[];
  close(): Promise<void>;
}

/** A free loopback port (taken by nothing the moment this returns). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * The backend in this process, on a free port, over real HTTP, on fresh migrated databases. `env`
 * overrides the environment it is configured from (connect's URL and token, for instance).
 */
export async function startBackend(env: Record<string, string> = {}): Promise<RunningBackend> {
  const test = await createTestDatabases();
  await migrateToLatest(test.databases);
  const replica = await startReplica(test, { CONNECT_SERVICE_URL: "http://127.0.0.1:9", ...env });
  return {
    ...replica,
    close: async () => {
      await replica.close();
      await test.dispose();
    },
  };
}

/**
 * A backend on databases that already exist (the same ones as another replica, or those a stopped
 * replica left): what several pods of one deployment, or a restart, look like. Its own URL is known
 * before it starts (better-auth's base URL and trusted origin). `close()` stops this replica only.
 */
export async function startReplica(test: TestDatabases, env: Record<string, string>): Promise<RunningBackend> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const config = loadConfig({
    TRIBUTARY_DATA_DIR: mkdtempSync(join(tmpdir(), "tributary-backend-")),
    PORT: String(port),
    LOG_LEVEL: "info",
    BETTER_AUTH_SECRET: "test-secret-test-secret-test-secret-0123",
    BETTER_AUTH_URL: url,
    DATASOURCES_ENCRYPTION_KEY: "a".repeat(64),
    CONNECT_SERVICE_TOKEN: "test-connect-token",
    ...env,
  });
  const logLines: string[] = [];
  const logStream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      logLines.push(...chunk.toString("utf8").split("\n").filter(Boolean));
      callback();
    },
  });
  const app = await buildServer(config, test.databases, { logStream });
  await app.listen({ host: "127.0.0.1", port });
  return { url, config, test, logLines, close: () => app.close() };
}

/**
 * A JSON answer as tests read it: loosely typed on purpose, each test asserting the fields it cares
 * about (the response schemas themselves are checked by the server's serializer).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type JsonBody = any;

/** A signed-up user's cookie-carrying client. */
export interface TestUser {
  id: string;
  email: string;
  cookie: string;
  call(path: string, init?: { method?: string; body?: unknown; headers?: Record<string, string> }): Promise<{ status: number; body: JsonBody; headers: Headers }>;
}

let counter = 0;

export async function signUp(backend: RunningBackend, name = `user${++counter}`): Promise<TestUser> {
  const email = `${name}-${Date.now()}-${counter}@example.com`;
  const response = await fetch(`${backend.url}/api/auth/sign-up/email`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: backend.url },
    body: JSON.stringify({ email, password: "correct horse battery", name }),
  });
  if (response.status !== 200) throw new Error(`sign-up failed: ${response.status} ${await response.text()}`);
  const body = (await response.json()) as { user: { id: string } };
  const cookie = response.headers
    .getSetCookie()
    .map((value) => value.split(";", 1)[0])
    .join("; ");
  return {
    id: body.user.id,
    email,
    cookie,
    call: (path, init = {}) => call(backend, path, { ...init, headers: { cookie, ...init.headers } }),
  };
}

export async function call(
  backend: RunningBackend,
  path: string,
  init: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: JsonBody; headers: Headers }> {
  const headers: Record<string, string> = { origin: backend.url, ...init.headers };
  if (init.body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(`${backend.url}${path}`, {
    method: init.method ?? (init.body === undefined ? "GET" : "POST"),
    headers,
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text.length > 0 ? JSON.parse(text) : null;
  } catch {
    // Not JSON (the docs page): keep the text.
  }
  return { status: response.status, body, headers: response.headers };
}
