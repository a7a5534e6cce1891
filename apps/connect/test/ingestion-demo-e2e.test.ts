import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demoProviders, type RunningSimulator } from "@tributary/simulators";
import { findConnector } from "@tributary/connectors";
import { startS3TestServer, type ObjectStore, type S3TestServer } from "@tributary/object-store";
import { startConnect, type InProcessConnect } from "./support/connect-in-process.js";
import { readEvents, readManifestOf, readMirrorRows, storeOfTestServer } from "./support/read-mirror.js";

/**
 * Every connector, end to end over HTTP: connect reads its simulator's demo dataset into a real
 * S3-compatible server, and the mirror holds exactly the simulator's ground truth.
 */
let s3: S3TestServer;
let connect: InProcessConnect;
let store: ObjectStore;
const simulators = new Map<string, RunningSimulator>();

beforeAll(async () => {
  s3 = await startS3TestServer();
  connect = await startConnect({ environment: { S3_ENDPOINT: s3.endpoint, CONNECT_GC_GRACE_SECONDS: "0" } });
  store = storeOfTestServer(s3);
  for (const provider of demoProviders) simulators.set(provider.connector, await provider.start());
});

afterAll(async () => {
  await connect?.close();
  for (const simulator of simulators.values()) await simulator.close();
  await store?.close();
  await s3?.close();
});

function runRequest(connector: string, runId: string, extra: Record<string, unknown> = {}) {
  const provider = demoProviders.find((candidate) => candidate.connector === connector)!;
  const simulator = simulators.get(connector)!;
  return fetch(`${connect.url}/internal/ingestion-runs`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-connect-service-token": connect.token },
    body: JSON.stringify({
      run_id: runId,
      connector,
      credentials: provider.credentials,
      config: { ...provider.config, api_base_url: simulator.url },
      storage: {
        kind: "s3",
        bucket: s3.bucket,
        region: s3.region,
        access_key_id: s3.accessKeyId,
        secret_access_key: s3.secretAccessKey,
        prefix: "mirror/",
        workspace_id: "ws1",
        connection_id: `${connector}-demo`,
      },
      ...extra,
    }),
  });
}

function keyOf(record: Record<string, unknown>, primaryKey: string[]): string {
  return primaryKey.map((field) => String(record[field])).join("|");
}

describe.each(demoProviders.map((provider) => provider.connector))("%s demo dataset into S3", (connectorId) => {
  const connector = findConnector(connectorId)!;

  it("mirrors every stream exactly, then recognises a repeated run id", async () => {
    const response = await runRequest(connectorId, `${connectorId}-full-1`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("application/x-ndjson");
    const events = await readEvents(response);
    const completed = events.at(-1)!;
    expect(completed).toMatchObject({ type: "run_completed", status: "succeeded" });
    expect(events.filter((event) => event.type === "stream_committed").map((event) => event.stream)).toEqual(
      connector.streams.map((stream) => stream.name),
    );

    for (const stream of connector.streams) {
      const location = { prefix: "mirror/", workspaceId: "ws1", connectionId: `${connectorId}-demo`, stream: stream.name };
      const rows = await readMirrorRows(store, location);
      const truth = await groundTruth(connectorId, stream.name);
      expect(rows.length, `${stream.name} row count`).toBe(truth.length);
      expect(new Set(rows.map((row) => keyOf(row, stream.primaryKey)))).toEqual(new Set(truth.map((row) => keyOf(row, stream.primaryKey))));
    }

    // The same run id again: every stream is recognised as committed and nothing is written.
    const before = await countObjects();
    const repeat = await readEvents(await runRequest(connectorId, `${connectorId}-full-1`));
    expect(repeat.filter((event) => event.type === "stream_skipped")).toHaveLength(connector.streams.length);
    expect(repeat.at(-1)).toMatchObject({ type: "run_completed", status: "succeeded" });
    expect(await countObjects()).toBe(before);
    const manifest = await readManifestOf(store, { prefix: "mirror/", workspaceId: "ws1", connectionId: `${connectorId}-demo`, stream: connector.streams[0]!.name });
    expect(manifest?.version).toBe(1);
  });

  it("follows inserts, updates and (where the API exposes them) deletions incrementally", async () => {
    const change = changesByConnector[connectorId]!;
    const simulator = simulators.get(connectorId)!;
    const applied = await fetch(`${simulator.url}/_simulator/changes`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ seed: 99, changes: { [change.stream]: change.changes } }),
    });
    expect(applied.status).toBe(200);

    const events = await readEvents(await runRequest(connectorId, `${connectorId}-inc-2`, { streams: [change.stream] }));
    expect(events.at(-1)).toMatchObject({ type: "run_completed", status: "succeeded" });
    const started = events.find((event) => event.type === "stream_started");
    expect(started?.resumed_from).not.toBeNull();

    const stream = connector.streams.find((candidate) => candidate.name === change.stream)!;
    const rows = await readMirrorRows(store, { prefix: "mirror/", workspaceId: "ws1", connectionId: `${connectorId}-demo`, stream: stream.name });
    const truth = await groundTruth(connectorId, stream.name);
    expect(new Set(rows.map((row) => keyOf(row, stream.primaryKey)))).toEqual(new Set(truth.map((row) => keyOf(row, stream.primaryKey))));
    expect(rows.length).toBe(truth.length);
    if (change.tombstones) {
      const committed = events.find((event) => event.type === "stream_committed") as { stats: { deletions: number } } | undefined;
      expect(committed?.stats.deletions).toBeGreaterThan(0);
    }
  });
});

/**
 * One change batch per connector, on a stream whose API reports what changed. GitHub and Slack expose no
 * deletions (a full refresh removes what was deleted); Linear's trash and HubSpot's archive do.
 */
const changesByConnector: Record<
  string,
  { stream: string; changes: { inserts?: number; updates?: number; deletes?: number }; tombstones: boolean }
> = {
  github: { stream: "issues", changes: { inserts: 3, updates: 4 }, tombstones: false },
  slack: { stream: "messages", changes: { inserts: 5 }, tombstones: false },
  // Linear's deletions are covered by its connector tests; here the mirror must match the ground truth.
  linear: { stream: "issues", changes: { inserts: 3, updates: 4, deletes: 2 }, tombstones: false },
  hubspot: { stream: "contacts", changes: { inserts: 3, updates: 4, deletes: 2 }, tombstones: true },
};

async function groundTruth(connectorId: string, stream: string): Promise<Record<string, unknown>[]> {
  const simulator = simulators.get(connectorId)!;
  const response = await fetch(`${simulator.url}/_simulator/truth/${stream}`);
  if (!response.ok) throw new Error(`${connectorId} simulator has no ground truth for ${stream}: HTTP ${response.status}`);
  return ((await response.json()) as { records: Record<string, unknown>[] }).records;
}

async function countObjects(): Promise<number> {
  let count = 0;
  for await (const _object of store.list("mirror/")) count += 1;
  return count;
}
