import { sql, type Kysely } from "kysely";

/**
 * Workspaces, their members and invitations, and personal access tokens. Users live in the auth
 * database, so `user_id` columns are plain text: no foreign key crosses the two databases.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("workspaces")
    .addColumn("id", "uuid", (column) => column.primaryKey())
    .addColumn("name", "text", (column) => column.notNull())
    .addColumn("created_by", "text", (column) => column.notNull())
    .addColumn("created_at", "timestamptz", (column) => column.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createTable("workspace_members")
    .addColumn("workspace_id", "uuid", (column) => column.notNull().references("workspaces.id").onDelete("cascade"))
    .addColumn("user_id", "text", (column) => column.notNull())
    .addColumn("role", "text", (column) => column.notNull().check(sql`role in ('owner', 'admin', 'analyst', 'viewer')`))
    .addColumn("created_at", "timestamptz", (column) => column.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint("workspace_members_pkey", ["workspace_id", "user_id"])
    .execute();
  await db.schema.createIndex("workspace_members_user_idx").on("workspace_members").column("user_id").execute();
  await db.schema
    .createTable("workspace_invitations")
    .addColumn("id", "uuid", (column) => column.primaryKey())
    .addColumn("workspace_id", "uuid", (column) => column.notNull().references("workspaces.id").onDelete("cascade"))
    .addColumn("email", "text", (column) => column.notNull())
    .addColumn("role", "text", (column) => column.notNull().check(sql`role in ('admin', 'analyst', 'viewer')`))
    .addColumn("token_hash", "text", (column) => column.notNull().unique())
    .addColumn("invited_by", "text", (column) => column.notNull())
    .addColumn("created_at", "timestamptz", (column) => column.notNull().defaultTo(sql`now()`))
    .addColumn("expires_at", "timestamptz", (column) => column.notNull())
    .addColumn("accepted_at", "timestamptz")
    .addColumn("revoked_at", "timestamptz")
    .execute();
  await db.schema.createIndex("workspace_invitations_workspace_idx").on("workspace_invitations").column("workspace_id").execute();
  await db.schema
    .createTable("access_tokens")
    .addColumn("id", "uuid", (column) => column.primaryKey())
    .addColumn("user_id", "text", (column) => column.notNull())
    .addColumn("name", "text", (column) => column.notNull())
    .addColumn("token_hash", "text", (column) => column.notNull().unique())
    .addColumn("last_four", "text", (column) => column.notNull())
    .addColumn("created_at", "timestamptz", (column) => column.notNull().defaultTo(sql`now()`))
    .addColumn("expires_at", "timestamptz")
    .addColumn("last_used_at", "timestamptz")
    .addColumn("revoked_at", "timestamptz")
    .execute();
  await db.schema.createIndex("access_tokens_user_idx").on("access_tokens").column("user_id").execute();
}
