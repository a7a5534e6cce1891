import type { ObjectStore } from "@tributary/object-store";
import {
  manifestKey,
  streamFolder,
  streamManifestSchema,
  versionedManifestKey,
  type StreamLocation,
  type StreamManifest,
} from "@tributary/mirror";
import { ConnectorError } from "@tributary/connectors";

/** The stream's committed manifest, or undefined before its first commit. */
export async function readManifest(store: ObjectStore, location: StreamLocation): Promise<StreamManifest | undefined> {
  const bytes = await store.getBytes(manifestKey(location));
  if (!bytes) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(bytes).toString("utf8"));
  } catch {
    throw new ConnectorError("internal_error", `The manifest of stream ${location.stream} is not valid JSON: ${manifestKey(location)}`);
  }
  const result = streamManifestSchema.safeParse(parsed);
  if (!result.success) {
    throw new ConnectorError("internal_error", `The manifest of stream ${location.stream} does not match the manifest format: ${manifestKey(location)}`);
  }
  return result.data;
}

/**
 * Commits a new version: the versioned copy first (history; visible to nobody), then the pointer in one
 * PUT. Until that PUT the previous snapshot is what every reader sees; after it, the new one. The
 * single-writer rule (one active run per connection) is what makes a plain PUT enough: no conditional
 * writes are needed, which not every S3-compatible server has.
 */
export async function commitManifest(store: ObjectStore, location: StreamLocation, manifest: StreamManifest): Promise<string> {
  const body = JSON.stringify(manifest, null, 2);
  await store.putBytes(versionedManifestKey(location, manifest.version), body, { contentType: "application/json" });
  const key = manifestKey(location);
  await store.putBytes(key, body, { contentType: "application/json" });
  return key;
}

/**
 * Deletes data files of the stream that the manifest does not reference and that are older than the
 * grace period: parts of crashed or cancelled runs, and files a full refresh or compaction replaced
 * (kept for the grace period so a reader that loaded the previous manifest can finish).
 */
export async function collectGarbage(
  store: ObjectStore,
  location: StreamLocation,
  manifest: StreamManifest,
  graceMs: number,
  now = Date.now(),
): Promise<number> {
  const folder = streamFolder(location);
  const referenced = new Set(manifest.files.map((file) => `${folder}${file.key}`));
  const doomed: string[] = [];
  for await (const object of store.list(`${folder}data/`)) {
    if (!referenced.has(object.key) && now - object.lastModified.getTime() >= graceMs) doomed.push(object.key);
  }
  if (doomed.length > 0) await store.deleteMany(doomed);
  return doomed.length;
}
