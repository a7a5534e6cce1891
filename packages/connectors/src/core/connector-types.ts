import type { z } from "zod";
import type { Account, SyncMode } from "@tributary/contracts";
import type { ScannedObject } from "@tributary/mirror";
import type { ConnectorLogger } from "./logger-types.js";

/**
 * A scope a stream needs. `anyOf` lists the scopes that satisfy it (a broader scope implies the
 * narrower one: GitHub's `admin:org` implies `read:org`); the requirement's own name is always one.
 */
export interface ScopeRequirement {
  scope: string;
  anyOf?: string[];
}

/**
 * A stream is one table of the mirror. The declaration is what the engine needs to read it
 * incrementally and store it: the primary key to deduplicate on (latest wins), the cursor to resume
 * from, and the partitioning whose every value keeps its own cursor (one per repository, per channel).
 */
export interface StreamDeclaration {
  name: string;
  description: string;
  /** Field path(s) in each record that identify it; several mean a composite key. */
  primaryKey: string[];
  /** Field path whose value only grows as records change (for example `updated_at`); null: full refresh only. */
  cursorField: string[] | null;
  syncModes: SyncMode[];
  /** What the stream is read per, each partition keeping its own cursor in the state; null when global. */
  partitionedBy: string | null;
  /** Scopes without which the stream cannot be read at all. */
  requiredScopes: ScopeRequirement[];
  /** Scopes that widen what the stream sees (private channels, private repositories). */
  optionalScopes: ScopeRequirement[];
}

/**
 * Per-stream state saved after each checkpoint. `cursor` is the global high-water mark for
 * unpartitioned streams; `partitions` maps each partition key (a repository's full name, a channel id)
 * to its own high-water mark; `extra` holds what else a connector needs to resume cheaply (ETags,
 * a HubSpot search window). State is JSON: it travels through the backend's database.
 */
export interface StreamState {
  cursor?: string | number | null;
  partitions?: Record<string, string | number | null>;
  extra?: Record<string, unknown>;
}

/** A record as read from the provider: a JSON object whose primary-key fields are present. */
export type SourceRecord = Record<string, unknown>;

/**
 * Records as the provider sent them: objects located in a page that is a JSON array (`scanJsonArray`),
 * never parsed. The engine spools their bytes as they are, which is what makes a bulk stream cheap: no
 * parse, no re-serialisation, no garbage. `extraFields` are added to every record (the repository of a
 * per-repository listing); a record that already has such a field is parsed and given the extra value.
 */
export interface RawRecordBatch {
  page: Buffer;
  /** The page's objects the stream keeps, in page order. */
  objects: ScannedObject[];
  extraFields: Record<string, string | number | boolean>;
}

/**
 * What a stream reader yields, in order. The engine spools `records` (or `raw_records`, the same thing
 * unparsed), applies `deletions` (primary-key objects of records the provider says are gone), and
 * treats `state` as a checkpoint: every record and deletion yielded before it is covered by it, so
 * resuming from it loses and repeats nothing.
 */
export type ReadMessage =
  | { type: "records"; records: SourceRecord[] }
  | { type: "raw_records"; batch: RawRecordBatch }
  | { type: "deletions"; keys: SourceRecord[] }
  | { type: "state"; state: StreamState };

export interface ReadContext<Credentials, Config> {
  credentials: Credentials;
  config: Config;
  stream: StreamDeclaration;
  syncMode: SyncMode;
  /** The stream's committed state from the previous run; undefined on a first or full-refresh read. */
  state: StreamState | undefined;
  /** Absolute instant (epoch ms) by which the run must end. */
  deadlineAt: number;
  signal: AbortSignal;
  logger: ConnectorLogger;
  /** Called after every HTTP answer, for the run's statistics (API calls per stream). */
  onResponse: (info: { method: string; path: string; status: number; durationMs: number }) => void;
  /**
   * Lookups shared by the streams of one run (the repositories of an org, the channels of a workspace),
   * so the second stream that needs the list does not fetch it again. Keyed by the connector.
   */
  shared: Map<string, Promise<unknown>>;
}

export interface CheckContext<Credentials, Config> {
  credentials: Credentials;
  config: Config;
  /** The streams the connection will read; scopes are checked for these. */
  streams: StreamDeclaration[];
  /** Absolute instant (epoch ms) by which the whole check must end, retries included. */
  deadlineAt: number;
  signal?: AbortSignal;
  logger: ConnectorLogger;
}

export interface CheckOutcome {
  account: Account;
  tokenType: string;
  /** What the provider says was granted; null when it does not say and access was probed instead. */
  grantedScopes: string[] | null;
  /** Required scopes of the selected streams that are missing: the validation fails. */
  missingRequiredScopes: string[];
  /** Optional scopes of the selected streams that are missing: the validation passes with warnings. */
  missingOptionalScopes: string[];
  warnings: string[];
}

export interface ConnectorDefinition<
  Credentials extends z.ZodType = z.ZodType,
  Config extends z.ZodType = z.ZodType,
> {
  /** Stable identifier used in APIs and storage paths: `github`, `slack`. */
  id: string;
  name: string;
  description: string;
  credentialsSchema: Credentials;
  configSchema: Config;
  streams: StreamDeclaration[];
  /** Resolves the account behind the credentials and what they may read. */
  check(context: CheckContext<z.infer<Credentials>, z.infer<Config>>): Promise<CheckOutcome>;
  /**
   * Reads one stream from its saved state: pages of records, deletions, and state checkpoints. Incremental
   * reads ask the API only for what changed since the state's cursor; the engine does the rest (spooling,
   * Parquet, storage, commit, statistics).
   */
  read(context: ReadContext<z.infer<Credentials>, z.infer<Config>>): AsyncIterable<ReadMessage>;
}

/** Keeps each connector's credential and config types flowing into `check` without annotations. */
export function defineConnector<Credentials extends z.ZodType, Config extends z.ZodType>(
  definition: ConnectorDefinition<Credentials, Config>,
): ConnectorDefinition<Credentials, Config> {
  return definition;
}

/** Type-erased form for registries and routes. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyConnector = ConnectorDefinition<any, any>;
