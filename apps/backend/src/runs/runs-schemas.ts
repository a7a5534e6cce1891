import { z } from "zod";
import { pageQuerySchema } from "../pagination.js";
import { workspaceIdParams } from "../workspaces/workspaces-schemas.js";

export const runStatuses = ["queued", "running", "succeeded", "partially_succeeded", "failed", "cancelled"] as const;
export const activeRunStatuses = ["queued", "running"] as const;
export const syncModes = ["incremental", "full_refresh"] as const;
export const runTriggers = ["manual", "schedule", "retry"] as const;
export const streamStatuses = ["pending", "running", "committed", "skipped", "failed", "cancelled"] as const;

export const dataSourceRunParams = workspaceIdParams.extend({ dataSourceId: z.uuid({ error: "must be a data source id (UUID)" }) });
export const runParams = workspaceIdParams.extend({ runId: z.uuid({ error: "must be a run id (UUID)" }) });

/** "Sync now": every selected stream of the data source, incrementally, unless the body narrows it. */
export const triggerRunBody = z
  .object({
    sync_mode: z.enum(syncModes, { error: 'must be "incremental" or "full_refresh"' }).default("incremental"),
    streams: z
      .array(z.string().min(1, { error: "must not be empty" }).max(100), { error: "must be a list of stream names" })
      .min(1, { error: "must name at least one stream (leave it out for every stream of the data source)" })
      .max(200)
      .refine((streams) => new Set(streams).size === streams.length, { error: "must not name a stream twice" })
      .optional(),
  })
  .strict()
  .default({ sync_mode: "incremental" });

export const listRunsQuery = pageQuerySchema.extend({
  data_source_id: z.uuid({ error: "must be a data source id (UUID)" }).optional(),
  status: z.enum(runStatuses).optional(),
});

export type TriggerRunBody = z.infer<typeof triggerRunBody>;
export type ListRunsQuery = z.infer<typeof listRunsQuery>;

const errorSchema = z.object({ code: z.string(), message: z.string() });

/** One stream of a run, as connect reported it. Counters are this run's (all its attempts). */
export const streamProgressSchema = z.object({
  status: z.enum(streamStatuses),
  sync_mode: z.string().nullable(),
  /** True when the stream resumed from committed state (an incremental read). */
  resumed: z.boolean(),
  records: z.number(),
  pages: z.number(),
  deletions: z.number(),
  api_calls: z.number(),
  /** Bytes and files this run wrote for the stream (known once the stream is committed). */
  bytes: z.number(),
  files: z.number(),
  /** The manifest version the commit made visible. */
  version: z.number().nullable(),
  started_at: z.string().nullable(),
  finished_at: z.string().nullable(),
  error: errorSchema.nullable(),
});

export type StreamProgress = z.infer<typeof streamProgressSchema>;

export const runStatsSchema = z.object({
  records: z.number(),
  pages: z.number(),
  deletions: z.number(),
  api_calls: z.number(),
  bytes: z.number(),
  files: z.number(),
  streams_committed: z.number(),
  streams_skipped: z.number(),
  streams_failed: z.number(),
});

export type RunStats = z.infer<typeof runStatsSchema>;

export const runSchema = z.object({
  id: z.string(),
  workspace_id: z.string(),
  data_source_id: z.string(),
  status: z.enum(runStatuses),
  trigger: z.enum(runTriggers),
  /** Who pressed "sync now"; null for scheduled runs. */
  triggered_by: z.object({ id: z.string(), email: z.string().nullable(), name: z.string().nullable() }).nullable(),
  sync_mode: z.enum(syncModes),
  /** The streams asked for; null: every selected stream of the data source. */
  streams: z.array(z.string()).nullable(),
  /** 1 for the first execution; each retry or recovery after a lost replica adds one. */
  attempt: z.number(),
  created_at: z.string(),
  started_at: z.string().nullable(),
  finished_at: z.string().nullable(),
  heartbeat_at: z.string().nullable(),
  cancel_requested_at: z.string().nullable(),
  /** From the first start to the end (or to now while running); null before it starts. */
  duration_ms: z.number().nullable(),
  progress: z.record(z.string(), streamProgressSchema),
  /** Totals over the streams (also while running, from the progress so far). */
  stats: runStatsSchema,
  /** Why the run failed, or why it is waiting for a retry: a readable message, never a secret. */
  error: errorSchema.extend({ retry_at: z.string().optional() }).nullable(),
});

export type RunView = z.infer<typeof runSchema>;

export const scheduleBody = z
  .object({
    cron: z.string({ error: "must be a cron expression" }).trim().min(1, { error: "must be a cron expression" }).max(200),
    timezone: z.string().trim().min(1).max(100).default("UTC"),
  })
  .strict();

export const scheduleSchema = z.object({
  data_source_id: z.string(),
  cron: z.string().nullable(),
  timezone: z.string(),
  next_run_at: z.string().nullable(),
});

export const snapshotSchema = z.object({
  stream: z.string(),
  manifest_version: z.number(),
  /** Rows in the snapshot's live files (every version of a key until compaction rewrites them). */
  records: z.number(),
  files: z.number(),
  bytes: z.number(),
  committed_at: z.string(),
  run_id: z.string(),
});

export const snapshotsResponseSchema = z.object({ items: z.array(snapshotSchema) });

/** A 409 when a run is already queued or running for the data source. */
export const conflictSchema = z.object({
  error: z.object({ code: z.literal("conflict"), message: z.string(), active_run_id: z.string().optional() }),
});

/**
 * connect's NDJSON events (`POST /internal/ingestion-runs`), as the backend reads them. Only the fields
 * the backend uses are checked; anything else on a line is ignored, so connect can add fields.
 */
const eventBase = { at: z.string(), run_id: z.string() };
const connectError = z.object({ code: z.string(), message: z.string() });
const streamStats = z.object({
  records: z.number(),
  pages: z.number(),
  deletions: z.number(),
  api_calls: z.number(),
  files_written: z.number(),
  bytes_written: z.number(),
  duration_ms: z.number(),
});
const committedFile = z.object({ key: z.string(), rows: z.number(), bytes: z.number() });

export const ingestionEventSchema = z.discriminatedUnion("type", [
  z.object({ ...eventBase, type: z.literal("run_started"), streams: z.array(z.object({ name: z.string(), sync_mode: z.string() })) }),
  z.object({ ...eventBase, type: z.literal("stream_started"), stream: z.string(), sync_mode: z.string(), resumed_from: z.record(z.string(), z.unknown()).nullable() }),
  z.object({
    ...eventBase,
    type: z.literal("progress"),
    stream: z.string(),
    records: z.number(),
    pages: z.number(),
    deletions: z.number(),
    api_calls: z.number(),
  }),
  z.object({ ...eventBase, type: z.literal("checkpoint"), stream: z.string() }),
  z.object({
    ...eventBase,
    type: z.literal("stream_committed"),
    stream: z.string(),
    version: z.number().int(),
    manifest_key: z.string(),
    files: z.array(committedFile),
    state: z.record(z.string(), z.unknown()),
    stats: streamStats,
  }),
  z.object({ ...eventBase, type: z.literal("stream_compacted"), stream: z.string(), version: z.number().int(), files: z.array(committedFile) }),
  z.object({ ...eventBase, type: z.literal("stream_skipped"), stream: z.string(), version: z.number().int() }),
  z.object({ ...eventBase, type: z.literal("stream_failed"), stream: z.string(), error: connectError }),
  z.object({
    ...eventBase,
    type: z.literal("run_completed"),
    status: z.enum(["succeeded", "partial", "failed"]),
    duration_ms: z.number(),
  }),
  z.object({ ...eventBase, type: z.literal("run_cancelled"), reason: z.string() }),
  z.object({ ...eventBase, type: z.literal("run_failed"), error: connectError }),
]);

export type IngestionEventLine = z.infer<typeof ingestionEventSchema>;
