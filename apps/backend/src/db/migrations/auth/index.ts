import type { Migration } from "kysely";
import * as betterAuth from "./0001-better-auth.js";

/** The auth database's migrations, in order. Forward only: a released migration is never edited. */
export const authMigrations: Record<string, Migration> = {
  "0001-better-auth": betterAuth,
};
