import type { Kysely } from "kysely";

/**
 * The schema catalogue. Placeholder: the catalogue's tables are defined by the catalogue domain
 * (apps/backend/src/catalogue); this migration is filled in with them before it is released.
 */
export async function up(_db: Kysely<unknown>): Promise<void> {}
