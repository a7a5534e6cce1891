import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createObjectStore, type ObjectStore } from "@tributary/object-store";
import { manifestFormat, scanJsonArray, streamFolder, type StreamLocation } from "@tributary/mirror";
import type { RawRecordBatch } from "@tributary/connectors";
import { commitManifest } from "../src/ingestion/manifest-store.js";
import { ParquetConverter } from "../src/ingestion/parquet-converter.js";
import { StreamWriter } from "../src/ingestion/stream-writer.js";
import { compactStream } from "../src/ingestion/compaction.js";
import { readManifestOf, readMirrorRows } from "./support/read-mirror.js";

let directory: string;
let store: ObjectStore;
let converter: ParquetConverter;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), "tributary-writer-"));
  store = createObjectStore({ kind: "local", root: join(directory, "store") });
  converter = await ParquetConverter.create({ memoryLimit: "64MB", threads: 1, tempDirectory: join(directory, "duckdb") });
});

afterAll(async () => {
  await converter.close();
  await rm(directory, { recursive: true, force: true });
});

async function writeVersion(
  location: StreamLocation,
  version: number,
  runId: string,
  batches: Array<Record<string, unknown>[] | RawRecordBatch>,
  deletions: Record<string, unknown>[] = [],
) {
  const workDirectory = join(directory, `work-${runId}`);
  const { mkdir } = await import("node:fs/promises");
  await mkdir(workDirectory, { recursive: true });
  const writer = new StreamWriter({
    workDirectory,
    partBytes: 200, // a few records per part: exercises part cutting
    converter,
    store,
    streamFolder: streamFolder(location),
    runId,
    version,
    primaryKey: ["id"],
    signal: new AbortController().signal,
  });
  for (const batch of batches) {
    if (Array.isArray(batch)) await writer.addRecords(batch);
    else await writer.addRawRecords(batch);
  }
  await writer.addDeletions(deletions);
  const files = await writer.finish();
  return { files, columns: writer.runColumns() };
}

describe("StreamWriter", () => {
  it("cuts parts, widens drifting types, and readers see the latest row per key", async () => {
    const location: StreamLocation = { prefix: "t/", workspaceId: "w1", connectionId: "c1", stream: "items" };
    const first = await writeVersion(location, 1, "run-1", [
      [
        { id: 1, count: 1, title: "one", tags: ["a"], created_at: "2024-01-01T00:00:00Z", maybe: null },
        { id: 2, count: 2, title: "two", tags: [], created_at: "2024-01-02T00:00:00Z", maybe: null },
      ],
      [{ id: 3, count: 3, title: "three", tags: ["b", "c"], created_at: "2024-01-03T00:00:00Z", maybe: null }],
    ]);
    expect(first.files.length).toBeGreaterThan(1);
    expect(first.columns).toEqual([
      { name: "id", type: "BIGINT" },
      { name: "count", type: "BIGINT" },
      { name: "title", type: "VARCHAR" },
      { name: "tags", type: "JSON" },
      { name: "created_at", type: "TIMESTAMPTZ" },
      { name: "maybe", type: undefined },
    ]);

    // The second version: an update, a new field, a number that became text, a deletion.
    const second = await writeVersion(
      location,
      2,
      "run-2",
      [[{ id: 2, count: "two", title: "two, edited", tags: [], created_at: "2024-01-02T00:00:00Z", maybe: 5, added: true }]],
      [{ id: 3 }],
    );
    await commitManifest(store, location, {
      format: manifestFormat,
      connector: "test",
      workspace_id: "w1",
      connection_id: "c1",
      stream: "items",
      version: 2,
      committed_at: new Date().toISOString(),
      run_id: "run-2",
      sync_mode: "incremental",
      primary_key: ["id"],
      cursor_field: null,
      columns: [
        { name: "id", type: "BIGINT" },
        { name: "count", type: "VARCHAR" },
        { name: "title", type: "VARCHAR" },
        { name: "tags", type: "JSON" },
        { name: "created_at", type: "TIMESTAMPTZ" },
        { name: "maybe", type: "BIGINT" },
        { name: "added", type: "BOOLEAN" },
      ],
      files: [...first.files, ...second.files],
      state: {},
      recent_runs: ["run-1", "run-2"],
    });

    const rows = await readMirrorRows(store, location);
    const byId = new Map(rows.map((row) => [String(row.id), row]));
    expect([...byId.keys()].sort()).toEqual(["1", "2"]);
    expect(byId.get("1")).toMatchObject({ count: "1", title: "one", tags: '["a"]', maybe: null, added: null });
    expect(byId.get("2")).toMatchObject({ count: "two", title: "two, edited", maybe: "5", added: true });

    // Compaction rewrites the fragments as one base file: same rows, a new version, one file.
    const manifest = (await readManifestOf(store, location))!;
    expect(manifest.files.length).toBeGreaterThan(2);
    const compacted = await compactStream({
      store,
      location,
      manifest,
      converter,
      workDirectory: join(directory, "compaction-work"),
      runId: "run-2",
      signal: new AbortController().signal,
    });
    expect(compacted.version).toBe(3);
    expect(compacted.files).toHaveLength(1);
    expect(compacted.files[0]!.rows).toBe(2);
    expect(await readMirrorRows(store, location)).toEqual(rows);

    // Rows written after compaction still win over the compacted base.
    const third = await writeVersion(location, 4, "run-3", [[{ id: 1, count: 10, title: "one, again" }]]);
    await commitManifest(store, location, { ...compacted, version: 4, files: [...compacted.files, ...third.files] });
    const after = await readMirrorRows(store, location);
    expect(after.find((row) => String(row.id) === "1")).toMatchObject({ count: "10", title: "one, again" });
    expect(after).toHaveLength(2);
  });

  it("stores unparsed pages exactly as it stores the same records parsed", async () => {
    const records = [
      { id: 1, title: "one", body: "line\nbreak \"quoted\" é 🚀", labels: [{ name: "bug" }], updated_at: "2024-01-01T00:00:00Z", n: 1.5 },
      { id: 2, title: "two", body: null, labels: [], updated_at: "2024-01-02T00:00:00Z", n: 2 },
      { id: 3, extra: { nested: [1, 2, { deep: "x" }] }, updated_at: "2024-01-03T00:00:00Z" },
      { id: 4 },
    ];
    const extraFields = { repository: "acme/app" };
    const parsed = records.map((record) => ({ ...record, ...extraFields }));
    // Pretty-printed on purpose: line breaks between tokens must not split a spool line.
    const page = Buffer.from(JSON.stringify(records, null, 2));
    const batch: RawRecordBatch = { page, objects: scanJsonArray(page), extraFields };
    // A record that already has the extra field is parsed and given the batch's value.
    const clashing = Buffer.from(JSON.stringify([{ id: 5, repository: "elsewhere/x" }]));
    const clash: RawRecordBatch = { page: clashing, objects: scanJsonArray(clashing), extraFields };

    const rawLocation: StreamLocation = { prefix: "t/", workspaceId: "w1", connectionId: "c1", stream: "raw" };
    const parsedLocation: StreamLocation = { ...rawLocation, stream: "parsed" };
    const raw = await writeVersion(rawLocation, 1, "run-raw", [batch, clash]);
    const plain = await writeVersion(parsedLocation, 1, "run-parsed", [parsed, [{ id: 5, repository: "acme/app" }]]);
    expect(raw.columns).toEqual(plain.columns);
    expect(raw.columns).toContainEqual({ name: "repository", type: "VARCHAR" });

    const manifestOf = (location: StreamLocation, result: typeof raw, runId: string) => ({
      format: manifestFormat as typeof manifestFormat,
      connector: "test",
      workspace_id: "w1",
      connection_id: "c1",
      stream: location.stream,
      version: 1,
      committed_at: new Date().toISOString(),
      run_id: runId,
      sync_mode: "full_refresh" as const,
      primary_key: ["id"],
      cursor_field: null,
      columns: result.columns.map((column) => ({ name: column.name, type: column.type ?? ("VARCHAR" as const) })),
      files: result.files,
      state: {},
      recent_runs: [runId],
    });
    await commitManifest(store, rawLocation, manifestOf(rawLocation, raw, "run-raw"));
    await commitManifest(store, parsedLocation, manifestOf(parsedLocation, plain, "run-parsed"));
    const rawRows = await readMirrorRows(store, rawLocation);
    expect(rawRows).toHaveLength(5);
    expect(rawRows).toEqual(await readMirrorRows(store, parsedLocation));
    expect(rawRows.find((row) => String(row.id) === "5")).toMatchObject({ repository: "acme/app" });
    expect(rawRows.find((row) => String(row.id) === "1")).toMatchObject({ body: records[0]!.body, repository: "acme/app" });
  });
});
