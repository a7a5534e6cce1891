import { sql, type Kysely } from "kysely";

/**
 * Data sources: a connector, its config, and its credentials encrypted (AES-256-GCM envelope from
 * @tributary/crypto, key id inside). What validation found (account, scopes, warnings) is kept to show
 * without asking the provider again; the credential itself only as a redacted hint.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("data_sources")
    .addColumn("id", "uuid", (column) => column.primaryKey())
    .addColumn("workspace_id", "uuid", (column) => column.notNull().references("workspaces.id").onDelete("cascade"))
    .addColumn("connector", "text", (column) => column.notNull())
    .addColumn("name", "text", (column) => column.notNull())
    .addColumn("config", "jsonb", (column) => column.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn("credentials_encrypted", "text", (column) => column.notNull())
    .addColumn("credentials_hint", "jsonb", (column) => column.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn("streams", "jsonb")
    .addColumn("account", "jsonb")
    .addColumn("granted_scopes", "jsonb")
    .addColumn("warnings", "jsonb", (column) => column.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn("validated_at", "timestamptz")
    .addColumn("schedule_cron", "text")
    .addColumn("schedule_timezone", "text", (column) => column.notNull().defaultTo("UTC"))
    .addColumn("next_run_at", "timestamptz")
    .addColumn("created_by", "text", (column) => column.notNull())
    .addColumn("created_at", "timestamptz", (column) => column.notNull().defaultTo(sql`now()`))
    .addColumn("updated_at", "timestamptz", (column) => column.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex("data_sources_workspace_idx").on("data_sources").column("workspace_id").execute();
  await db.schema.createIndex("data_sources_next_run_idx").on("data_sources").column("next_run_at").where(sql.ref("schedule_cron"), "is not", null).execute();
}
