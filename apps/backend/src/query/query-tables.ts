import type { ColumnType } from "kysely";

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
/** `bigint`: text from `pg`, a number from PGlite; read through Number(). */
type Int8 = ColumnType<string | number, number, number>;

export interface SavedQueriesTable {
  id: string;
  workspace_id: string;
  /** Unique in the workspace. */
  name: string;
  description: ColumnType<string, string | undefined, string>;
  sql: string;
  created_by: string;
  updated_by: string;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export type QueryOutcome = "succeeded" | "failed" | "cancelled";

/** One row per query a user ran: what, how it went, how long. Kept per user, pruned to the newest rows. */
export interface QueryHistoryTable {
  id: string;
  workspace_id: string;
  user_id: string;
  sql: string;
  saved_query_id: string | null;
  /** json, ndjson, csv, parquet or explain. */
  format: string;
  status: QueryOutcome;
  error_code: string | null;
  error_message: string | null;
  row_count: Int8 | null;
  truncated: ColumnType<boolean, boolean | undefined, boolean>;
  duration_ms: number;
  created_at: CreatedAt;
}

/** The query domain's tables in the core database (see db/migrations/core/0005-queries.ts). */
export interface QueryTables {
  saved_queries: SavedQueriesTable;
  query_history: QueryHistoryTable;
}
