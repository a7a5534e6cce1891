import { z } from "zod";
import { syncModes } from "./connector-listing-schemas.js";

/** Ids that become object-key segments: nothing that could escape a folder or need escaping. */
const segment = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/, { error: "must be 1-128 letters, digits, '-' or '_', starting with a letter or digit" });

/** `CONNECT_BUCKET_PREFIX` of the backend: empty, or segments ending with `/`. */
const prefix = z
  .string()
  .regex(/^(?:[A-Za-z0-9][A-Za-z0-9._-]{0,127}\/)*$/, { error: "must be empty or path segments each ending with '/'" })
  .default("");

export const storageTargetSchema = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("s3"),
    bucket: z.string().min(3).max(63),
    region: z.string().min(1).default("us-east-1"),
    access_key_id: z.string().min(1).optional(),
    secret_access_key: z.string().min(1).optional(),
    session_token: z.string().min(1).optional(),
    prefix,
    workspace_id: segment,
    connection_id: segment,
  }),
  z.object({
    /** connect's own folder (`CONNECT_LOCAL_STORAGE_DIR`): the embedded default of a one-machine install. */
    kind: z.literal("local"),
    prefix,
    workspace_id: segment,
    connection_id: segment,
  }),
]);

export type StorageTarget = z.infer<typeof storageTargetSchema>;

export const streamSelectionSchema = z.union([
  z.string().min(1),
  z.object({ name: z.string().min(1), sync_mode: z.enum(syncModes).optional() }),
]);

export const ingestionRunRequestSchema = z
  .object({
    /** The caller's id for the run; repeating a request with the same id never writes data twice. */
    run_id: segment,
    connector: z.string().min(1).max(64),
    credentials: z.record(z.string(), z.unknown()),
    config: z.record(z.string(), z.unknown()).default({}),
    /** Default: every stream, incrementally where the stream supports it. */
    streams: z.array(streamSelectionSchema).min(1).optional(),
    /**
     * Committed state per stream, as the backend recorded it. Absent: connect reads the state from each
     * stream's manifest in storage (the mirror is self-describing).
     */
    state: z.record(z.string(), z.record(z.string(), z.unknown())).optional(),
    storage: storageTargetSchema,
    /** Total time the run may take; beyond it the run fails with `provider_unavailable`. */
    deadline_seconds: z.number().int().min(10).max(7 * 24 * 3600).default(6 * 3600),
  })
  .meta({ id: "IngestionRunRequest" });

export type IngestionRunRequest = z.infer<typeof ingestionRunRequestSchema>;

export interface StreamRunStats {
  records: number;
  pages: number;
  deletions: number;
  api_calls: number;
  files_written: number;
  bytes_written: number;
  duration_ms: number;
}

export interface CommittedFile {
  key: string;
  rows: number;
  bytes: number;
}

/** One line of the NDJSON answer of `POST /internal/ingestion-runs`. */
export type IngestionEvent = { at: string; run_id: string } & (
  | { type: "run_started"; connector: string; streams: Array<{ name: string; sync_mode: string }> }
  | { type: "stream_started"; stream: string; sync_mode: string; resumed_from: Record<string, unknown> | null }
  | { type: "progress"; stream: string; records: number; pages: number; deletions: number; api_calls: number }
  | { type: "checkpoint"; stream: string; state: Record<string, unknown>; records: number }
  | {
      /** The stream's new snapshot is visible. `files` lists every live file of it, not only this run's. */
      type: "stream_committed";
      stream: string;
      version: number;
      manifest_key: string;
      files: CommittedFile[];
      state: Record<string, unknown>;
      columns: Array<{ name: string; type: string }>;
      stats: StreamRunStats;
    }
  | {
      /** Compaction replaced the stream's files with one base file: a new version with the same rows. */
      type: "stream_compacted";
      stream: string;
      version: number;
      manifest_key: string;
      files: CommittedFile[];
      files_before: number;
    }
  | { type: "stream_skipped"; stream: string; reason: "already_committed"; version: number }
  | { type: "stream_failed"; stream: string; error: { code: string; message: string } }
  | {
      type: "run_completed";
      status: "succeeded" | "partial" | "failed";
      stats: Record<string, StreamRunStats>;
      state: Record<string, Record<string, unknown>>;
      duration_ms: number;
    }
  | { type: "run_cancelled"; reason: string }
  | { type: "run_failed"; error: { code: string; message: string } }
);
