/**
 * "Sync now" dispatch latency (`npm run bench:backend-runs`): the time from the client's
 * `POST /api/workspaces/:id/data-sources/:id/runs` to connect receiving `POST /internal/ingestion-runs`
 * for that run (an onRequest hook in connect, keyed by the run id the backend sends as x-request-id),
 * over BENCH_RUNS runs (default 20), next to the median of a bare authenticated
 * `POST /internal/mirror-connections/ping` to the same connect from this process, measured in the same
 * run: the HTTP floor any dispatch pays.
 *
 * Everything runs in this process on loopback: the GitHub simulator, connect, and the backend with its
 * pg-boss queue on embedded PGlite (or on PostgreSQL when TEST_DATABASE_URL is set, as CI has it).
 * BACKEND_JOB_POLL_SECONDS is the production default (2 s): a run that waited for the workers' next
 * poll would show it.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { githubDemoConfig, githubDemoCredentials, startGithubSimulator } from "@tributary/simulators";
import { loadConfig as loadConnectConfig } from "../apps/connect/src/config.js";
import { buildServer as buildConnectServer } from "../apps/connect/src/server.js";
import { loadConfig } from "../apps/backend/src/config.js";
import { migrateToLatest } from "../apps/backend/src/db/migrator.js";
import { buildServer } from "../apps/backend/src/server.js";
import { createTestDatabases } from "../apps/backend/test/support/test-databases.js";
import { freePort } from "../apps/backend/test/support/runs-connect-harness.js";

const runs = Number(process.env.BENCH_RUNS ?? "20");
const warmUp = 3;
const token = "bench-backend-runs-connect-token";
const silent = () => new Writable({ write: (_chunk, _encoding, callback) => callback() });

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

const scratch = mkdtempSync(join(tmpdir(), "tributary-bench-runs-"));
const github = await startGithubSimulator({ dataset: { seed: 1, repositories: 1, issuesPerRepository: 5, members: 3 } });

// connect, with a hook noting when each ingestion request arrives.
const arrivals = new Map<string, number>();
const connectConfig = loadConnectConfig({
  CONNECT_SERVICE_TOKEN: token,
  LOG_LEVEL: "warn",
  CONNECT_LOCAL_STORAGE_DIR: join(scratch, "object-store"),
  CONNECT_SPOOL_DIR: join(scratch, "spool"),
});
const connect = await buildConnectServer(connectConfig, { logStream: silent() });
connect.addHook("onRequest", async (request) => {
  if (request.url === "/internal/ingestion-runs") arrivals.set(String(request.headers["x-request-id"]), performance.now());
});
const connectUrl = await connect.listen({ host: "127.0.0.1", port: 0 });

// The backend, as `npm start` runs it but on a free port.
const test = await createTestDatabases();
await migrateToLatest(test.databases);
const port = await freePort();
const backendUrl = `http://127.0.0.1:${port}`;
const config = loadConfig({
  TRIBUTARY_DATA_DIR: join(scratch, "backend"),
  PORT: String(port),
  LOG_LEVEL: "warn",
  BETTER_AUTH_SECRET: "bench-secret-bench-secret-bench-secret-0123",
  BETTER_AUTH_URL: backendUrl,
  DATASOURCES_ENCRYPTION_KEY: "b".repeat(64),
  CONNECT_SERVICE_URL: connectUrl,
  CONNECT_SERVICE_TOKEN: token,
  CONNECT_LOCAL_STORAGE_DIR: join(scratch, "object-store"),
});
const backend = await buildServer(config, test.databases, { logStream: silent() });
await backend.listen({ host: "127.0.0.1", port });

async function api(path: string, init: { method?: string; body?: unknown; cookie?: string } = {}) {
  const response = await fetch(`${backendUrl}${path}`, {
    method: init.method ?? (init.body === undefined ? "GET" : "POST"),
    headers: { origin: backendUrl, ...(init.body === undefined ? {} : { "content-type": "application/json" }), ...(init.cookie ? { cookie: init.cookie } : {}) },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  return { status: response.status, headers: response.headers, body: (await response.json().catch(() => null)) as Record<string, unknown> & { id: string } };
}

try {
  const signUp = await api("/api/auth/sign-up/email", { body: { email: "bench@example.com", password: "correct horse battery", name: "bench" } });
  const cookie = signUp.headers
    .getSetCookie()
    .map((value) => value.split(";", 1)[0])
    .join("; ");
  const workspace = (await api("/api/workspaces", { body: { name: "Bench" }, cookie })).body.id;
  const source = await api(`/api/workspaces/${workspace}/data-sources`, {
    body: { connector: "github", name: "GitHub", credentials: githubDemoCredentials, config: { ...githubDemoConfig, api_base_url: github.url }, streams: ["users"] },
    cookie,
  });
  if (source.status !== 201) throw new Error(`data source: ${source.status} ${JSON.stringify(source.body)}`);

  const dispatch: number[] = [];
  const accepted: number[] = [];
  for (let index = 0; index < warmUp + runs; index += 1) {
    const started = performance.now();
    const queued = await api(`/api/workspaces/${workspace}/data-sources/${source.body.id}/runs`, { body: {}, cookie });
    const answered = performance.now();
    if (queued.status !== 202) throw new Error(`sync now: ${queued.status} ${JSON.stringify(queued.body)}`);
    const runId = queued.body.id;
    while (!arrivals.has(runId)) await new Promise((resolve) => setImmediate(resolve));
    if (index >= warmUp) {
      dispatch.push(arrivals.get(runId)! - started);
      accepted.push(answered - started);
    }
    // The run ends, then the catalogue sync it triggers, before the next measurement.
    for (;;) {
      const run = (await api(`/api/workspaces/${workspace}/runs/${runId}`, { cookie })).body;
      if (!["queued", "running"].includes(String(run.status))) {
        if (run.status !== "succeeded") throw new Error(`run ${runId} ended ${String(run.status)}: ${JSON.stringify(run.error)}`);
        const finishedAt = Date.parse(String(run.finished_at));
        const catalogue = (await api(`/api/workspaces/${workspace}/data-sources/${source.body.id}/catalogue`, { cookie })).body;
        const attempt = catalogue?.last_sync_attempt_at ? Date.parse(String(catalogue.last_sync_attempt_at)) : 0;
        if (attempt >= finishedAt) break;
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  const ping: number[] = [];
  for (let index = 0; index < warmUp + runs; index += 1) {
    const started = performance.now();
    const response = await fetch(`${connectUrl}/internal/mirror-connections/ping`, { method: "POST", headers: { "x-connect-service-token": token } });
    await response.arrayBuffer();
    if (index >= warmUp) ping.push(performance.now() - started);
  }

  const fmt = (value: number) => `${value.toFixed(1)} ms`;
  console.log(`database: ${test.urls ? "PostgreSQL" : "PGlite (embedded)"}; job poll interval ${config.jobPollSeconds} s; ${runs} runs after ${warmUp} warm-up`);
  console.log(`sync now → connect receives the run: median ${fmt(median(dispatch))}, p90 ${fmt(quantile(dispatch, 0.9))}, min ${fmt(Math.min(...dispatch))}, max ${fmt(Math.max(...dispatch))}`);
  console.log(`  of which the 202 answer to "sync now": median ${fmt(median(accepted))}`);
  console.log(`baseline: bare POST /internal/mirror-connections/ping: median ${fmt(median(ping))}, p90 ${fmt(quantile(ping, 0.9))}`);
  console.log(`dispatch overhead over the baseline (medians): ${fmt(median(dispatch) - median(ping))}`);
} finally {
  await backend.close();
  await test.dispose();
  connect.server.closeAllConnections();
  await connect.close();
  await github.close();
  rmSync(scratch, { recursive: true, force: true });
}
