import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startS3TestServer, type S3TestServer } from "@tributary/object-store";
import { githubDatasetStreams } from "@tributary/simulators";
import { readMirrorRows, storeOfTestServer } from "../../connect/test/support/read-mirror.js";
import { signUp, startBackend, type RunningBackend, type TestUser } from "./support/backend-harness.js";
import { startConnectWithSimulators, type ConnectWithSimulators } from "./support/connect-harness.js";
import { createGithubSource, runsBackendEnv, runUntilFinished, smallGithubDataset } from "./support/runs-connect-harness.js";

/**
 * Runs into a real S3-compatible server: the backend's own S3 configuration (bucket, region, keys)
 * reaches connect in each run's request, connect's S3_ENDPOINT is the only storage setting it has.
 */
let s3: S3TestServer;
let harness: ConnectWithSimulators;
let backend: RunningBackend;
let alice: TestUser;

beforeAll(async () => {
  s3 = await startS3TestServer();
  harness = await startConnectWithSimulators({ github: { dataset: smallGithubDataset }, connectEnvironment: { S3_ENDPOINT: s3.endpoint } });
  backend = await startBackend({
    ...harness.env,
    ...runsBackendEnv,
    S3_BUCKET: s3.bucket,
    S3_REGION: s3.region,
    S3_ENDPOINT: s3.endpoint,
    S3_ACCESS_KEY_ID: s3.accessKeyId,
    S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
  });
  alice = await signUp(backend, "alice");
}, 120_000);

afterAll(async () => {
  await backend?.close();
  await harness?.close();
  await s3?.close();
}, 60_000);

describe("runs into S3", () => {
  it("mirror every stream into the bucket under CONNECT_BUCKET_PREFIX with the backend's S3 credentials", async () => {
    const workspaceId = (await alice.call("/api/workspaces", { body: { name: "S3" } })).body.id as string;
    const sourceId = (await createGithubSource(alice, workspaceId, harness.github)).id;
    const queued = await alice.call(`/api/workspaces/${workspaceId}/data-sources/${sourceId}/runs`, { body: {} });
    expect(queued.status).toBe(202);
    const run = await runUntilFinished(alice, workspaceId, queued.body.id as string, 60_000);
    expect(run.status, JSON.stringify(run.error)).toBe("succeeded");

    const store = storeOfTestServer(s3);
    try {
      for (const stream of githubDatasetStreams) {
        const rows = await readMirrorRows(store, { prefix: "tributary/", workspaceId, connectionId: sourceId, stream });
        expect(rows.length, stream).toBe(harness.github.dataset!.groundTruth(stream).length);
      }
    } finally {
      store.close();
    }
    // The secret key travelled in request bodies only: never into a log line or a run row.
    const rows = await backend.test.databases.core.selectFrom("ingestion_runs").selectAll().execute();
    expect(JSON.stringify(rows)).not.toContain(s3.secretAccessKey);
    expect(backend.logLines.join("\n")).not.toContain(s3.secretAccessKey);
    expect(harness.connectLogs.join("\n")).not.toContain(s3.secretAccessKey);
  }, 90_000);
});
