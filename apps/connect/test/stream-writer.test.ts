import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createObjectStore, type ObjectStore } from "@tributary/object-store";
import { manifestFormat, streamFolder, type StreamLocation } from "@tributary/mirror";
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

async function writeVersion(location: StreamLocation, version: number, runId: string, batches: Record<string, unknown>[][], deletions: Record<string, unknown>[] = []) {
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
  for (const batch of batches) await writer.addRecords(batch);
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
});
