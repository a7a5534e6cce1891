import type { ColumnType } from "kysely";
import type { EntityName } from "@tributary/contracts";

/** Timestamps come back as Date and may be written as Date or ISO text. */
type Timestamp = ColumnType<Date, Date | string, Date | string>;
/** `bigint`: text from `pg`, a number from PGlite; read through Number(). */
type Int8 = ColumnType<string | number, number, number>;
/** jsonb: parsed on read, written as JSON text (pg would turn a JS array into a PostgreSQL array). */
type Json<T> = ColumnType<T, string, string>;

export interface CatalogueSyncErrorValue {
  /** `connect_unavailable`, `storage_error`, `rejected`, `invalid_answer`, `internal_error`. */
  code: string;
  message: string;
  /** ISO time of the failed attempt. */
  at: string;
}

/**
 * One row per data source whose catalogue was synced (or attempted): what connect answered last that is
 * not per table (entities, mapping errors, built_at), and the last attempt's failure. Replaced by each
 * successful sync; a failed one only writes `last_sync_attempt_at` and `last_sync_error`.
 */
export interface CataloguesTable {
  data_source_id: string;
  workspace_id: string;
  connector: string;
  /** connect's `built_at` of the stored catalogue; null until a sync succeeds. */
  built_at: Timestamp | null;
  /** When the backend stored it. */
  synced_at: Timestamp | null;
  /** connect's `entities` (views with the workspace's mapping edits applied), as answered. */
  entities: Json<unknown[]>;
  mapping_errors: Json<unknown[]>;
  last_sync_attempt_at: Timestamp | null;
  last_sync_error: ColumnType<CatalogueSyncErrorValue | null, string | null, string | null>;
}

/** One mirrored stream of a data source as connect profiled it. Replaced by every sync. */
export interface CatalogueTablesTable {
  data_source_id: string;
  name: string;
  workspace_id: string;
  /** Order of the connector's declaration. */
  position: number;
  /** The connector's description of the stream (a user's edit is in catalogue_table_edits). */
  description: string;
  primary_key: Json<string[]>;
  cursor_field: ColumnType<string[] | null, string | null, string | null>;
  sync_mode: string;
  row_count: Int8;
  files: number;
  bytes: Int8;
  committed_at: Timestamp;
  manifest_version: number;
  cursor_max: string | null;
  profiled_at: Timestamp;
}

export interface CatalogueColumnsTable {
  data_source_id: string;
  table_name: string;
  name: string;
  position: number;
  type: string;
  null_count: Int8;
  non_null_fraction: number;
  distinct_estimate: Int8;
  samples: Json<string[]>;
  samples_withheld: boolean;
}

/**
 * Users' edits, kept apart from what syncs replace so a re-sync never touches them; not bound to a
 * synced table or column (no foreign key to them), so an edit whose target disappears after drift is
 * kept and reported as orphaned. They go with their data source.
 */
export interface CatalogueTableEditsTable {
  data_source_id: string;
  table_name: string;
  workspace_id: string;
  description: string;
  updated_by: string;
  updated_at: Timestamp;
}

export interface CatalogueColumnEditsTable {
  data_source_id: string;
  table_name: string;
  column_name: string;
  workspace_id: string;
  description: string;
  updated_by: string;
  updated_at: Timestamp;
}

/** An edit of a connector mapping (entity × stream), sent to connect as a mapping override on every sync. */
export interface CatalogueMappingEditsTable {
  data_source_id: string;
  entity: EntityName;
  stream: string;
  workspace_id: string;
  enabled: boolean;
  /** Entity column → DuckDB expression replacing the connector's. */
  column_expressions: Json<Record<string, string>>;
  updated_by: string;
  updated_at: Timestamp;
}

/** The catalogue's tables in the core database (see db/migrations/core/0004-catalogue.ts). */
export interface CatalogueTables {
  catalogues: CataloguesTable;
  catalogue_tables: CatalogueTablesTable;
  catalogue_columns: CatalogueColumnsTable;
  catalogue_table_edits: CatalogueTableEditsTable;
  catalogue_column_edits: CatalogueColumnEditsTable;
  catalogue_mapping_edits: CatalogueMappingEditsTable;
}
