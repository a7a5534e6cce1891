/**
 * The backend's HTTP figures (`npm run bench:backend-http`): an authenticated `GET` of a workspace's
 * data-source list (personal access token → token lookup → membership check → list query) against the
 * unauthenticated `GET /health`, in the same run, interleaved rounds, medians. The backend runs in its own
 * process from source (tsx) on the machine's PostgreSQL when BENCH_DATABASE_URL (or TEST_DATABASE_URL)
 * is set, else on embedded PGlite, at the production log level.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer } from "node:net";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import pg from "pg";

const repoRoot = fileURLToPath(new URL("..", import.meta.url));
const rounds = Number(process.env.BENCH_ROUNDS ?? "5");
const roundSeconds = Number(process.env.BENCH_SECONDS ?? "5");
const connections = 32;
const adminUrl = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

async function databaseEnv(): Promise<{ env: Record<string, string>; drop: () => Promise<void> }> {
  if (!adminUrl) return { env: {}, drop: async () => undefined };
  const suffix = Date.now().toString(36);
  const names = [`tributary_bench_${suffix}_auth`, `tributary_bench_${suffix}_core`];
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  for (const name of names) await admin.query(`create database ${name}`);
  await admin.end();
  const urlOf = (name: string) => Object.assign(new URL(adminUrl), { pathname: `/${name}` }).toString();
  return {
    env: {
      DATABASE_URL: urlOf(names[0]!),
      CORE_DATABASE_URL: urlOf(names[1]!),
      ENABLE_MIGRATIONS: "true",
      BETTER_AUTH_SECRET: "bench-secret-bench-secret-bench-secret-0123456789",
      BETTER_AUTH_URL: "http://127.0.0.1:3000",
      FRONTEND_URL: "http://127.0.0.1:8080",
      CONNECT_SERVICE_TOKEN: "bench-token",
      DATASOURCES_ENCRYPTION_KEY: "c".repeat(64),
    },
    drop: async () => {
      const cleanup = new pg.Client({ connectionString: adminUrl });
      await cleanup.connect();
      for (const name of names) await cleanup.query(`drop database if exists ${name} with (force)`);
      await cleanup.end();
    },
  };
}

/** A port free right now: the backend's own URL (BETTER_AUTH_URL, trusted origin) must be known before it starts. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  return typeof address === "object" && address ? address.port : 0;
}

async function startBackend(env: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
  const port = String(await freePort());
  const child = spawn(process.execPath, ["--import", "tsx", "apps/backend/src/main.ts"], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH, TRIBUTARY_DATA_DIR: mkdtempSync(join(tmpdir(), "tributary-bench-")), ...env, PORT: port, BETTER_AUTH_URL: `http://127.0.0.1:${port}` },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on("line", (line) => {
      const match = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(line);
      if (match?.[1]) resolve(match[1]);
    });
    child.once("exit", (code) => reject(new Error(`the backend exited with ${code} during start-up`)));
  });
  return { child, url };
}

async function load(url: string, path: string, headers: Record<string, string>) {
  const result = await autocannon({ url: `${url}${path}`, headers, connections, duration: roundSeconds });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`GET ${path}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return { rps: result.requests.average, p99: result.latency.p99 };
}

const database = await databaseEnv();
const backend = await startBackend(database.env);
try {
  const json = { "content-type": "application/json", origin: backend.url };
  const signUp = await fetch(`${backend.url}/api/auth/sign-up/email`, {
    method: "POST",
    headers: json,
    body: JSON.stringify({ email: "bench@example.com", password: "bench password 123", name: "Bench" }),
  });
  const cookie = signUp.headers.getSetCookie().map((value) => value.split(";", 1)[0]).join("; ");
  const workspace = (await (await fetch(`${backend.url}/api/workspaces`, { method: "POST", headers: { ...json, cookie }, body: JSON.stringify({ name: "Bench" }) })).json()) as { id: string };
  const created = (await (await fetch(`${backend.url}/api/access-tokens`, { method: "POST", headers: { ...json, cookie }, body: JSON.stringify({ name: "bench" }) })).json()) as { token: string };
  const authorization = { authorization: `Bearer ${created.token}` };
  const listPath = `/api/workspaces/${workspace.id}/data-sources`;
  const check = await fetch(`${backend.url}${listPath}`, { headers: authorization });
  if (check.status !== 200) throw new Error(`the data-source list answered ${check.status}: ${await check.text()}`);

  await load(backend.url, "/health", {});
  await load(backend.url, listPath, authorization);
  const health: Array<{ rps: number; p99: number }> = [];
  const list: Array<{ rps: number; p99: number }> = [];
  for (let round = 0; round < rounds; round += 1) {
    health.push(await load(backend.url, "/health", {}));
    list.push(await load(backend.url, listPath, authorization));
  }
  const healthRps = median(health.map((entry) => entry.rps));
  const listRps = median(list.map((entry) => entry.rps));
  console.log(`\nbackend on ${adminUrl ? "PostgreSQL" : "PGlite"}, ${connections} connections, ${rounds} interleaved rounds of ${roundSeconds} s, medians:`);
  console.log("| measure | value |");
  console.log("|---|---|");
  console.log(`| GET /health (no auth), req/s / p99 | ${healthRps.toFixed(0)} / ${median(health.map((entry) => entry.p99))} ms |`);
  console.log(`| GET data-source list (access token, membership, query), req/s / p99 | ${listRps.toFixed(0)} / ${median(list.map((entry) => entry.p99))} ms |`);
  console.log(`| list throughput vs /health | ${(listRps / healthRps).toFixed(2)}x |`);
} finally {
  backend.child.kill("SIGTERM");
  await new Promise((resolve) => backend.child.once("exit", resolve));
  await database.drop();
}
