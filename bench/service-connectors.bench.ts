/**
 * Service connectors (`npm run bench:service-connectors`):
 *
 * 1. "Connect" click to key stored: `POST /api/service-connectors/connect` for BENCH_CONNECTS fresh
 *    users (default 40), each timed from the client, next to a bare token exchange against the same
 *    reference service from this process, interleaved (the service's own latency, the baseline). The
 *    difference of the medians is the backend's own cost: auth, locking, encryption, storage, audit.
 * 2. `tributary sync` with 20 connected services: the CLI spawned as a user runs it
 *    (`node apps/cli/bin/tributary.js sync`), first sync (writes `.env` and 20 skills) and no-change
 *    re-syncs (BENCH_SYNCS, default 10, median), next to `tributary --version` (Node start-up and the
 *    CLI's loading, the floor of any command).
 *
 * Everything runs on loopback: the backend in this process (PGlite, or PostgreSQL with TEST_DATABASE_URL),
 * the repository's reference purchase-order service standing in for all 20 services.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { startPurchaseOrdersService } from "@tributary/example-purchase-orders";
import { migrateToLatest } from "../apps/backend/src/db/migrator.js";
import { createTestDatabases } from "../apps/backend/test/support/test-databases.js";
import { signUp as signUpUser, startBackend } from "./support/bench-backend.js";

/** Fresh (user, service) pairs: three users × 20 services. */
const connects = Math.min(57, Number(process.env.BENCH_CONNECTS ?? "40"));
const syncs = Number(process.env.BENCH_SYNCS ?? "10");
const services = 20;
const secret = "bench-service-connectors-secret-0123456789";
const repoRoot = fileURLToPath(new URL("..", import.meta.url));
const run = promisify(execFile);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

const scratch = mkdtempSync(join(tmpdir(), "tributary-bench-sc-"));
const po = await startPurchaseOrdersService({ secret, dataFile: join(scratch, "po-keys.json") });

// A registry of 20 services, all served by the reference service (each its own id, variables and skill).
const registryFolder = join(scratch, "registry");
mkdirSync(registryFolder);
const shippedSkill = new URL("../docs/service-connectors/sc_purchase_orders.md", import.meta.url);
const skill = existsSync(shippedSkill) ? readFileSync(shippedSkill, "utf8") : "# skill\n";
const ids = Array.from({ length: services }, (_, index) => `service_${String(index + 1).padStart(2, "0")}`);
for (const id of ids) writeFileSync(join(registryFolder, `sc_${id}.md`), skill);
writeFileSync(
  join(registryFolder, "registry.json"),
  JSON.stringify(
    ids.map((id) => ({
      id,
      name: id,
      description: `Benchmark service ${id}`,
      base_url: po.url,
      health_url: `${po.url}/health`,
      env: { api_key: `${id.toUpperCase()}_API_KEY`, base_url: `${id.toUpperCase()}_API_BASE_URL` },
      skill_file: `sc_${id}.md`,
      ttl_days: 90,
    })),
  ),
);

const test = await createTestDatabases();
await migrateToLatest(test.databases);
const backend = await startBackend(test.databases, {
  TRIBUTARY_DATA_DIR: join(scratch, "backend"),
  SERVICE_CONNECTORS_REGISTRY: join(registryFolder, "registry.json"),
  ...Object.fromEntries(ids.map((id) => [`SC_SECRET_${id.toUpperCase()}`, secret])),
});
const backendUrl = backend.url;

async function api(path: string, init: { body?: unknown; cookie?: string } = {}) {
  const response = await fetch(`${backendUrl}${path}`, {
    method: init.body === undefined ? "GET" : "POST",
    headers: {
      origin: backendUrl,
      ...(init.body === undefined ? {} : { "content-type": "application/json" }),
      ...(init.cookie ? { cookie: init.cookie } : {}),
    },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  return { status: response.status, body: (await response.json().catch(() => null)) as Record<string, unknown> };
}

const signUp = async (name: string): Promise<string> => (await signUpUser(backend, name)).cookie;

async function bareExchange(email: string): Promise<void> {
  const response = await fetch(`${po.url}/api/internal/token-exchange`, {
    method: "POST",
    headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" },
    body: JSON.stringify({ user_email: email, ttl_days: 90 }),
  });
  if (response.status !== 200) throw new Error(`exchange: ${response.status}`);
  await response.json();
}

try {
  // 1. Connect latency vs the service's own exchange latency, interleaved.
  const viaApi: number[] = [];
  const bare: number[] = [];
  const users = [await signUp("user0"), await signUp("user1"), await signUp("user2")];
  for (let index = 0; index < connects + 3; index += 1) {
    const cookie = users[index % users.length]!;
    let started = performance.now();
    await bareExchange(`baseline${index}@example.com`);
    const exchangeMs = performance.now() - started;
    started = performance.now();
    const answer = await api("/api/service-connectors/connect", { body: { service_id: ids[Math.floor(index / users.length)] }, cookie });
    const connectMs = performance.now() - started;
    if (answer.status !== 200) throw new Error(`connect: ${answer.status} ${JSON.stringify(answer.body)}`);
    if (index >= 3) {
      viaApi.push(connectMs);
      bare.push(exchangeMs);
    }
  }

  // 2. tributary sync with 20 connected services.
  const cookie = await signUp("syncer");
  for (const id of ids) {
    const answer = await api("/api/service-connectors/connect", { body: { service_id: id }, cookie });
    if (answer.status !== 200) throw new Error(`connect ${id}: ${answer.status}`);
  }
  const token = (await api("/api/access-tokens", { body: { name: "bench" }, cookie })).body.token as string;
  const project = join(scratch, "project");
  mkdirSync(project);
  const env = { ...process.env, TRIBUTARY_URL: backendUrl, TRIBUTARY_TOKEN: token, TRIBUTARY_CONFIG_DIR: join(scratch, "cli-config") };
  const cli = async (args: string[]): Promise<number> => {
    const started = performance.now();
    await run(process.execPath, [join(repoRoot, "apps/cli/bin/tributary.js"), ...args], { cwd: project, env });
    return performance.now() - started;
  };
  await cli(["--version"]);
  const first = await cli(["sync"]);
  const written = readdirSync(join(project, ".claude", "rules")).length;
  if (written !== services) throw new Error(`sync wrote ${written} skills, expected ${services}`);
  const again: number[] = [];
  const version: number[] = [];
  for (let index = 0; index < syncs; index += 1) {
    version.push(await cli(["--version"]));
    again.push(await cli(["sync"]));
  }

  const rows = [
    ["connect click to key stored, p50 (client-side, whole request)", `${median(viaApi).toFixed(1)} ms`],
    ["bare token exchange with the same service, p50 (baseline)", `${median(bare).toFixed(1)} ms`],
    ["backend's own cost per connect (difference of medians)", `${(median(viaApi) - median(bare)).toFixed(1)} ms`],
    [`tributary sync, ${services} services, first (writes .env and ${services} skills)`, `${first.toFixed(0)} ms`],
    [`tributary sync, ${services} services, no change, median of ${syncs}`, `${median(again).toFixed(0)} ms`],
    [`tributary --version, median of ${syncs} (Node start-up + loading the CLI)`, `${median(version).toFixed(0)} ms`],
    ["sync's own time over --version", `${(median(again) - median(version)).toFixed(0)} ms`],
  ];
  console.log(`\nService connectors (${connects} connects, ${services} services; backend on ${test.databases.kind === "postgres" ? "PostgreSQL" : "PGlite"})\n`);
  console.log("| measure | value |\n|---|---|");
  for (const [measure, value] of rows) console.log(`| ${measure} | ${value} |`);
} finally {
  await backend.close();
  await po.close();
  await test.dispose();
  rmSync(scratch, { recursive: true, force: true });
}
