import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { latestRowsSql, manifestKey, streamFolder, streamManifestSchema, type StreamLocation, type StreamManifest } from "@tributary/mirror";
import { createObjectStore, type ObjectStore, type S3TestServer } from "@tributary/object-store";

export async function readManifestOf(store: ObjectStore, location: StreamLocation): Promise<StreamManifest | undefined> {
  const bytes = await store.getBytes(manifestKey(location));
  return bytes ? streamManifestSchema.parse(JSON.parse(Buffer.from(bytes).toString("utf8"))) : undefined;
}

/** What a reader of the mirror sees: one row per primary key, latest wins, deletions applied. */
export async function readMirrorRows(store: ObjectStore, location: StreamLocation): Promise<Record<string, unknown>[]> {
  const manifest = await readManifestOf(store, location);
  if (!manifest) return [];
  const directory = await mkdtemp(join(tmpdir(), "tributary-read-"));
  try {
    const localFiles: string[] = [];
    for (const [index, file] of manifest.files.entries()) {
      const path = join(directory, `${index}.parquet`);
      const fetched = await store.getToFile(`${streamFolder(location)}${file.key}`, path);
      if (!fetched) throw new Error(`manifest references a missing file: ${file.key}`);
      localFiles.push(path);
    }
    const instance = await DuckDBInstance.create(":memory:", { threads: "1" });
    try {
      const connection = await instance.connect();
      await connection.run("SET TimeZone = 'UTC'");
      const reader = await connection.runAndReadAll(
        latestRowsSql({ localFiles, columns: manifest.columns, primaryKey: manifest.primary_key }),
      );
      return reader.getRowObjectsJson() as Record<string, unknown>[];
    } finally {
      instance.closeSync();
    }
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

/** Parses an NDJSON answer into events. */
export async function readEvents(response: Response): Promise<Array<Record<string, unknown> & { type: string }>> {
  const text = await response.text();
  return text
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown> & { type: string });
}

/** A store over the S3 test server's bucket, as a reader of the mirror would open it. */
export function storeOfTestServer(s3: S3TestServer): ObjectStore {
  return createObjectStore({
    kind: "s3",
    bucket: s3.bucket,
    region: s3.region,
    endpoint: s3.endpoint,
    forcePathStyle: true,
    accessKeyId: s3.accessKeyId,
    secretAccessKey: s3.secretAccessKey,
  });
}
