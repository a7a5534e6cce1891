import { randomBytes } from "node:crypto";
import pg from "pg";
import { openDatabases, type Databases } from "../../src/db/databases.js";

export interface TestDatabases {
  databases: Databases;
  /** Connection strings when on the machine's PostgreSQL (TEST_DATABASE_URL), for spawned processes. */
  urls: { auth: string; core: string } | undefined;
  /** Closes the connections and drops the databases this created. */
  dispose(): Promise<void>;
}

/**
 * Two fresh, empty databases for a test file: on the machine's PostgreSQL when TEST_DATABASE_URL is set
 * (as `.ci/run` does), created with unique names and dropped afterwards; in-memory PGlite otherwise.
 */
export async function createTestDatabases(): Promise<TestDatabases> {
  const adminUrl = process.env.TEST_DATABASE_URL;
  if (!adminUrl) {
    const databases = await openDatabases({ kind: "pglite", directory: undefined });
    return { databases, urls: undefined, dispose: () => databases.close() };
  }
  const suffix = randomBytes(6).toString("hex");
  const names = { auth: `tributary_test_${suffix}_auth`, core: `tributary_test_${suffix}_core` };
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`create database ${names.auth}`);
    await admin.query(`create database ${names.core}`);
  } finally {
    await admin.end();
  }
  const urlOf = (name: string) => {
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    return url.toString();
  };
  const urls = { auth: urlOf(names.auth), core: urlOf(names.core) };
  const databases = await openDatabases({ kind: "postgres", authUrl: urls.auth, coreUrl: urls.core, poolSize: 5 });
  return {
    databases,
    urls,
    dispose: async () => {
      await databases.close();
      const cleanup = new pg.Client({ connectionString: adminUrl });
      await cleanup.connect();
      try {
        await cleanup.query(`drop database if exists ${names.auth} with (force)`);
        await cleanup.query(`drop database if exists ${names.core} with (force)`);
      } finally {
        await cleanup.end();
      }
    },
  };
}
