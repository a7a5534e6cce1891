import { sql, type Kysely } from "kysely";

/**
 * SQL over the mirror (apps/backend/src/query): each data source gets the name its views carry in SQL
 * (`github.issues`), unique in its workspace; saved queries; and each user's query history.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("data_sources").addColumn("sql_name", "text").execute();
  // Existing sources are named after their connector, numbered in order of creation when there are several.
  await sql`
    update data_sources as d set sql_name = numbered.name
    from (
      select id,
             case when row_number() over (partition by workspace_id, connector order by created_at, id) = 1 then replace(connector, '-', '_')
                  else replace(connector, '-', '_') || '_' || row_number() over (partition by workspace_id, connector order by created_at, id) end as name
      from data_sources
    ) as numbered
    where d.id = numbered.id`.execute(db);
  await db.schema.alterTable("data_sources").alterColumn("sql_name", (column) => column.setNotNull()).execute();
  await db.schema.createIndex("data_sources_sql_name_unique").on("data_sources").columns(["workspace_id", "sql_name"]).unique().execute();

  await db.schema
    .createTable("saved_queries")
    .addColumn("id", "uuid", (column) => column.primaryKey())
    .addColumn("workspace_id", "uuid", (column) => column.notNull().references("workspaces.id").onDelete("cascade"))
    .addColumn("name", "text", (column) => column.notNull())
    .addColumn("description", "text", (column) => column.notNull().defaultTo(""))
    .addColumn("sql", "text", (column) => column.notNull())
    .addColumn("created_by", "text", (column) => column.notNull())
    .addColumn("updated_by", "text", (column) => column.notNull())
    .addColumn("created_at", "timestamptz", (column) => column.notNull().defaultTo(sql`now()`))
    .addColumn("updated_at", "timestamptz", (column) => column.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex("saved_queries_name_unique").on("saved_queries").columns(["workspace_id", "name"]).unique().execute();

  await db.schema
    .createTable("query_history")
    .addColumn("id", "uuid", (column) => column.primaryKey())
    .addColumn("workspace_id", "uuid", (column) => column.notNull().references("workspaces.id").onDelete("cascade"))
    .addColumn("user_id", "text", (column) => column.notNull())
    .addColumn("sql", "text", (column) => column.notNull())
    .addColumn("saved_query_id", "uuid", (column) => column.references("saved_queries.id").onDelete("set null"))
    .addColumn("format", "text", (column) => column.notNull())
    .addColumn("status", "text", (column) => column.notNull().check(sql`status in ('succeeded', 'failed', 'cancelled')`))
    .addColumn("error_code", "text")
    .addColumn("error_message", "text")
    .addColumn("row_count", "bigint")
    .addColumn("truncated", "boolean", (column) => column.notNull().defaultTo(false))
    .addColumn("duration_ms", "integer", (column) => column.notNull())
    .addColumn("created_at", "timestamptz", (column) => column.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex("query_history_user_idx").on("query_history").columns(["workspace_id", "user_id", "created_at"]).execute();
}
