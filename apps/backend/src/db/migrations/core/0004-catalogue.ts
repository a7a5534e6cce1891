import { sql, type Kysely } from "kysely";

/**
 * The schema catalogue (apps/backend/src/catalogue). What connect computes (tables, columns, entities,
 * mapping errors) is replaced by every sync; users' edits (descriptions, mapping edits) live in their
 * own tables, keyed by names rather than bound to the synced rows, so they survive re-syncs and drift.
 * Everything goes with its data source.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("catalogues")
    .addColumn("data_source_id", "uuid", (column) => column.primaryKey().references("data_sources.id").onDelete("cascade"))
    .addColumn("workspace_id", "uuid", (column) => column.notNull().references("workspaces.id").onDelete("cascade"))
    .addColumn("connector", "text", (column) => column.notNull())
    .addColumn("built_at", "timestamptz")
    .addColumn("synced_at", "timestamptz")
    .addColumn("entities", "jsonb", (column) => column.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn("mapping_errors", "jsonb", (column) => column.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn("last_sync_attempt_at", "timestamptz")
    .addColumn("last_sync_error", "jsonb")
    .execute();
  await db.schema.createIndex("catalogues_workspace_idx").on("catalogues").column("workspace_id").execute();

  await db.schema
    .createTable("catalogue_tables")
    .addColumn("data_source_id", "uuid", (column) => column.notNull().references("catalogues.data_source_id").onDelete("cascade"))
    .addColumn("name", "text", (column) => column.notNull())
    .addColumn("workspace_id", "uuid", (column) => column.notNull())
    .addColumn("position", "integer", (column) => column.notNull())
    .addColumn("description", "text", (column) => column.notNull())
    .addColumn("primary_key", "jsonb", (column) => column.notNull())
    .addColumn("cursor_field", "jsonb")
    .addColumn("sync_mode", "text", (column) => column.notNull())
    .addColumn("row_count", "bigint", (column) => column.notNull())
    .addColumn("files", "integer", (column) => column.notNull())
    .addColumn("bytes", "bigint", (column) => column.notNull())
    .addColumn("committed_at", "timestamptz", (column) => column.notNull())
    .addColumn("manifest_version", "integer", (column) => column.notNull())
    .addColumn("cursor_max", "text")
    .addColumn("profiled_at", "timestamptz", (column) => column.notNull())
    .addPrimaryKeyConstraint("catalogue_tables_pkey", ["data_source_id", "name"])
    .execute();
  await db.schema.createIndex("catalogue_tables_workspace_idx").on("catalogue_tables").column("workspace_id").execute();

  await db.schema
    .createTable("catalogue_columns")
    .addColumn("data_source_id", "uuid", (column) => column.notNull())
    .addColumn("table_name", "text", (column) => column.notNull())
    .addColumn("name", "text", (column) => column.notNull())
    .addColumn("position", "integer", (column) => column.notNull())
    .addColumn("type", "text", (column) => column.notNull())
    .addColumn("null_count", "bigint", (column) => column.notNull())
    .addColumn("non_null_fraction", "double precision", (column) => column.notNull())
    .addColumn("distinct_estimate", "bigint", (column) => column.notNull())
    .addColumn("samples", "jsonb", (column) => column.notNull())
    .addColumn("samples_withheld", "boolean", (column) => column.notNull())
    .addPrimaryKeyConstraint("catalogue_columns_pkey", ["data_source_id", "table_name", "name"])
    .addForeignKeyConstraint("catalogue_columns_table_fkey", ["data_source_id", "table_name"], "catalogue_tables", ["data_source_id", "name"], (constraint) =>
      constraint.onDelete("cascade"),
    )
    .execute();

  await db.schema
    .createTable("catalogue_table_edits")
    .addColumn("data_source_id", "uuid", (column) => column.notNull().references("data_sources.id").onDelete("cascade"))
    .addColumn("table_name", "text", (column) => column.notNull())
    .addColumn("workspace_id", "uuid", (column) => column.notNull())
    .addColumn("description", "text", (column) => column.notNull())
    .addColumn("updated_by", "text", (column) => column.notNull())
    .addColumn("updated_at", "timestamptz", (column) => column.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint("catalogue_table_edits_pkey", ["data_source_id", "table_name"])
    .execute();

  await db.schema
    .createTable("catalogue_column_edits")
    .addColumn("data_source_id", "uuid", (column) => column.notNull().references("data_sources.id").onDelete("cascade"))
    .addColumn("table_name", "text", (column) => column.notNull())
    .addColumn("column_name", "text", (column) => column.notNull())
    .addColumn("workspace_id", "uuid", (column) => column.notNull())
    .addColumn("description", "text", (column) => column.notNull())
    .addColumn("updated_by", "text", (column) => column.notNull())
    .addColumn("updated_at", "timestamptz", (column) => column.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint("catalogue_column_edits_pkey", ["data_source_id", "table_name", "column_name"])
    .execute();

  await db.schema
    .createTable("catalogue_mapping_edits")
    .addColumn("data_source_id", "uuid", (column) => column.notNull().references("data_sources.id").onDelete("cascade"))
    .addColumn("entity", "text", (column) => column.notNull().check(sql`entity in ('people', 'work_items', 'conversations', 'companies')`))
    .addColumn("stream", "text", (column) => column.notNull())
    .addColumn("workspace_id", "uuid", (column) => column.notNull())
    .addColumn("enabled", "boolean", (column) => column.notNull())
    .addColumn("column_expressions", "jsonb", (column) => column.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn("updated_by", "text", (column) => column.notNull())
    .addColumn("updated_at", "timestamptz", (column) => column.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint("catalogue_mapping_edits_pkey", ["data_source_id", "entity", "stream"])
    .execute();
}
