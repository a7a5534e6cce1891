import { z } from "zod";
import { columnTypes } from "./column-types.js";

export const manifestFormat = "tributary.stream-manifest/1";

export const manifestFileSchema = z.object({
  /** Object key relative to the stream's folder (`data/<run_id>/part-00001.parquet`). */
  key: z.string(),
  rows: z.number().int().nonnegative(),
  bytes: z.number().int().nonnegative(),
  run_id: z.string(),
  /** Manifest version that first committed the rows of this file (compaction keeps the rows' own). */
  version: z.number().int().positive(),
});

export const manifestColumnSchema = z.object({ name: z.string(), type: z.enum(columnTypes) });

/**
 * A stream's committed snapshot: the files readers must read, the stream's state, and its schema. The
 * pointer object `_manifest.json` is replaced in one PUT, the commit point: a reader sees the old
 * snapshot or the new one, never a mix. Each version is also kept as `manifests/v<version>.json`.
 */
export const streamManifestSchema = z.object({
  format: z.literal(manifestFormat),
  connector: z.string(),
  workspace_id: z.string(),
  connection_id: z.string(),
  stream: z.string(),
  version: z.number().int().positive(),
  committed_at: z.string(),
  /** The run that made this version. */
  run_id: z.string(),
  sync_mode: z.enum(["full_refresh", "incremental"]),
  primary_key: z.array(z.string()),
  cursor_field: z.array(z.string()).nullable(),
  /** The stream's schema, every file's columns widened together; readers cast to these types. */
  columns: z.array(manifestColumnSchema),
  files: z.array(manifestFileSchema),
  /** The connector's state after this version: the next incremental run resumes from it. */
  state: z.record(z.string(), z.unknown()),
  /** Runs committed recently, newest last: a repeated run id is recognised and not written twice. */
  recent_runs: z.array(z.string()),
});

export type StreamManifest = z.infer<typeof streamManifestSchema>;
export type ManifestFile = z.infer<typeof manifestFileSchema>;
export type ManifestColumn = z.infer<typeof manifestColumnSchema>;
