import type { z } from "zod";
import type { Account, SyncMode } from "@tributary/contracts";
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
 * to its own high-water mark.
 */
export interface StreamState {
  cursor?: string | number | null;
  partitions?: Record<string, string | number | null>;
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
