import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import type { AuthSchema } from "./auth-schema.js";
import type { CoreSchema } from "./core-schema.js";

/**
 * The backend's two databases. In production both are PostgreSQL behind `pg` pools; embedded, each is a
 * PGlite database under the data folder. Everything above this file sees the same Kysely instances;
 * `executeSql` is the raw door the job queue (pg-boss) uses.
 */
export interface Databases {
  kind: "postgres" | "pglite";
  auth: Kysely<AuthSchema>;
  core: Kysely<CoreSchema>;
  /** Raw SQL on the core database, for libraries that bring their own queries (pg-boss). */
  executeCoreSql(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
  close(): Promise<void>;
}

export type DatabaseLocation =
  | { kind: "postgres"; authUrl: string; coreUrl: string; poolSize?: number }
  | { kind: "pglite"; directory: string | undefined };

export async function openDatabases(location: DatabaseLocation): Promise<Databases> {
  if (location.kind === "postgres") {
    const authPool = new pg.Pool({ connectionString: location.authUrl, max: location.poolSize ?? 10 });
    const corePool = new pg.Pool({ connectionString: location.coreUrl, max: location.poolSize ?? 10 });
    // An idle client's error (the server restarted) must not crash the process; the pool replaces it.
    authPool.on("error", () => undefined);
    corePool.on("error", () => undefined);
    return {
      kind: "postgres",
      auth: new Kysely<AuthSchema>({ dialect: new PostgresDialect({ pool: authPool }) }),
      core: new Kysely<CoreSchema>({ dialect: new PostgresDialect({ pool: corePool }) }),
      executeCoreSql: async (text, values) => corePool.query(text, values as unknown[]),
      close: async () => {
        await Promise.all([authPool.end(), corePool.end()]);
      },
    };
  }
  // Loaded only for embedded installs: production never pays for the WebAssembly build.
  const [{ PGlite }, { PGliteDialect }] = await Promise.all([import("@electric-sql/pglite"), import("kysely-pglite-dialect")]);
  const open = (name: string) => {
    if (!location.directory) return new PGlite();
    const directory = join(location.directory, name);
    mkdirSync(directory, { recursive: true });
    return new PGlite(directory);
  };
  const authLite = open("auth");
  const coreLite = open("core");
  await Promise.all([authLite.waitReady, coreLite.waitReady]);
  return {
    kind: "pglite",
    auth: new Kysely<AuthSchema>({ dialect: new PGliteDialect(authLite) }),
    core: new Kysely<CoreSchema>({ dialect: new PGliteDialect(coreLite) }),
    executeCoreSql: async (text, values) => {
      // pg-boss sends multi-statement scripts (its own migrations) without parameters.
      if (!values || values.length === 0) {
        const results = await coreLite.exec(text);
        return { rows: results.at(-1)?.rows ?? [] };
      }
      return coreLite.query(text, values);
    },
    close: async () => {
      await Promise.all([authLite.close(), coreLite.close()]);
    },
  };
}
