import { readFileSync } from "node:fs";
import { join } from "node:path";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SecretBox, parseEncryptionKey } from "@tributary/crypto";
import { githubDatasetStreams } from "@tributary/simulators";
import { migrateToLatest } from "../src/db/migrator.js";
import { signUp, type RunningBackend, type TestUser } from "./support/backend-harness.js";
import { startConnectWithSimulators, type ConnectWithSimulators } from "./support/connect-harness.js";
import {
  createGithubSource,
  freePort,
  pollUntil,
  runsBackendEnv,
  runUntilFinished,
  smallGithubDataset,
  startConnectOn,
  startReplica,
  userOn,
} from "./support/runs-connect-harness.js";
import { createTestDatabases, type TestDatabases } from "./support/test-databases.js";

/**
 * Replicas that stop mid-run and the ones that take over, on one pair of databases: a restart resumes
 * the run under the same id without writing anything twice; a run whose replica died (its heartbeat
 * went stale) is taken over; a run is retried while connect is down.
 */
let harness: ConnectWithSimulators;
let test: TestDatabases;
let replica: RunningBackend | undefined;
let alice: TestUser;
let workspaceId: string;
let sourceId: string;

const truth = (stream: string) => harness.github.dataset!.groundTruth(stream);
const env = () => ({ ...harness.env, ...runsBackendEnv });

beforeAll(async () => {
  harness = await startConnectWithSimulators({ github: { dataset: smallGithubDataset }, connectEnvironment: { CONNECT_GC_GRACE_SECONDS: "0" } });
  test = await createTestDatabases();
  await migrateToLatest(test.databases);
  replica = await startReplica(test, env());
  alice = await signUp(replica, "alice");
  workspaceId = (await alice.call("/api/workspaces", { body: { name: "Recovery" } })).body.id;
  sourceId = (await createGithubSource(alice, workspaceId, harness.github)).id;
  // Two PGlite databases take a while to start on a busy machine (PostgreSQL, as CI runs it, does not).
}, 120_000);

afterAll(async () => {
  harness?.github.faults.clear();
  await replica?.close();
  await test?.dispose();
  await harness?.close();
}, 60_000);

describe("recovery", () => {
  it("a backend restart mid-run resumes the run under the same id; nothing is written twice", async () => {
    const [repository] = truth("repositories") as Array<{ name: string }>;
    harness.github.faults.inject({ kind: "hold", pathPrefix: `/repos/tributary-demo/${repository!.name}/commits` });
    const queued = await alice.call(`/api/workspaces/${workspaceId}/data-sources/${sourceId}/runs`, { body: {} });
    expect(queued.status).toBe(202);
    const runId = queued.body.id as string;
    await harness.github.faults.waitForHeld();
    // The streams before `commits` are committed and recorded.
    const midway = await pollUntil(
      () => alice.call(`/api/workspaces/${workspaceId}/runs/${runId}`),
      (answer) => answer.body.stats.streams_committed >= 5,
      "the first streams to commit",
    );
    const committedFirst = Object.entries(midway.body.progress as Record<string, { status: string }>)
      .filter(([, progress]) => progress.status === "committed")
      .map(([name]) => name);
    expect(midway.body.status).toBe("running");

    // The replica stops without finishing the run.
    await replica!.close();
    const left = await test.databases.core.selectFrom("ingestion_runs").selectAll().where("id", "=", runId).executeTakeFirstOrThrow();
    expect(left.status).toBe("queued");
    expect(left.finished_at).toBeNull();

    replica = await startReplica(test, env());
    harness.github.faults.releaseHeld();
    const run = await runUntilFinished(userOn(alice, replica), workspaceId, runId);
    expect(run.status, JSON.stringify(run.error)).toBe("succeeded");
    expect(run.id).toBe(runId);
    // The next attempt may first find connect still winding the first one down (409 run_in_progress), and retry.
    expect(run.attempt).toBeGreaterThanOrEqual(2);
    for (const stream of githubDatasetStreams) {
      expect(run.progress[stream], stream).toMatchObject({ status: "committed", records: truth(stream).length });
    }

    // Every stream was committed once, by this run, with exactly the ground truth's rows: the streams the
    // first attempt committed were skipped by connect, not read again.
    const snapshots = await test.databases.core.selectFrom("stream_snapshots").selectAll().where("data_source_id", "=", sourceId).execute();
    expect(snapshots).toHaveLength(githubDatasetStreams.length);
    for (const snapshot of snapshots) {
      expect(snapshot, snapshot.stream).toMatchObject({ run_id: runId, manifest_version: 1 });
      expect(Number(snapshot.records), snapshot.stream).toBe(truth(snapshot.stream).length);
      const manifest = JSON.parse(readFileSync(join(harness.localStorageDirectory, "tributary", workspaceId, sourceId, snapshot.stream, "_manifest.json"), "utf8"));
      expect(manifest.version).toBe(1);
      expect(manifest.files.reduce((sum: number, file: { rows: number }) => sum + file.rows, 0), snapshot.stream).toBe(truth(snapshot.stream).length);
    }
    expect(committedFirst.length).toBeGreaterThanOrEqual(5);
  });

  it("a run whose replica died (stale heartbeat) is taken over by another replica under the same id", async () => {
    const core = test.databases.core;
    const runId = crypto.randomUUID();
    // What a killed replica leaves: a running run whose heartbeat stopped, and the job it had fetched.
    await core
      .insertInto("ingestion_runs")
      .values({
        id: runId,
        workspace_id: workspaceId,
        data_source_id: sourceId,
        status: "running",
        trigger: "manual",
        triggered_by: alice.id,
        streams: JSON.stringify(["users", "releases"]),
        cancel_requested_at: null,
        started_at: sql<Date>`now() - interval '10 minutes'`,
        finished_at: null,
        heartbeat_at: sql<Date>`now() - interval '10 minutes'`,
        stats: null,
        error: null,
      })
      .execute();
    await sql`insert into pgboss.job (name, data, state, started_on) values ('ingestion-runs', ${JSON.stringify({ runId })}::jsonb, 'active', now() - interval '10 minutes')`.execute(core);

    const run = await runUntilFinished(userOn(alice, replica!), workspaceId, runId);
    expect(run.status, JSON.stringify(run.error)).toBe("succeeded");
    expect(run.attempt).toBe(2);
    expect(run.progress.users).toMatchObject({ status: "committed", records: truth("users").length });
    expect(replica!.logLines.some((line) => line.includes("abandoned by a stopped replica") && line.includes(runId))).toBe(true);
  });

  it("retries a run while connect is down; it succeeds once connect is back, under the same run id", async () => {
    await replica!.close();
    const port = await freePort();
    replica = await startReplica(test, { ...env(), CONNECT_SERVICE_URL: `http://127.0.0.1:${port}` });
    const owner = userOn(alice, replica);
    let connect: { close(): Promise<void> } | undefined;
    try {
      // connect is down: this data source goes straight into the database (its route validates through connect).
      const id = crypto.randomUUID();
      const box = new SecretBox({ activeKey: parseEncryptionKey("a".repeat(64)) });
      await test.databases.core
        .insertInto("data_sources")
        .values({
          id,
          workspace_id: workspaceId,
          connector: "github",
          name: "GitHub (offline)",
          sql_name: "github_offline",
          config: JSON.stringify(harness.github.config),
          credentials_encrypted: box.encrypt(JSON.stringify(harness.github.credentials), `data_source:${id}:credentials`),
          credentials_hint: "{}",
          streams: JSON.stringify(["repositories", "users"]),
          account: null,
          granted_scopes: null,
          validated_at: null,
          schedule_cron: null,
          next_run_at: null,
          created_by: alice.id,
        })
        .execute();
      const queued = await owner.call(`/api/workspaces/${workspaceId}/data-sources/${id}/runs`, { body: {} });
      expect(queued.status).toBe(202);
      const waiting = await pollUntil(
        () => owner.call(`/api/workspaces/${workspaceId}/runs/${queued.body.id}`),
        (answer) => answer.body.attempt >= 2,
        "a retry to be queued",
      );
      expect(waiting.body.status).toMatch(/^(queued|running)$/);
      expect(waiting.body.error).toMatchObject({ code: "connect_unavailable" });
      expect(waiting.body.error.message).toContain("connect");
      connect = await startConnectOn(port, { token: harness.connectToken, localStorageDirectory: harness.localStorageDirectory });
      const run = await runUntilFinished(owner, workspaceId, queued.body.id);
      expect(run.status, JSON.stringify(run.error)).toBe("succeeded");
      expect(run.attempt).toBeGreaterThanOrEqual(2);
      expect(run.error).toBeNull();
      expect(run.progress.users.records).toBe(truth("users").length);
    } finally {
      await connect?.close();
    }
  });
});
