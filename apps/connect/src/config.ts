import { tmpdir } from "node:os";
import { join } from "node:path";
import { z } from "zod";

/**
 * connect's environment, with the names, defaults and failure messages of the reference deployment.
 * A missing token is reported with the exact reference wording because operators search for it.
 */
const environmentSchema = z.object({
  HOST: z.string().trim().min(1, { error: "must not be empty" }).default("127.0.0.1"),
  PORT: z
    .string()
    .trim()
    .regex(/^\d+$/, { error: "must be a whole number between 0 and 65535" })
    .transform(Number)
    // 0 asks the OS for a free port (tests and benchmarks); the chosen port is in the start-up log line.
    .refine((port) => port >= 0 && port <= 65535, { error: "must be a whole number between 0 and 65535" })
    .default(8000),
  CONNECT_SERVICE_TOKEN: z
    .string({ error: "must be set" })
    .min(1, { error: "must be set" }),
  /** When set, S3 requests go to this endpoint with path-style addressing (MinIO and other S3-compatibles). */
  S3_ENDPOINT: z.url({ error: "must be an http(s) URL" }).optional(),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** Total time a credential check may take, provider retries included. */
  CONNECT_VALIDATE_DEADLINE_MS: z
    .string()
    .regex(/^\d+$/, { error: "must be a whole number of milliseconds" })
    .transform(Number)
    .default(20_000),
  /** Folder behind `storage.kind = "local"` ingestion targets: the embedded object store. */
  CONNECT_LOCAL_STORAGE_DIR: z.string().min(1).default(".tributary/object-store"),
  /** Local scratch space for spool and Parquet files while a run converts and uploads them. */
  CONNECT_SPOOL_DIR: z.string().min(1).optional(),
  /** DuckDB's memory limit for Parquet conversion (connect's RSS budget is 384 MiB in all). */
  CONNECT_DUCKDB_MEMORY_LIMIT: z
    .string()
    .regex(/^\d+(?:KB|MB|GB|KiB|MiB|GiB)$/, { error: "must be a size such as 128MB" })
    .default("160MB"),
  /** DuckDB threads for conversion: each thread holds its own read buffers within the memory limit. */
  CONNECT_DUCKDB_THREADS: z
    .string()
    .regex(/^\d+$/, { error: "must be a whole number" })
    .transform(Number)
    .refine((threads) => threads >= 1 && threads <= 16, { error: "must be between 1 and 16" })
    .default(1),
  /** Size of the NDJSON spool that becomes one Parquet part. */
  CONNECT_PART_MB: z
    .string()
    .regex(/^\d+$/, { error: "must be a whole number of megabytes" })
    .transform(Number)
    .refine((megabytes) => megabytes >= 1 && megabytes <= 1024, { error: "must be between 1 and 1024" })
    .default(64),
  /** An incrementally read stream is compacted once its files come from more runs than this. */
  CONNECT_COMPACTION_MAX_RUNS: z
    .string()
    .regex(/^\d+$/, { error: "must be a whole number" })
    .transform(Number)
    .refine((files) => files >= 1, { error: "must be at least 1" })
    .default(16),
  /** How long replaced or orphaned data files stay in storage before garbage collection deletes them. */
  CONNECT_GC_GRACE_SECONDS: z
    .string()
    .regex(/^\d+$/, { error: "must be a whole number of seconds" })
    .transform(Number)
    .default(3600),
});

export type ConnectConfig = {
  host: string;
  port: number;
  serviceToken: string;
  s3Endpoint: string | undefined;
  logLevel: z.infer<typeof environmentSchema>["LOG_LEVEL"];
  validateDeadlineMs: number;
  localStorageDirectory: string;
  spoolDirectory: string;
  duckdbMemoryLimit: string;
  partBytes: number;
  garbageGraceMs: number;
  compactionMaxRuns: number;
  duckdbThreads: number;
};

export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

/** Reads the environment; throws a ConfigError whose message is one line naming the variable. */
export function loadConfig(environment: NodeJS.ProcessEnv): ConnectConfig {
  // An empty variable means unset: that is how Kubernetes Secrets and `.env` files leave them.
  const present = Object.fromEntries(Object.entries(environment).filter(([, value]) => value !== ""));
  const result = environmentSchema.safeParse(present);
  if (!result.success) {
    const issue = result.error.issues[0];
    const name = String(issue?.path[0] ?? "environment");
    throw new ConfigError(`${name} ${issue?.message ?? "is invalid"}`);
  }
  const env = result.data;
  return {
    host: env.HOST,
    port: env.PORT,
    serviceToken: env.CONNECT_SERVICE_TOKEN,
    s3Endpoint: env.S3_ENDPOINT,
    logLevel: env.LOG_LEVEL,
    validateDeadlineMs: env.CONNECT_VALIDATE_DEADLINE_MS,
    localStorageDirectory: env.CONNECT_LOCAL_STORAGE_DIR,
    spoolDirectory: env.CONNECT_SPOOL_DIR ?? join(tmpdir(), "tributary-connect"),
    duckdbMemoryLimit: env.CONNECT_DUCKDB_MEMORY_LIMIT,
    partBytes: env.CONNECT_PART_MB * 1024 * 1024,
    garbageGraceMs: env.CONNECT_GC_GRACE_SECONDS * 1000,
    compactionMaxRuns: env.CONNECT_COMPACTION_MAX_RUNS,
    duckdbThreads: env.CONNECT_DUCKDB_THREADS,
  };
}
