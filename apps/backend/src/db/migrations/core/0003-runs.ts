import { sql, type Kysely } from "kysely";

/**
 * Ingestion runs and the committed snapshots. The backend owns the durable record of what each stream
 * has committed (files, manifest version, connector state): a run starts from it, and it is written in
 * the same transaction as the run's stream progress when connect reports the stream committed.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("ingestion_runs")
    .addColumn("id", "uuid", (column) => column.primaryKey())
    .addColumn("workspace_id", "uuid", (column) => column.notNull().references("workspaces.id").onDelete("cascade"))
    .addColumn("data_source_id", "uuid", (column) => column.notNull().references("data_sources.id").onDelete("cascade"))
    .addColumn("status", "text", (column) => column.notNull().check(sql`status in ('queued', 'running', 'succeeded', 'partially_succeeded', 'failed', 'cancelled')`))
    .addColumn("trigger", "text", (column) => column.notNull().check(sql`trigger in ('manual', 'schedule', 'retry')`))
    .addColumn("triggered_by", "text")
    .addColumn("sync_mode", "text", (column) => column.notNull().defaultTo("incremental"))
    .addColumn("streams", "jsonb")
    .addColumn("attempt", "integer", (column) => column.notNull().defaultTo(1))
    .addColumn("cancel_requested_at", "timestamptz")
    .addColumn("created_at", "timestamptz", (column) => column.notNull().defaultTo(sql`now()`))
    .addColumn("started_at", "timestamptz")
    .addColumn("finished_at", "timestamptz")
    .addColumn("heartbeat_at", "timestamptz")
    .addColumn("progress", "jsonb", (column) => column.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn("stats", "jsonb")
    .addColumn("error", "jsonb")
    .execute();
  await db.schema.createIndex("ingestion_runs_source_idx").on("ingestion_runs").columns(["data_source_id", "created_at"]).execute();
  // One active run per data source, enforced by the database whatever the number of replicas.
  await sql`create unique index ingestion_runs_one_active on ingestion_runs (data_source_id) where status in ('queued', 'running')`.execute(db);

  await db.schema
    .createTable("stream_snapshots")
    .addColumn("data_source_id", "uuid", (column) => column.notNull().references("data_sources.id").onDelete("cascade"))
    .addColumn("stream", "text", (column) => column.notNull())
    .addColumn("workspace_id", "uuid", (column) => column.notNull())
    .addColumn("run_id", "uuid", (column) => column.notNull())
    .addColumn("manifest_version", "integer", (column) => column.notNull())
    .addColumn("state", "jsonb", (column) => column.notNull())
    .addColumn("files", "jsonb", (column) => column.notNull())
    .addColumn("records", "bigint", (column) => column.notNull().defaultTo(0))
    .addColumn("committed_at", "timestamptz", (column) => column.notNull())
    .addPrimaryKeyConstraint("stream_snapshots_pkey", ["data_source_id", "stream"])
    .execute();
}
