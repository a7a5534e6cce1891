/**
 * connect's HTTP figures (`npm run bench`):
 *  - authenticated `POST /internal/mirror-connections/ping` against unauthenticated `GET /health`, in the
 *    same run, interleaved rounds, medians: the cost of the service-token check;
 *  - cold start of the production bundle to the first healthy answer;
 *  - idle RSS after start-up and a warm-up.
 * `npm run bench` builds the bundle first; it runs it as production would: `node apps/connect/dist/main.js`.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import { createHash } from "node:crypto";
import { tokenMatches } from "../apps/connect/src/plugins/service-token-auth.js";

const repoRoot = fileURLToPath(new URL("..", import.meta.url));
const bundle = fileURLToPath(new URL("../apps/connect/dist/main.js", import.meta.url));
const token = "bench-service-token-0123456789abcdef0123456789abcdef";
const rounds = Number(process.env.BENCH_ROUNDS ?? "5");
const roundSeconds = Number(process.env.BENCH_SECONDS ?? "5");
const connections = 32;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

async function startConnect(command: string[]): Promise<{ child: ChildProcess; url: string; startedAt: number }> {
  const startedAt = performance.now();
  // LOG_LEVEL stays at the production default (info): per-request logging is part of the real cost.
  const child = spawn(process.execPath, command, {
    cwd: repoRoot,
    env: { PATH: process.env.PATH, CONNECT_SERVICE_TOKEN: token, PORT: "0" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on("line", (line) => {
      const match = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(line);
      if (match?.[1]) resolve(match[1]);
    });
    child.once("exit", (code) => reject(new Error(`connect exited with ${code} during start-up`)));
  });
  return { child, url, startedAt };
}

async function timeToHealthy(command: string[]): Promise<number> {
  const { child, url, startedAt } = await startConnect(command);
  for (;;) {
    try {
      const response = await fetch(`${url}/health`);
      if (response.ok) break;
    } catch {
      // not accepting yet
    }
  }
  const elapsed = performance.now() - startedAt;
  child.kill("SIGTERM");
  await once(child, "exit");
  return elapsed;
}

function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kib = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
  return kib / 1024;
}

async function load(url: string, path: string, method: "GET" | "POST", headers: Record<string, string>) {
  const result = await autocannon({ url: `${url}${path}`, method, headers, connections, duration: roundSeconds });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${method} ${path}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99 };
}


// Cold start: the production bundle, and tsx from source (what `npm start` uses) for reference.
const coldBundle: number[] = [];
const coldTsx: number[] = [];
for (let index = 0; index < 5; index += 1) {
  coldBundle.push(await timeToHealthy([bundle]));
  coldTsx.push(await timeToHealthy(["--import", "tsx", "apps/connect/src/main.ts"]));
}

const { child, url } = await startConnect([bundle]);
const idleAfterStart = rssMiB(child.pid!);

console.log(`load: ${rounds} interleaved rounds of ${roundSeconds} s, ${connections} connections each…`);
await load(url, "/health", "GET", {}); // warm-up
const health: Array<{ rps: number; p50: number; p99: number }> = [];
const ping: Array<{ rps: number; p50: number; p99: number }> = [];
for (let round = 0; round < rounds; round += 1) {
  health.push(await load(url, "/health", "GET", {}));
  ping.push(await load(url, "/internal/mirror-connections/ping", "POST", { "x-connect-service-token": token }));
}
const idleAfterLoad = rssMiB(child.pid!);
child.kill("SIGTERM");
await once(child, "exit");

// The token check alone, in process: what the auth hook adds to each request's CPU time.
const expectedDigest = createHash("sha256").update(token).digest();
const checks = 1_000_000;
const checkRounds: number[] = [];
for (let round = 0; round < 5; round += 1) {
  const started = process.hrtime.bigint();
  for (let index = 0; index < checks; index += 1) tokenMatches(expectedDigest, token);
  checkRounds.push(Number(process.hrtime.bigint() - started) / checks);
}
const nsPerCheck = median(checkRounds);

const summary = (samples: typeof health) => ({
  rps: median(samples.map((sample) => sample.rps)),
  p50: median(samples.map((sample) => sample.p50)),
  p99: median(samples.map((sample) => sample.p99)),
});
const healthSummary = summary(health);
const pingSummary = summary(ping);
const cost = 1 - pingSummary.rps / healthSummary.rps;

console.log("\n| measure | value |");
console.log("|---|---|");
console.log(`| GET /health (no auth), req/s (median of ${rounds}) | ${healthSummary.rps.toFixed(0)} |`);
console.log(`| GET /health p50 / p99 latency | ${healthSummary.p50} ms / ${healthSummary.p99} ms |`);
console.log(`| POST ping (token checked), req/s (median of ${rounds}) | ${pingSummary.rps.toFixed(0)} |`);
console.log(`| POST ping p50 / p99 latency | ${pingSummary.p50} ms / ${pingSummary.p99} ms |`);
console.log(`| ping throughput vs /health | ${(pingSummary.rps / healthSummary.rps).toFixed(3)}x (auth + POST cost ${(cost * 100).toFixed(1)}%, goal < 10%) |`);
// A saturated single-threaded server spends 1/throughput seconds of CPU on each request.
const serviceTimeNs = 1e9 / pingSummary.rps;
console.log(`| token check alone (SHA-256 + timingSafeEqual), median of 5 × 1M | ${nsPerCheck.toFixed(0)} ns = ${((nsPerCheck / serviceTimeNs) * 100).toFixed(2)}% of a ping's service time |`);
console.log(`| cold start to first healthy answer, bundle (median of 5) | ${median(coldBundle).toFixed(0)} ms (goal < 1000 ms) |`);
console.log(`| cold start, tsx from source (median of 5) | ${median(coldTsx).toFixed(0)} ms |`);
console.log(`| RSS idle after start-up | ${idleAfterStart.toFixed(1)} MiB (goal < 120 MiB) |`);
console.log(`| RSS idle after the load rounds | ${idleAfterLoad.toFixed(1)} MiB |`);
