import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { githubDatasetStreams } from "@tributary/simulators";
import { signUp, startBackend, type RunningBackend, type TestUser } from "./support/backend-harness.js";
import { startConnectWithSimulators, type ConnectWithSimulators } from "./support/connect-harness.js";
import {
  createGithubSource,
  pollUntil,
  runsBackendEnv,
  runUntilFinished,
  smallGithubDataset,
  startReplica,
} from "./support/runs-connect-harness.js";

/**
 * Runs end to end: the real backend (pg-boss on its core database), the real connect, the GitHub
 * simulator's seeded dataset, the local object store.
 */
let harness: ConnectWithSimulators;
let backend: RunningBackend;
let alice: TestUser;
let bob: TestUser;
let workspaceId: string;
let sourceId: string;
let firstRunId: string;

const truth = (stream: string) => harness.github.dataset!.groundTruth(stream);

beforeAll(async () => {
  harness = await startConnectWithSimulators({ github: { dataset: smallGithubDataset }, connectEnvironment: { CONNECT_GC_GRACE_SECONDS: "0" } });
  backend = await startBackend({ ...harness.env, ...runsBackendEnv });
  alice = await signUp(backend, "alice");
  bob = await signUp(backend, "bob");
  workspaceId = (await alice.call("/api/workspaces", { body: { name: "Runs" } })).body.id;
  sourceId = (await createGithubSource(alice, workspaceId, harness.github)).id;
  // Two PGlite databases take a while to start on a busy machine (PostgreSQL, as CI runs it, does not).
}, 120_000);

afterAll(async () => {
  harness?.github.faults.clear();
  await backend?.close();
  await harness?.close();
}, 60_000);

describe("sync now", () => {
  it("runs to completion with exact per-stream counts, writes Parquet and manifests, and records the snapshots", async () => {
    const queued = await alice.call(`/api/workspaces/${workspaceId}/data-sources/${sourceId}/runs`, { body: {} });
    expect(queued.status).toBe(202);
    expect(queued.body).toMatchObject({ status: expect.stringMatching(/^(queued|running)$/), trigger: "manual", sync_mode: "incremental", attempt: 1 });
    expect(queued.body.triggered_by).toEqual({ id: alice.id, email: alice.email, name: "alice" });
    firstRunId = queued.body.id;

    const run = await runUntilFinished(alice, workspaceId, firstRunId);
    expect(run.status, JSON.stringify(run.error)).toBe("succeeded");
    expect(Object.keys(run.progress).sort()).toEqual([...githubDatasetStreams].sort());
    for (const stream of githubDatasetStreams) {
      expect(run.progress[stream], stream).toMatchObject({ status: "committed", records: truth(stream).length, version: 1, error: null });
      expect(run.progress[stream].files).toBeGreaterThanOrEqual(1);
      expect(run.progress[stream].bytes).toBeGreaterThan(0);
    }
    expect(run.stats.records).toBe(githubDatasetStreams.reduce((sum, stream) => sum + truth(stream).length, 0));
    expect(run.stats.api_calls).toBeGreaterThan(githubDatasetStreams.length);
    expect(run.stats.streams_committed).toBe(githubDatasetStreams.length);
    expect(run.duration_ms).toBeGreaterThan(0);
    expect(run.error).toBeNull();

    // Under CONNECT_BUCKET_PREFIX, the workspace and the data source: manifests and Parquet parts.
    for (const stream of githubDatasetStreams) {
      const folder = join(harness.localStorageDirectory, "tributary", workspaceId, sourceId, stream);
      expect(existsSync(join(folder, "_manifest.json")), `${stream} manifest`).toBe(true);
      const parts = readdirSync(join(folder, "data", firstRunId));
      expect(parts.some((name) => name.endsWith(".parquet")), `${stream} parquet`).toBe(true);
    }

    const snapshots = await alice.call(`/api/workspaces/${workspaceId}/data-sources/${sourceId}/snapshots`);
    expect(snapshots.status).toBe(200);
    expect(snapshots.body.items.map((item: { stream: string }) => item.stream)).toEqual([...githubDatasetStreams].sort());
    for (const item of snapshots.body.items) {
      expect(item).toMatchObject({ manifest_version: 1, run_id: firstRunId, records: truth(item.stream).length });
      expect(item.files).toBeGreaterThanOrEqual(1);
    }
    const rows = await backend.test.databases.core.selectFrom("stream_snapshots").select(["stream", "state"]).where("data_source_id", "=", sourceId).execute();
    expect(rows.find((row) => row.stream === "issues")?.state).not.toEqual({});
  });

  it("rebuilds the data source's schema catalogue after the run", async () => {
    const catalogue = await pollUntil(
      () => alice.call(`/api/workspaces/${workspaceId}/data-sources/${sourceId}/catalogue`),
      (answer) => answer.status === 200 && answer.body.built_at !== null,
      "the catalogue to be built",
    );
    expect(catalogue.body.last_sync_error).toBeNull();
    expect(catalogue.body.tables.map((table: { name: string }) => table.name).sort()).toEqual([...githubDatasetStreams].sort());
  });

  it("the second sync is incremental: it starts from the committed state and reads only what changed", async () => {
    const before = harness.github.requests.all().length;
    const change = harness.github.dataset!.applyChanges({ seed: 21, changes: { issues: { inserts: 2, updates: 3 } } });
    const changedIssues = change.applied.issues!.inserted.length + change.applied.issues!.updated.length;

    const queued = await alice.call(`/api/workspaces/${workspaceId}/data-sources/${sourceId}/runs`, { body: { sync_mode: "incremental" } });
    expect(queued.status).toBe(202);
    const run = await runUntilFinished(alice, workspaceId, queued.body.id);
    expect(run.status, JSON.stringify(run.error)).toBe("succeeded");

    // connect resumed from the state the backend recorded, and asked GitHub with `since`.
    expect(run.progress.issues).toMatchObject({ status: "committed", resumed: true, version: 2 });
    expect(run.progress.issues.records).toBeGreaterThanOrEqual(changedIssues);
    expect(run.progress.issues.records).toBeLessThanOrEqual(changedIssues + 3);
    expect(run.progress.commits).toMatchObject({ resumed: true });
    expect(run.progress.commits.records).toBeLessThan(truth("commits").length);
    const requests = harness.github.requests.all().slice(before);
    const issueListings = requests.filter((request) => /^\/repos\/[^/]+\/[^/]+\/issues$/.test(request.path));
    expect(issueListings.length).toBeGreaterThan(0);
    for (const request of issueListings) expect(request.query.since, request.path).toBeDefined();

    const first = (await alice.call(`/api/workspaces/${workspaceId}/runs/${firstRunId}`)).body;
    expect(run.stats.api_calls).toBeLessThan(first.stats.api_calls);
    expect(run.stats.records).toBeLessThan(first.stats.records);

    const snapshots = (await alice.call(`/api/workspaces/${workspaceId}/data-sources/${sourceId}/snapshots`)).body.items;
    const issues = snapshots.find((item: { stream: string }) => item.stream === "issues");
    expect(issues).toMatchObject({ manifest_version: 2, run_id: run.id });
  });

  it("allows one active run per data source, and cancels a running run through connect", async () => {
    const [repository] = truth("repositories") as Array<{ name: string }>;
    harness.github.faults.inject({ kind: "hold", pathPrefix: `/repos/tributary-demo/${repository!.name}/issues` });
    const queued = await alice.call(`/api/workspaces/${workspaceId}/data-sources/${sourceId}/runs`, { body: {} });
    expect(queued.status).toBe(202);
    const runId = queued.body.id as string;
    await harness.github.faults.waitForHeld();
    const running = await alice.call(`/api/workspaces/${workspaceId}/runs/${runId}`);
    expect(running.body.status).toBe("running");
    expect(running.body.heartbeat_at).not.toBeNull();

    const second = await alice.call(`/api/workspaces/${workspaceId}/data-sources/${sourceId}/runs`, { body: { sync_mode: "full_refresh" } });
    expect(second.status).toBe(409);
    expect(second.body.error).toMatchObject({ code: "conflict", active_run_id: runId });
    expect(second.body.error.message).toContain(runId);
    // Nor can the data source be deleted under it.
    const deletion = await alice.call(`/api/workspaces/${workspaceId}/data-sources/${sourceId}`, { method: "DELETE" });
    expect(deletion.status).toBe(409);
    expect(deletion.body.error).toMatchObject({ code: "conflict", active_run_id: runId });

    const cancel = await alice.call(`/api/workspaces/${workspaceId}/runs/${runId}/cancel`, { body: {} });
    expect(cancel.status).toBe(202);
    expect(cancel.body.cancel_requested_at).not.toBeNull();
    const run = await runUntilFinished(alice, workspaceId, runId);
    harness.github.faults.releaseHeld();
    expect(run.status).toBe("cancelled");
    expect(run.progress.issues.status).toBe("cancelled");
    expect(run.finished_at).not.toBeNull();
    // Nothing of the cancelled stream was committed: the snapshot is still the previous run's.
    const snapshots = (await alice.call(`/api/workspaces/${workspaceId}/data-sources/${sourceId}/snapshots`)).body.items;
    expect(snapshots.find((item: { stream: string }) => item.stream === "issues").manifest_version).toBe(2);
    // A finished run cannot be cancelled again.
    expect((await alice.call(`/api/workspaces/${workspaceId}/runs/${runId}/cancel`, { body: {} })).status).toBe(409);
  });

  it("cancels a queued run at once", async () => {
    const core = backend.test.databases.core;
    const runId = crypto.randomUUID();
    await core
      .insertInto("ingestion_runs")
      .values({ id: runId, workspace_id: workspaceId, data_source_id: sourceId, status: "queued", trigger: "manual", triggered_by: alice.id, streams: null, cancel_requested_at: null, started_at: null, finished_at: null, heartbeat_at: null, stats: null, error: null })
      .execute();
    // Its job is due in an hour: nothing picks the run up before the cancel.
    await sql`insert into pgboss.job (name, data, start_after) values ('ingestion-runs', ${JSON.stringify({ runId })}::jsonb, now() + interval '1 hour')`.execute(core);
    const cancel = await alice.call(`/api/workspaces/${workspaceId}/runs/${runId}/cancel`, { body: {} });
    expect(cancel.status).toBe(202);
    expect(cancel.body.status).toBe("cancelled");
  });

  it("lists the history newest first, filtered and paginated", async () => {
    const all = await alice.call(`/api/workspaces/${workspaceId}/runs?limit=2`);
    expect(all.status).toBe(200);
    expect(all.body.items).toHaveLength(2);
    expect(all.body.next_cursor).not.toBeNull();
    expect(new Date(all.body.items[0].created_at).getTime()).toBeGreaterThanOrEqual(new Date(all.body.items[1].created_at).getTime());
    const rest = await alice.call(`/api/workspaces/${workspaceId}/runs?limit=50&cursor=${all.body.next_cursor}`);
    expect(rest.body.items.length).toBeGreaterThanOrEqual(2);
    const succeeded = await alice.call(`/api/workspaces/${workspaceId}/runs?status=succeeded&data_source_id=${sourceId}`);
    expect(succeeded.body.items.map((item: { id: string }) => item.id)).toContain(firstRunId);
    expect(succeeded.body.items.every((item: { status: string }) => item.status === "succeeded")).toBe(true);
    expect((await alice.call(`/api/workspaces/${workspaceId}/runs?status=sleeping`)).body.error.field).toBe("querystring.status");
  });

  it("answers 400 naming the field for streams the data source does not have selected, and 403 to a viewer", async () => {
    const body = await alice.call(`/api/workspaces/${workspaceId}/data-sources/${sourceId}/runs`, { body: { sync_mode: "sometimes" } });
    expect(body.status).toBe(400);
    expect(body.body.error.field).toBe("sync_mode");
    const carol = await signUp(backend, "carol");
    const invitation = (await alice.call(`/api/workspaces/${workspaceId}/invitations`, { body: { email: carol.email, role: "viewer" } })).body;
    await carol.call("/api/invitations/accept", { body: { token: invitation.token } });
    const refused = await carol.call(`/api/workspaces/${workspaceId}/data-sources/${sourceId}/runs`, { body: {} });
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toContain("analyst");
    expect((await carol.call(`/api/workspaces/${workspaceId}/runs/${firstRunId}`)).status).toBe(200);
  });
});

describe("schedules", () => {
  it("validates the cron expression and time zone with croner", async () => {
    const path = `/api/workspaces/${workspaceId}/data-sources/${sourceId}/schedule`;
    const bad = await alice.call(path, { method: "PUT", body: { cron: "every day at nine" } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe("cron");
    const tooOften = await alice.call(path, { method: "PUT", body: { cron: "*/10 * * * * *" } });
    expect(tooOften.status).toBe(400);
    expect(tooOften.body.error).toMatchObject({ field: "cron" });
    expect(tooOften.body.error.message).toContain("once a minute");
    const zone = await alice.call(path, { method: "PUT", body: { cron: "0 9 * * 1-5", timezone: "Mars/Olympus" } });
    expect(zone.status).toBe(400);
    expect(zone.body.error.field).toBe("timezone");
    const good = await alice.call(path, { method: "PUT", body: { cron: "0 9 * * 1-5", timezone: "Europe/Paris" } });
    expect(good.status).toBe(200);
    expect(good.body).toMatchObject({ data_source_id: sourceId, cron: "0 9 * * 1-5", timezone: "Europe/Paris" });
    expect(new Date(good.body.next_run_at).getTime()).toBeGreaterThan(Date.now());
    expect(new Date(good.body.next_run_at).getUTCMinutes()).toBe(0);
  });

  it("a due schedule gets exactly one run with two replicas dispatching", async () => {
    const replica = await startReplica(backend.test, { ...harness.env, ...runsBackendEnv });
    try {
      const core = backend.test.databases.core;
      const put = await alice.call(`/api/workspaces/${workspaceId}/data-sources/${sourceId}/schedule`, { method: "PUT", body: { cron: "*/5 * * * *" } });
      expect(put.status).toBe(200);
      await core.updateTable("data_sources").set({ next_run_at: sql`now() - interval '1 minute'` }).where("id", "=", sourceId).execute();

      const scheduled = await pollUntil(
        () => alice.call(`/api/workspaces/${workspaceId}/runs?data_source_id=${sourceId}`),
        (answer) => answer.body.items.some((item: { trigger: string }) => item.trigger === "schedule"),
        "a scheduled run",
      );
      const run = scheduled.body.items.find((item: { trigger: string }) => item.trigger === "schedule");
      expect(run.triggered_by).toBeNull();
      const finished = await runUntilFinished(alice, workspaceId, run.id);
      expect(finished.status, JSON.stringify(finished.error)).toBe("succeeded");
      // Both replicas ticked many times meanwhile; the occurrence moved on; one run for it.
      const source = await core.selectFrom("data_sources").select(["next_run_at"]).where("id", "=", sourceId).executeTakeFirstOrThrow();
      expect(source.next_run_at!.getTime()).toBeGreaterThan(Date.now());
      const count = await core.selectFrom("ingestion_runs").select((eb) => eb.fn.countAll<string>().as("n")).where("data_source_id", "=", sourceId).where("trigger", "=", "schedule").executeTakeFirstOrThrow();
      expect(Number(count.n)).toBe(1);
    } finally {
      await replica.close();
    }
    expect((await alice.call(`/api/workspaces/${workspaceId}/data-sources/${sourceId}/schedule`, { method: "DELETE" })).status).toBe(204);
    const after = await alice.call(`/api/workspaces/${workspaceId}/data-sources/${sourceId}/schedule`);
    expect(after.body).toMatchObject({ cron: null, next_run_at: null });
  });
});

describe("isolation", () => {
  it("answers 404 on every run route to a non-member and across workspaces", async () => {
    const bobsWorkspace = (await bob.call("/api/workspaces", { body: { name: "Bob's" } })).body.id as string;
    const foreign: Array<[string, string, unknown?]> = [
      ["POST", `/api/workspaces/${workspaceId}/data-sources/${sourceId}/runs`, {}],
      ["GET", `/api/workspaces/${workspaceId}/runs`],
      ["GET", `/api/workspaces/${workspaceId}/runs/${firstRunId}`],
      ["POST", `/api/workspaces/${workspaceId}/runs/${firstRunId}/cancel`, {}],
      ["GET", `/api/workspaces/${workspaceId}/data-sources/${sourceId}/schedule`],
      ["PUT", `/api/workspaces/${workspaceId}/data-sources/${sourceId}/schedule`, { cron: "0 * * * *" }],
      ["DELETE", `/api/workspaces/${workspaceId}/data-sources/${sourceId}/schedule`],
      ["GET", `/api/workspaces/${workspaceId}/data-sources/${sourceId}/snapshots`],
      // Bob's own workspace with Alice's ids: the run and the data source are not there.
      ["POST", `/api/workspaces/${bobsWorkspace}/data-sources/${sourceId}/runs`, {}],
      ["GET", `/api/workspaces/${bobsWorkspace}/runs/${firstRunId}`],
      ["POST", `/api/workspaces/${bobsWorkspace}/runs/${firstRunId}/cancel`, {}],
      ["PUT", `/api/workspaces/${bobsWorkspace}/data-sources/${sourceId}/schedule`, { cron: "0 * * * *" }],
      ["DELETE", `/api/workspaces/${bobsWorkspace}/data-sources/${sourceId}/schedule`],
      ["GET", `/api/workspaces/${bobsWorkspace}/data-sources/${sourceId}/schedule`],
      ["GET", `/api/workspaces/${bobsWorkspace}/data-sources/${sourceId}/snapshots`],
    ];
    for (const [method, path, body] of foreign) {
      const response = await bob.call(path, { method, body });
      expect(response.status, `${method} ${path}`).toBe(404);
      expect(response.body.error.code).toBe("not_found");
    }
    const listed = await bob.call(`/api/workspaces/${bobsWorkspace}/runs?data_source_id=${sourceId}`);
    expect(listed.body.items).toEqual([]);
  });

  it("never writes the data source's token to the logs or a run", async () => {
    const token = harness.github.credentials.token!;
    expect(backend.logLines.join("\n")).not.toContain(token);
    const runs = await backend.test.databases.core.selectFrom("ingestion_runs").selectAll().execute();
    expect(JSON.stringify(runs)).not.toContain(token);
  });
});
