import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import type { ObjectStore } from "@tributary/object-store";
import { dataFileKey, streamFolder, type StreamLocation, type StreamManifest } from "@tributary/mirror";
import { commitManifest } from "./manifest-store.js";
import type { ParquetConverter } from "./parquet-converter.js";

export interface CompactionPolicy {
  /** A stream is compacted once its files come from more runs (manifest versions) than this. */
  maxRuns: number;
}

/**
 * Each incremental run adds its own files, usually small deltas; past the policy's limit readers pay
 * for the fragmentation (and for superseded rows), so compact. The files of one run are never
 * fragmentation: a large first run writes many full-sized parts, which compaction would only rewrite.
 */
export function needsCompaction(manifest: StreamManifest, policy: CompactionPolicy): boolean {
  return new Set(manifest.files.map((file) => file.version)).size > policy.maxRuns;
}

/**
 * Rewrites a stream as one base file (latest row per key, deletions applied) and commits it as a new
 * manifest version. The replaced files stay until garbage collection's grace period ends, so readers of
 * the previous version are not cut off. Returns the new manifest.
 */
export async function compactStream(options: {
  store: ObjectStore;
  location: StreamLocation;
  manifest: StreamManifest;
  converter: ParquetConverter;
  workDirectory: string;
  runId: string;
  signal: AbortSignal;
}): Promise<StreamManifest> {
  const { store, location, manifest, converter, workDirectory, runId, signal } = options;
  const folder = streamFolder(location);
  const directory = join(workDirectory, "compaction");
  await mkdir(directory, { recursive: true });
  try {
    const localFiles: string[] = [];
    for (const [index, file] of manifest.files.entries()) {
      signal.throwIfAborted();
      const path = join(directory, `in-${index}.parquet`);
      const fetched = await store.getToFile(`${folder}${file.key}`, path, { signal });
      if (!fetched) throw new Error(`Compaction of ${location.stream}: the manifest references a missing file ${file.key}`);
      localFiles.push(path);
    }
    const output = join(directory, "compacted.parquet");
    const rows = await converter.compact(localFiles, output, manifest.columns, manifest.primary_key);
    signal.throwIfAborted();
    const version = manifest.version + 1;
    // A key of its own: the compacted file must not overwrite a part this run wrote.
    const relativeKey = dataFileKey(`${runId}-compacted-v${version}`, 1);
    const uploaded = await store.putFile(`${folder}${relativeKey}`, output, { contentType: "application/vnd.apache.parquet", signal });
    const compacted: StreamManifest = {
      ...manifest,
      version,
      committed_at: new Date().toISOString(),
      files: [{ key: relativeKey, rows, bytes: uploaded.size, run_id: runId, version }],
    };
    signal.throwIfAborted();
    await commitManifest(store, location, compacted);
    return compacted;
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}
