import { join, resolve } from "node:path";
import { z } from "zod";
import { embeddedSecrets } from "./embedded-secrets.js";

const urlSchema = z.url({ error: "must be an http(s) URL" });
const postgresUrl = z
  .string()
  .regex(/^postgres(?:ql)?:\/\/\S+$/, { error: "must be a postgres:// connection string" });
const flag = z.enum(["true", "false"], { error: 'must be "true" or "false"' });
const wholeNumber = (name: string) => z.string().regex(/^\d+$/, { error: `must be a whole number of ${name}` }).transform(Number);
const byteUnits: Record<string, number> = { "": 1, B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4 };
/** A size in bytes, or with a unit: 512MB, 10GB (units of 1024). */
const byteSize = z
  .string()
  .regex(/^\d+(?:\.\d+)?\s*(?:B|KB|MB|GB|TB)?$/i, { error: "must be a size such as 512MB or 10GB" })
  .transform((text) => {
    const [, amount, unit] = /^(\d+(?:\.\d+)?)\s*([A-Za-z]*)$/.exec(text)!;
    return Math.floor(Number(amount) * byteUnits[unit!.toUpperCase()]!);
  })
  .refine((bytes) => bytes >= 1024 * 1024, { error: "must be at least 1MB" });

/**
 * The backend's environment: names, meanings and requirements of the reference deployment
 * (docs/backend.md lists them). Production is the mode where `DATABASE_URL` is set: then every variable
 * the reference marks required must be there. Without it the backend runs embedded (PGlite under the data
 * folder), and the secrets it would otherwise require are generated once and kept in that folder, so
 * `npm start` needs no configuration and a restart keeps sessions and encrypted credentials readable.
 */
const environmentSchema = z.object({
  HOST: z.string().trim().min(1, { error: "must not be empty" }).default("127.0.0.1"),
  PORT: z
    .string()
    .regex(/^\d+$/, { error: "must be a whole number between 0 and 65535" })
    .transform(Number)
    .refine((port) => port <= 65535, { error: "must be a whole number between 0 and 65535" })
    .default(3000),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** The embedded mode's folder: PGlite databases, generated secrets, the local object store. */
  TRIBUTARY_DATA_DIR: z.string().min(1).default(".tributary"),

  DATABASE_URL: postgresUrl.optional(),
  CORE_DATABASE_URL: postgresUrl.optional(),
  ENABLE_MIGRATIONS: flag.optional(),

  BETTER_AUTH_SECRET: z.string().min(32, { error: "must be at least 32 characters (openssl rand -hex 32)" }).optional(),
  BETTER_AUTH_URL: urlSchema.optional(),
  FRONTEND_URL: urlSchema.optional(),
  GOOGLE_CLIENT_ID: z.string().min(1).optional(),
  GOOGLE_CLIENT_SECRET: z.string().min(1).optional(),

  CONNECT_SERVICE_URL: urlSchema.default("http://127.0.0.1:8000"),
  CONNECT_SERVICE_TOKEN: z.string().min(1, { error: "must not be empty" }).optional(),
  CONNECT_BUCKET_PREFIX: z
    .string()
    .regex(/^(?:[A-Za-z0-9][A-Za-z0-9._-]{0,127}\/)*$/, { error: "must be empty or end with / (for example tributary/)" })
    .default(""),

  S3_BUCKET: z.string().min(1).optional(),
  S3_REGION: z.string().min(1).default("us-east-1"),
  S3_ENDPOINT: urlSchema.optional(),
  S3_ACCESS_KEY_ID: z.string().min(1).optional(),
  S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  /** Where connect keeps the embedded object store; must be the folder connect was given. */
  CONNECT_LOCAL_STORAGE_DIR: z.string().min(1).optional(),

  DATASOURCES_ENCRYPTION_KEY: z
    .string()
    .regex(/^[0-9a-fA-F]{64}$/, { error: "must be 64 hexadecimal characters (openssl rand -hex 32)" })
    .optional(),
  /** Keys still accepted for decryption while `rotate-encryption-key` moves everything to the new one. */
  DATASOURCES_ENCRYPTION_KEY_PREVIOUS: z
    .string()
    .regex(/^[0-9a-fA-F]{64}(?:,[0-9a-fA-F]{64})*$/, { error: "must be a comma-separated list of 64-hex-character keys" })
    .optional(),

  AI_PROVIDER: z.enum(["openai"], { error: 'must be "openai" (any OpenAI-compatible server)' }).optional(),
  OPENAI_API_KEY: z.string().optional(),
  OPENAI_BASE_URL: urlSchema.optional(),
  DEFAULT_MODEL_ID: z.string().min(1).optional(),
  DEFAULT_FAST_MODEL_ID: z.string().min(1).optional(),
  DEFAULT_OCR_MODEL_ID: z.string().min(1).optional(),
  QDRANT_URL: urlSchema.optional(),
  QDRANT_LOCAL_ONLY: flag.optional(),
  QDRANT_API_KEY: z.string().optional(),
  QDRANT_CLUSTER_KEY: z.string().optional(),
  QDRANT_COLLECTION_PREFIX: z.string().default(""),
  OTEL_EXPORTER_OTLP_ENDPOINT: urlSchema.optional(),
  OTEL_SERVICE_NAME: z.string().default("tributary-backend"),
  OTEL_SERVICE_VERSION: z.string().optional(),
  OTEL_METRIC_EXPORT_INTERVAL: wholeNumber("milliseconds").default(5000),

  /** SQL over the mirror (docs/backend-query.md). The local cache of Parquet files read from S3. */
  QUERY_CACHE_DIR: z.string().min(1).optional(),
  QUERY_CACHE_MAX_BYTES: byteSize.default(10 * 1024 ** 3),
  /** DuckDB's memory limit for one workspace's queries (they share it), e.g. 1GB or 512MB. */
  QUERY_MEMORY_LIMIT: byteSize.default(1024 ** 3),
  QUERY_THREADS: wholeNumber("threads").refine((threads) => threads >= 1, { error: "must be at least 1" }).default(2),
  QUERY_TIMEOUT_SECONDS: wholeNumber("seconds").refine((seconds) => seconds >= 1, { error: "must be at least 1" }).default(60),
  /** Most rows a JSON answer carries (a request's `limit` may ask for fewer). */
  QUERY_MAX_ROWS: wholeNumber("rows").refine((rows) => rows >= 1, { error: "must be at least 1" }).default(100_000),
  /** Most rows an export (CSV, JSON lines, Parquet) carries. */
  QUERY_MAX_EXPORT_ROWS: wholeNumber("rows").refine((rows) => rows >= 1, { error: "must be at least 1" }).default(5_000_000),
  QUERY_CONCURRENCY_PER_USER: wholeNumber("queries").refine((count) => count >= 1, { error: "must be at least 1" }).default(2),
  QUERY_CONCURRENCY_PER_WORKSPACE: wholeNumber("queries").refine((count) => count >= 1, { error: "must be at least 1" }).default(4),
  /** Workspaces whose DuckDB (views, connections) stays open; the least recently used is closed beyond. */
  QUERY_MAX_OPEN_WORKSPACES: wholeNumber("workspaces").refine((count) => count >= 1, { error: "must be at least 1" }).default(8),

  /** Service connectors (docs/backend-service-connectors.md): the registry of internal services. */
  SERVICE_CONNECTORS_REGISTRY: z.string().min(1).optional(),
  /** Allows plain-HTTP internal services beyond loopback (the exchange carries a secret and a key). */
  SERVICE_CONNECTORS_ALLOW_HTTP: flag.default("false"),
  /** How long one call to an internal service (token exchange, revoke, health) may take. */
  SERVICE_CONNECTORS_TIMEOUT_SECONDS: wholeNumber("seconds").refine((seconds) => seconds >= 1, { error: "must be at least 1" }).default(10),
  /** Shared-server installs: write each user's keys and skills into their home folder under this root. */
  SERVICE_CONNECTORS_HOME_ROOT: z.string().min(1).optional(),
  /** JSON object mapping a user's email to their server user name (default: the email's local part). */
  SERVICE_CONNECTORS_HOME_USERS: z
    .string()
    .refine(
      (text) => {
        try {
          const value: unknown = JSON.parse(text);
          return typeof value === "object" && value !== null && !Array.isArray(value) && Object.values(value).every((name) => typeof name === "string" && /^[a-z_][a-z0-9_.-]{0,31}$/.test(name));
        } catch {
          return false;
        }
      },
      { error: 'must be a JSON object of email → server user name, e.g. {"ana@example.com":"ana"}' },
    )
    .optional(),

  /** How often the run dispatcher looks for due schedules and queued runs (tests shorten it). */
  BACKEND_JOB_POLL_SECONDS: wholeNumber("seconds").default(2),
});

export interface BackendConfig {
  host: string;
  port: number;
  logLevel: string;
  dataDirectory: string;
  /** "postgres" when DATABASE_URL is set (production); "embedded" runs PGlite in the data folder. */
  mode: "postgres" | "embedded";
  authDatabaseUrl: string | undefined;
  coreDatabaseUrl: string | undefined;
  enableMigrations: boolean;
  betterAuthSecret: string;
  betterAuthUrl: string;
  frontendUrl: string;
  google: { clientId: string; clientSecret: string } | undefined;
  connectServiceUrl: string;
  connectServiceToken: string;
  bucketPrefix: string;
  objectStorage:
    | { kind: "s3"; bucket: string; region: string; endpoint: string | undefined; accessKeyId: string; secretAccessKey: string }
    | { kind: "local"; directory: string };
  encryptionKey: string;
  previousEncryptionKeys: string[];
  llm: { baseUrl: string; apiKey: string; model: string; fastModel: string; ocrModel: string } | undefined;
  jobPollSeconds: number;
  query: QueryConfig;
  serviceConnectors: ServiceConnectorsConfig;
}

export interface ServiceConnectorsConfig {
  registryPath: string | undefined;
  allowInsecureHttp: boolean;
  timeoutSeconds: number;
  /** `SC_SECRET_<ID>` variables as set, by variable name. */
  secrets: Record<string, string>;
  homeRoot: string | undefined;
  homeUsers: Record<string, string>;
}

/** Limits and places of SQL over the mirror (apps/backend/src/query). */
export interface QueryConfig {
  cacheDirectory: string;
  cacheMaxBytes: number;
  /** Scratch space of the workspaces' DuckDB instances: spills and Parquet exports. */
  scratchDirectory: string;
  memoryLimitBytes: number;
  threads: number;
  timeoutSeconds: number;
  maxRows: number;
  maxExportRows: number;
  concurrencyPerUser: number;
  concurrencyPerWorkspace: number;
  maxOpenWorkspaces: number;
}

export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Required in production; the reference deployment's crash-loop reason, in one line. */
function required<T>(value: T | undefined, name: string, what = "must be set"): T {
  if (value === undefined || value === "") throw new ConfigError(`${name} ${what}`);
  return value;
}

/** Validates the environment; throws a ConfigError whose message is one line naming the variable. */
export function loadConfig(environment: NodeJS.ProcessEnv = process.env): BackendConfig {
  const parsed = environmentSchema.safeParse(environment);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(`${String(issue.path[0] ?? "environment")} ${issue.message}`);
  }
  const env = parsed.data;
  const dataDirectory = resolve(env.TRIBUTARY_DATA_DIR);
  const production = env.DATABASE_URL !== undefined;
  if (production) {
    required(env.CORE_DATABASE_URL, "CORE_DATABASE_URL");
    required(env.ENABLE_MIGRATIONS, "ENABLE_MIGRATIONS", 'must be set to "true" or "false"');
    required(env.BETTER_AUTH_SECRET, "BETTER_AUTH_SECRET");
    required(env.BETTER_AUTH_URL, "BETTER_AUTH_URL");
    required(env.FRONTEND_URL, "FRONTEND_URL");
    required(env.CONNECT_SERVICE_TOKEN, "CONNECT_SERVICE_TOKEN");
    required(env.DATASOURCES_ENCRYPTION_KEY, "DATASOURCES_ENCRYPTION_KEY");
  } else if (env.CORE_DATABASE_URL) {
    throw new ConfigError("DATABASE_URL must be set when CORE_DATABASE_URL is (both databases are PostgreSQL, or both embedded)");
  }
  if ((env.GOOGLE_CLIENT_ID === undefined) !== (env.GOOGLE_CLIENT_SECRET === undefined)) {
    throw new ConfigError(`${env.GOOGLE_CLIENT_ID ? "GOOGLE_CLIENT_SECRET" : "GOOGLE_CLIENT_ID"} must be set with the other Google OAuth variable`);
  }
  // Generated on first use only in embedded mode, and only for what is not configured.
  const secrets = production ? undefined : embeddedSecrets(dataDirectory);
  const objectStorage: BackendConfig["objectStorage"] = env.S3_BUCKET
    ? {
        kind: "s3",
        bucket: env.S3_BUCKET,
        region: env.S3_REGION,
        endpoint: env.S3_ENDPOINT,
        accessKeyId: required(env.S3_ACCESS_KEY_ID, "S3_ACCESS_KEY_ID", "must be set when S3_BUCKET is"),
        secretAccessKey: required(env.S3_SECRET_ACCESS_KEY, "S3_SECRET_ACCESS_KEY", "must be set when S3_BUCKET is"),
      }
    : { kind: "local", directory: resolve(env.CONNECT_LOCAL_STORAGE_DIR ?? join(dataDirectory, "object-store")) };
  const llm =
    env.OPENAI_BASE_URL && env.DEFAULT_MODEL_ID
      ? {
          baseUrl: env.OPENAI_BASE_URL,
          apiKey: env.OPENAI_API_KEY ?? "not-used",
          model: env.DEFAULT_MODEL_ID,
          fastModel: env.DEFAULT_FAST_MODEL_ID ?? env.DEFAULT_MODEL_ID,
          ocrModel: env.DEFAULT_OCR_MODEL_ID ?? env.DEFAULT_MODEL_ID,
        }
      : undefined;
  return {
    host: env.HOST,
    port: env.PORT,
    logLevel: env.LOG_LEVEL,
    dataDirectory,
    mode: production ? "postgres" : "embedded",
    authDatabaseUrl: env.DATABASE_URL,
    coreDatabaseUrl: env.CORE_DATABASE_URL,
    // Embedded databases are the user's own: bringing them up to date is always safe.
    enableMigrations: env.ENABLE_MIGRATIONS ? env.ENABLE_MIGRATIONS === "true" : !production,
    betterAuthSecret: env.BETTER_AUTH_SECRET ?? secrets!.betterAuthSecret,
    betterAuthUrl: env.BETTER_AUTH_URL ?? `http://127.0.0.1:${env.PORT}`,
    frontendUrl: env.FRONTEND_URL ?? "http://127.0.0.1:8080",
    google: env.GOOGLE_CLIENT_ID && env.GOOGLE_CLIENT_SECRET ? { clientId: env.GOOGLE_CLIENT_ID, clientSecret: env.GOOGLE_CLIENT_SECRET } : undefined,
    connectServiceUrl: env.CONNECT_SERVICE_URL.replace(/\/+$/, ""),
    connectServiceToken: env.CONNECT_SERVICE_TOKEN ?? secrets!.connectServiceToken,
    bucketPrefix: env.CONNECT_BUCKET_PREFIX,
    objectStorage,
    encryptionKey: env.DATASOURCES_ENCRYPTION_KEY ?? secrets!.encryptionKey,
    previousEncryptionKeys: env.DATASOURCES_ENCRYPTION_KEY_PREVIOUS?.split(",") ?? [],
    llm,
    jobPollSeconds: env.BACKEND_JOB_POLL_SECONDS,
    serviceConnectors: {
      registryPath: env.SERVICE_CONNECTORS_REGISTRY ? resolve(env.SERVICE_CONNECTORS_REGISTRY) : undefined,
      allowInsecureHttp: env.SERVICE_CONNECTORS_ALLOW_HTTP === "true",
      timeoutSeconds: env.SERVICE_CONNECTORS_TIMEOUT_SECONDS,
      secrets: Object.fromEntries(Object.entries(environment).filter((entry): entry is [string, string] => /^SC_SECRET_[A-Z0-9_]+$/.test(entry[0]) && typeof entry[1] === "string" && entry[1] !== "")),
      homeRoot: env.SERVICE_CONNECTORS_HOME_ROOT ? resolve(env.SERVICE_CONNECTORS_HOME_ROOT) : undefined,
      homeUsers: env.SERVICE_CONNECTORS_HOME_USERS ? (JSON.parse(env.SERVICE_CONNECTORS_HOME_USERS) as Record<string, string>) : {},
    },
    query: {
      cacheDirectory: resolve(env.QUERY_CACHE_DIR ?? join(dataDirectory, "query-cache")),
      cacheMaxBytes: env.QUERY_CACHE_MAX_BYTES,
      scratchDirectory: join(dataDirectory, "query-scratch"),
      memoryLimitBytes: env.QUERY_MEMORY_LIMIT,
      threads: env.QUERY_THREADS,
      timeoutSeconds: env.QUERY_TIMEOUT_SECONDS,
      maxRows: env.QUERY_MAX_ROWS,
      maxExportRows: env.QUERY_MAX_EXPORT_ROWS,
      concurrencyPerUser: env.QUERY_CONCURRENCY_PER_USER,
      concurrencyPerWorkspace: env.QUERY_CONCURRENCY_PER_WORKSPACE,
      maxOpenWorkspaces: env.QUERY_MAX_OPEN_WORKSPACES,
    },
  };
}
