import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { githubDemoCredentials, startGithubSimulator, type RunningGithubSimulator } from "@tributary/simulators";
import { startS3TestServer, type ObjectStore, type S3TestServer } from "@tributary/object-store";
import type { StreamLocation } from "@tributary/mirror";
import { readBody, startConnect, type InProcessConnect } from "./support/connect-in-process.js";
import { startConnectProcess } from "./support/connect-process.js";
import { readEvents, readManifestOf, readMirrorRows, storeOfTestServer } from "./support/read-mirror.js";

/**
 * Ingestion runs against the GitHub simulator's seeded dataset and a real S3-compatible server:
 * incremental correctness, cancellation, crash safety, rate-limit storms, storage failures.
 */
let s3: S3TestServer;
let github: RunningGithubSimulator;
let connect: InProcessConnect;
let store: ObjectStore;

beforeAll(async () => {
  s3 = await startS3TestServer();
  github = await startGithubSimulator({
    dataset: {
      seed: 3,
      repositories: 3,
      issuesPerRepository: 25,
      pullRequestsPerRepository: 5,
      commentsPerIssue: 1,
      reviewsPerPullRequest: 1,
      commitsPerRepository: 8,
      releasesPerRepository: 2,
      members: 4,
      maxPerPage: 10,
    },
  });
  connect = await startConnect({ environment: { S3_ENDPOINT: s3.endpoint, CONNECT_GC_GRACE_SECONDS: "0" } });
  store = storeOfTestServer(s3);
});

afterAll(async () => {
  github?.faults.clear();
  await connect?.close();
  await github?.close();
  await store?.close();
  await s3?.close();
});

function runBody(runId: string, connectionId: string, extra: Record<string, unknown> = {}) {
  return {
    run_id: runId,
    connector: "github",
    credentials: githubDemoCredentials,
    config: { api_base_url: github.url, organization: "tributary-demo" },
    storage: {
      kind: "s3",
      bucket: s3.bucket,
      region: s3.region,
      access_key_id: s3.accessKeyId,
      secret_access_key: s3.secretAccessKey,
      prefix: "it/",
      workspace_id: "ws1",
      connection_id: connectionId,
    },
    ...extra,
  };
}

function postRun(url: string, body: unknown, signal?: AbortSignal) {
  return fetch(`${url}/internal/ingestion-runs`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-connect-service-token": connect.token },
    body: JSON.stringify(body),
    signal,
  });
}

async function run(runId: string, connectionId: string, extra: Record<string, unknown> = {}) {
  const response = await postRun(connect.url, runBody(runId, connectionId, extra));
  expect(response.status).toBe(200);
  return readEvents(response);
}

const location = (connectionId: string, stream: string): StreamLocation => ({ prefix: "it/", workspaceId: "ws1", connectionId, stream });

async function expectIssuesMatchTruth(connectionId: string) {
  const rows = await readMirrorRows(store, location(connectionId, "issues"));
  const truth = github.dataset!.groundTruth("issues");
  const summarize = (record: Record<string, unknown>) => `${record.id}|${record.number}|${record.title}|${record.state}`;
  expect(rows.map(summarize).sort()).toEqual(truth.map(summarize).sort());
}

function committedStats(events: Array<Record<string, unknown>>, stream: string) {
  const committed = events.find((event) => event.type === "stream_committed" && event.stream === stream);
  return committed?.stats as { records: number; api_calls: number; pages: number } | undefined;
}

describe("incremental runs", () => {
  it("mirrors exactly after inserts and updates, and a no-change re-run reads nothing new", async () => {
    const first = await run("inc-1", "gh-inc");
    expect(first.at(-1)).toMatchObject({ type: "run_completed", status: "succeeded" });
    await expectIssuesMatchTruth("gh-inc");

    github.dataset!.applyChanges({ seed: 11, changes: { issues: { inserts: 4, updates: 6 } } });
    const second = await run("inc-2", "gh-inc");
    expect(second.at(-1)).toMatchObject({ type: "run_completed", status: "succeeded" });
    expect(second.find((event) => event.type === "stream_started" && event.stream === "issues")?.resumed_from).not.toBeNull();
    await expectIssuesMatchTruth("gh-inc");
    // Only what changed was read (GitHub's `since` is inclusive: the boundary record may come again).
    expect(committedStats(second, "issues")!.records).toBeGreaterThanOrEqual(10);
    expect(committedStats(second, "issues")!.records).toBeLessThanOrEqual(10 + 3);

    const third = await run("inc-3", "gh-inc");
    const issues = committedStats(third, "issues")!;
    expect(issues.records).toBeLessThanOrEqual(3);
    expect(issues.api_calls).toBeLessThan(committedStats(first, "issues")!.api_calls);
    await expectIssuesMatchTruth("gh-inc");
    const manifest = await readManifestOf(store, location("gh-inc", "issues"));
    expect(manifest?.version).toBe(3);
    expect(manifest?.recent_runs).toEqual(["inc-1", "inc-2", "inc-3"]);
  });
});

describe("request validation", () => {
  it.each([
    ["an unknown stream", { streams: ["tickets"] }, "streams.0"],
    ["incremental on a full-refresh-only stream", { streams: [{ name: "releases", sync_mode: "incremental" }] }, "streams.0.sync_mode"],
    ["a run id that could escape a folder", { run_id: "../x" }, "run_id"],
  ])("answers 400 for %s", async (_name, override, field) => {
    const response = await postRun(connect.url, { ...runBody("bad", "gh-bad"), ...override });
    expect(response.status).toBe(400);
    expect((await readBody(response)).error).toMatchObject({ code: "bad_request", field });
  });

  it("answers 400 naming the storage field", async () => {
    const body = runBody("bad", "gh-bad");
    const response = await postRun(connect.url, { ...body, storage: { ...body.storage, connection_id: "a/b" } });
    expect(response.status).toBe(400);
    expect((await readBody(response)).error.field).toBe("storage.connection_id");
  });
});

describe("cancellation", () => {
  it("cancels on request, keeps the previous snapshot and leaves no uncommitted file", async () => {
    await run("cancel-1", "gh-cancel", { streams: ["issues"] });
    const before = await readManifestOf(store, location("gh-cancel", "issues"));
    github.dataset!.applyChanges({ seed: 12, changes: { issues: { updates: 3 } } });

    github.faults.inject({ kind: "hold", pathPrefix: "/repos/" });
    const pending = postRun(connect.url, runBody("cancel-2", "gh-cancel", { streams: ["issues"] }));
    await github.faults.waitForHeld();

    // A second run on the same connection is refused while this one is active.
    const concurrent = await postRun(connect.url, runBody("cancel-3", "gh-cancel", { streams: ["issues"] }));
    expect(concurrent.status).toBe(409);
    expect((await readBody(concurrent)).error.code).toBe("run_in_progress");

    const cancel = await fetch(`${connect.url}/internal/ingestion-runs/cancel-2/cancel`, {
      method: "POST",
      headers: { "x-connect-service-token": connect.token },
    });
    expect(cancel.status).toBe(202);
    github.faults.releaseHeld();
    const events = await readEvents(await pending);
    expect(events.at(-1)).toMatchObject({ type: "run_cancelled", reason: "cancelled by the caller" });

    expect(await readManifestOf(store, location("gh-cancel", "issues"))).toEqual(before);
    for await (const object of store.list("it/ws1/gh-cancel/issues/data/cancel-2/")) throw new Error(`left behind: ${object.key}`);

    const unknown = await fetch(`${connect.url}/internal/ingestion-runs/cancel-2/cancel`, {
      method: "POST",
      headers: { "x-connect-service-token": connect.token },
    });
    expect(unknown.status).toBe(404);
  });

  it("cancels when the caller hangs up", async () => {
    github.faults.inject({ kind: "hold", pathPrefix: "/repos/" });
    const controller = new AbortController();
    const pending = postRun(connect.url, runBody("hangup-1", "gh-hangup", { streams: ["issues"] }), controller.signal);
    const response = await pending;
    await github.faults.waitForHeld();
    controller.abort();
    await response.text().catch(() => undefined);
    github.faults.releaseHeld();
    await expect.poll(() => connect.logs.some((line) => line.includes('"event":"run_cancelled"'))).toBe(true);
    expect(await readManifestOf(store, location("gh-hangup", "issues"))).toBeUndefined();
  });
});

describe("failures", () => {
  it("waits out a storm of rate limits and completes with the same data", async () => {
    github.faults.inject({ kind: "rate_limit", retryAfterSeconds: 1, times: 3, pathPrefix: "/repos/" });
    const events = await run("storm-1", "gh-storm", { streams: ["issues"] });
    expect(events.at(-1)).toMatchObject({ type: "run_completed", status: "succeeded" });
    await expectIssuesMatchTruth("gh-storm");
  });

  it("fails the stream on a storage outage, keeps the snapshot, and the next run completes", async () => {
    await run("s3-1", "gh-s3", { streams: ["issues"] });
    github.dataset!.applyChanges({ seed: 13, changes: { issues: { updates: 2 } } });
    const before = await readManifestOf(store, location("gh-s3", "issues"));

    await s3.injectFaults({ count: 50, operations: ["PutObject", "UploadPart", "CreateMultipartUpload"], response: "internal-error" });
    const failed = await run("s3-2", "gh-s3", { streams: ["issues"] });
    await s3.clearFaults();
    expect(failed.find((event) => event.type === "stream_failed")).toMatchObject({ stream: "issues", error: { code: "storage_error" } });
    expect(failed.at(-1)).toMatchObject({ type: "run_completed", status: "failed" });
    expect(await readManifestOf(store, location("gh-s3", "issues"))).toEqual(before);

    const recovered = await run("s3-3", "gh-s3", { streams: ["issues"] });
    expect(recovered.at(-1)).toMatchObject({ type: "run_completed", status: "succeeded" });
    await expectIssuesMatchTruth("gh-s3");
  });

  it("survives SIGKILL mid-run: the old snapshot stays readable and the next run completes exactly", async () => {
    const killed = await startConnectProcess({ CONNECT_SERVICE_TOKEN: connect.token, S3_ENDPOINT: s3.endpoint });
    try {
      github.faults.inject({ kind: "hold", pathPrefix: "/repos/" });
      const pending = postRun(killed.url, runBody("crash-1", "gh-crash", { streams: ["repositories", "issues"] }))
        .then((response) => response.text())
        .catch(() => "connection lost");
      await github.faults.waitForHeld();
      killed.child.kill("SIGKILL");
      await killed.exit;
      github.faults.releaseHeld();
      await pending;
    } finally {
      await killed.stop();
    }
    // The stream committed before the crash is intact; the one in progress never became visible.
    expect((await readManifestOf(store, location("gh-crash", "repositories")))?.version).toBe(1);
    expect(await readManifestOf(store, location("gh-crash", "issues"))).toBeUndefined();

    const events = await run("crash-2", "gh-crash", { streams: ["repositories", "issues"] });
    expect(events.at(-1)).toMatchObject({ type: "run_completed", status: "succeeded" });
    await expectIssuesMatchTruth("gh-crash");
  });
});
