import type { ColumnType, Insertable, Selectable } from "kysely";
import type { CatalogueTables } from "../catalogue/catalogue-tables.js";
import type { QueryTables } from "../query/query-tables.js";
import type { ServiceConnectorTables } from "../service-connectors/service-connectors-tables.js";
import type { CliLoginTables } from "../cli-login/cli-login-tables.js";

/** Timestamps come back as Date and may be written as Date or ISO text. */
export type Timestamp = ColumnType<Date, Date | string, Date | string>;
/** A creation time the database fills in (`default now()`), never updated. */
export type CreatedAt = ColumnType<Date, Date | string | undefined, never>;

export type WorkspaceRole = "owner" | "admin" | "analyst" | "viewer";

export interface WorkspacesTable {
  id: string;
  name: string;
  created_by: string;
  created_at: CreatedAt;
}

export interface WorkspaceMembersTable {
  workspace_id: string;
  user_id: string;
  role: WorkspaceRole;
  created_at: CreatedAt;
}

export interface WorkspaceInvitationsTable {
  id: string;
  workspace_id: string;
  email: string;
  role: Exclude<WorkspaceRole, "owner">;
  token_hash: string;
  invited_by: string;
  created_at: CreatedAt;
  expires_at: Timestamp;
  accepted_at: Timestamp | null;
  revoked_at: Timestamp | null;
}

export interface AccessTokensTable {
  id: string;
  user_id: string;
  name: string;
  token_hash: string;
  last_four: string;
  created_at: CreatedAt;
  expires_at: Timestamp | null;
  last_used_at: Timestamp | null;
  revoked_at: Timestamp | null;
}

export interface DataSourcesTable {
  id: string;
  workspace_id: string;
  connector: string;
  name: string;
  /** The schema its views have in SQL (`github` in `github.issues`); unique in the workspace. */
  sql_name: string;
  config: ColumnType<Record<string, unknown>, string, string>;
  /** `v1.<keyId>.<iv>.<tag>.<ciphertext>` from SecretBox, bound to the row id as associated data. */
  credentials_encrypted: string;
  credentials_hint: ColumnType<Record<string, string>, string, string>;
  /** Streams selected for runs; null means every stream of the connector. */
  streams: ColumnType<string[] | null, string | null, string | null>;
  account: ColumnType<Record<string, unknown> | null, string | null, string | null>;
  granted_scopes: ColumnType<string[] | null, string | null, string | null>;
  warnings: ColumnType<string[], string | undefined, string>;
  validated_at: Timestamp | null;
  schedule_cron: string | null;
  schedule_timezone: ColumnType<string, string | undefined, string>;
  next_run_at: Timestamp | null;
  created_by: string;
  created_at: CreatedAt;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

export type RunStatus = "queued" | "running" | "succeeded" | "partially_succeeded" | "failed" | "cancelled";

export interface IngestionRunsTable {
  id: string;
  workspace_id: string;
  data_source_id: string;
  status: RunStatus;
  trigger: "manual" | "schedule" | "retry";
  triggered_by: string | null;
  sync_mode: ColumnType<"incremental" | "full_refresh", "incremental" | "full_refresh" | undefined, "incremental" | "full_refresh">;
  streams: ColumnType<string[] | null, string | null, string | null>;
  attempt: ColumnType<number, number | undefined, number>;
  cancel_requested_at: Timestamp | null;
  created_at: CreatedAt;
  started_at: Timestamp | null;
  finished_at: Timestamp | null;
  heartbeat_at: Timestamp | null;
  /** Per-stream progress as connect reports it: records, pages, status, files, errors. */
  progress: ColumnType<Record<string, unknown>, string | undefined, string>;
  stats: ColumnType<Record<string, unknown> | null, string | null, string | null>;
  error: ColumnType<Record<string, unknown> | null, string | null, string | null>;
}

export interface StreamSnapshotsTable {
  data_source_id: string;
  stream: string;
  workspace_id: string;
  run_id: string;
  manifest_version: number;
  state: ColumnType<Record<string, unknown>, string, string>;
  files: ColumnType<unknown[], string, string>;
  records: ColumnType<string, number | string | undefined, number | string>;
  committed_at: Timestamp;
}

/**
 * The core database as Kysely sees it. Each domain's migration adds its tables here, next to the others,
 * so a query anywhere is checked against the whole schema.
 */
export interface CoreSchema extends CatalogueTables, QueryTables, ServiceConnectorTables, CliLoginTables {
  workspaces: WorkspacesTable;
  workspace_members: WorkspaceMembersTable;
  workspace_invitations: WorkspaceInvitationsTable;
  access_tokens: AccessTokensTable;
  data_sources: DataSourcesTable;
  ingestion_runs: IngestionRunsTable;
  stream_snapshots: StreamSnapshotsTable;
}

export type Workspace = Selectable<WorkspacesTable>;
export type NewWorkspace = Insertable<WorkspacesTable>;
export type AccessTokenRow = Selectable<AccessTokensTable>;
