import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startS3TestServer, type S3TestServer } from "@tributary/object-store";
import { signUp, startBackend, type JsonBody, type RunningBackend, type TestUser } from "./support/backend-harness.js";
import { startConnectWithSimulators, type ConnectWithSimulators } from "./support/connect-harness.js";
import { createGithubSource, pollUntil, runsBackendEnv, runUntilFinished, smallGithubDataset } from "./support/runs-connect-harness.js";

/**
 * SQL over a mirror in S3 (a real S3-compatible server): the backend reads Parquet through its local
 * cache, fetching only the files of the datasets a query names, once; a new snapshot's files are fetched
 * when a query after the sync names them.
 */
let s3: S3TestServer;
let harness: ConnectWithSimulators;
let backend: RunningBackend;
let alice: TestUser;
let workspaceId: string;
let sourceId: string;
let cacheDirectory: string;

const truth = (stream: string) => harness.github.dataset!.groundTruth(stream);
const count = async (stream: string) => (await alice.call(`/api/workspaces/${workspaceId}/query`, { body: { sql: `SELECT count(*) FROM github.${stream}` } })).body;
const getObjects = async () => (await s3.stats()).requests.GetObject ?? 0;

async function sync(): Promise<void> {
  const queued = await alice.call(`/api/workspaces/${workspaceId}/data-sources/${sourceId}/runs`, { body: {} });
  expect(queued.status).toBe(202);
  const run = await runUntilFinished(alice, workspaceId, queued.body.id as string, 60_000);
  expect(run.status, JSON.stringify(run.error)).toBe("succeeded");
}

/** Files in the workspace's folder of the query cache. */
async function cachedFiles(): Promise<number> {
  return (await readdir(join(cacheDirectory, workspaceId))).filter((name) => name.endsWith(".parquet")).length;
}

/** The catalogue sync that follows a run reads the mirror too (in connect): wait for it before counting requests. */
async function catalogueSettled(): Promise<void> {
  await pollUntil(
    () => alice.call(`/api/workspaces/${workspaceId}/data-sources/${sourceId}/catalogue`),
    (answer) => answer.status === 200 && answer.body.built_at !== null,
    "the catalogue sync after the run",
  );
}

async function filesOf(stream: string): Promise<number> {
  const snapshots = await alice.call(`/api/workspaces/${workspaceId}/data-sources/${sourceId}/snapshots`);
  return snapshots.body.items.find((item: JsonBody) => item.stream === stream).files as number;
}

beforeAll(async () => {
  s3 = await startS3TestServer();
  cacheDirectory = await mkdtemp(join(tmpdir(), "tributary-query-cache-"));
  harness = await startConnectWithSimulators({ github: { dataset: smallGithubDataset }, connectEnvironment: { S3_ENDPOINT: s3.endpoint } });
  backend = await startBackend({
    ...harness.env,
    ...runsBackendEnv,
    S3_BUCKET: s3.bucket,
    S3_REGION: s3.region,
    S3_ENDPOINT: s3.endpoint,
    S3_ACCESS_KEY_ID: s3.accessKeyId,
    S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
    QUERY_CACHE_DIR: cacheDirectory,
  });
  alice = await signUp(backend, "alice");
  workspaceId = (await alice.call("/api/workspaces", { body: { name: "S3 queries" } })).body.id;
  sourceId = (await createGithubSource(alice, workspaceId, harness.github)).id;
  await sync();
}, 120_000);

afterAll(async () => {
  await backend?.close();
  await harness?.close();
  await s3?.close();
  if (cacheDirectory) await rm(cacheDirectory, { recursive: true, force: true });
}, 60_000);

describe("queries over S3", () => {
  it("fetch only the files of the datasets a query names, once, into the workspace's cache folder", async () => {
    expect((await count("issues")).rows).toEqual([[truth("issues").length]]);
    const issueFiles = await filesOf("issues");
    expect(await cachedFiles()).toBe(issueFiles);

    // Warm: nothing is fetched again (neither files nor manifests).
    await catalogueSettled();
    const before = await getObjects();
    expect((await count("issues")).rows).toEqual([[truth("issues").length]]);
    expect(await getObjects()).toBe(before);

    // Another stream: its files only.
    expect((await count("issue_comments")).rows).toEqual([[truth("issue_comments").length]]);
    const commentFiles = await filesOf("issue_comments");
    expect(await getObjects()).toBe(before + commentFiles);
    expect(await cachedFiles()).toBe(issueFiles + commentFiles);

    // Listing the schema reads no data.
    const described = await alice.call(`/api/workspaces/${workspaceId}/query`, { body: { sql: "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'github'" } });
    expect(described.body.rows[0][0]).toBeGreaterThan(0);
    expect(await getObjects()).toBe(before + commentFiles);
  });

  it("after a sync, a query sees the new snapshot and fetches only its new files", async () => {
    const filesBefore = await filesOf("issues");
    const cachedBefore = await cachedFiles();
    harness.github.dataset!.applyChanges({ seed: 9, changes: { issues: { inserts: 4, updates: 1 } } });
    await sync();
    const filesAfter = await filesOf("issues");
    expect(filesAfter).toBeGreaterThan(filesBefore);

    expect((await count("issues")).rows).toEqual([[truth("issues").length]]);
    expect(await cachedFiles()).toBe(cachedBefore + (filesAfter - filesBefore));
  });
});
