import { sql, type Kysely } from "kysely";

/**
 * Service connectors (apps/backend/src/service-connectors): each user's keys to internal services,
 * encrypted like data-source credentials; revocations still owed to a service that was down; an audit
 * log of connects and disconnects; and the CLI's device logins.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("service_connections")
    .addColumn("user_id", "text", (column) => column.notNull())
    .addColumn("service_id", "text", (column) => column.notNull())
    .addColumn("user_email", "text", (column) => column.notNull())
    .addColumn("api_key_encrypted", "text", (column) => column.notNull())
    .addColumn("api_key_hint", "text", (column) => column.notNull())
    .addColumn("token_id", "text", (column) => column.notNull())
    .addColumn("connected_at", "timestamptz", (column) => column.notNull())
    .addColumn("expires_at", "timestamptz", (column) => column.notNull())
    .addPrimaryKeyConstraint("service_connections_pkey", ["user_id", "service_id"])
    .execute();

  await db.schema
    .createTable("service_token_revocations")
    .addColumn("id", "uuid", (column) => column.primaryKey())
    .addColumn("service_id", "text", (column) => column.notNull())
    .addColumn("token_id", "text", (column) => column.notNull())
    .addColumn("user_id", "text", (column) => column.notNull())
    .addColumn("attempts", "integer", (column) => column.notNull().defaultTo(0))
    .addColumn("next_attempt_at", "timestamptz", (column) => column.notNull())
    .addColumn("last_error", "text")
    .addColumn("created_at", "timestamptz", (column) => column.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex("service_token_revocations_due_idx").on("service_token_revocations").column("next_attempt_at").execute();

  await db.schema
    .createTable("service_connector_audit")
    .addColumn("id", "uuid", (column) => column.primaryKey())
    .addColumn("user_id", "text", (column) => column.notNull())
    .addColumn("service_id", "text", (column) => column.notNull())
    .addColumn("action", "text", (column) => column.notNull().check(sql`action in ('connect', 'reconnect', 'disconnect', 'revoke', 'revoke_failed')`))
    .addColumn("token_id", "text")
    .addColumn("detail", "text")
    .addColumn("created_at", "timestamptz", (column) => column.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex("service_connector_audit_user_idx").on("service_connector_audit").columns(["user_id", "created_at"]).execute();

  await db.schema
    .createTable("cli_device_codes")
    .addColumn("id", "uuid", (column) => column.primaryKey())
    .addColumn("device_code_hash", "text", (column) => column.notNull().unique())
    .addColumn("user_code", "text", (column) => column.notNull().unique())
    .addColumn("created_at", "timestamptz", (column) => column.notNull().defaultTo(sql`now()`))
    .addColumn("expires_at", "timestamptz", (column) => column.notNull())
    .addColumn("approved_by", "text")
    .addColumn("denied", "boolean", (column) => column.notNull().defaultTo(false))
    .addColumn("last_polled_at", "timestamptz")
    .addColumn("redeemed_at", "timestamptz")
    .execute();
}
