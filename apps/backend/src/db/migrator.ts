import { Migrator, type Kysely, type Migration, type MigrationResultSet } from "kysely";
import type { Databases } from "./databases.js";
import { authMigrations } from "./migrations/auth/index.js";
import { coreMigrations } from "./migrations/core/index.js";

function migratorFor(db: Kysely<unknown>, migrations: Record<string, Migration>): Migrator {
  return new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    migrationTableName: "tributary_migrations",
    migrationLockTableName: "tributary_migrations_lock",
  });
}

export interface PendingMigrations {
  auth: string[];
  core: string[];
}

/** Migrations not yet applied to each database. */
export async function pendingMigrations(databases: Databases): Promise<PendingMigrations> {
  const pending = async (db: Kysely<unknown>, migrations: Record<string, Migration>) =>
    (await migratorFor(db, migrations).getMigrations()).filter((migration) => !migration.executedAt).map((migration) => migration.name);
  return {
    auth: await pending(databases.auth as Kysely<unknown>, authMigrations),
    core: await pending(databases.core as Kysely<unknown>, coreMigrations),
  };
}

export class MigrationError extends Error {
  override name = "MigrationError";
}

/**
 * Brings both databases up to date. Kysely's migrator holds a PostgreSQL advisory lock (inside a
 * transaction) while it works, so replicas starting together run each migration once; the others wait
 * and find nothing left to do.
 */
export async function migrateToLatest(databases: Databases): Promise<{ applied: string[] }> {
  const applied: string[] = [];
  for (const [name, db, migrations] of [
    ["auth", databases.auth as Kysely<unknown>, authMigrations],
    ["core", databases.core as Kysely<unknown>, coreMigrations],
  ] as const) {
    const result: MigrationResultSet = await migratorFor(db, migrations).migrateToLatest();
    for (const step of result.results ?? []) if (step.status === "Success") applied.push(`${name}/${step.migrationName}`);
    if (result.error) {
      const failed = result.results?.find((step) => step.status === "Error")?.migrationName ?? "unknown";
      const reason = result.error instanceof Error ? result.error.message : String(result.error);
      throw new MigrationError(`migration ${name}/${failed} failed: ${reason}`);
    }
  }
  return { applied };
}
