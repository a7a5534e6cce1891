import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { Kysely } from "kysely";
import { getMigrations } from "better-auth/db/migration";
import { createAuth } from "../src/auth/auth-instance.js";
import { migrateToLatest, pendingMigrations } from "../src/db/migrator.js";
import { authMigrations } from "../src/db/migrations/auth/index.js";
import { coreMigrations } from "../src/db/migrations/core/index.js";
import { createTestDatabases, type TestDatabases } from "./support/test-databases.js";

const backendRoot = new URL("..", import.meta.url).pathname;
const opened: TestDatabases[] = [];

async function fresh(): Promise<TestDatabases> {
  const test = await createTestDatabases();
  opened.push(test);
  return test;
}

afterEach(async () => {
  await Promise.all(opened.splice(0).map((test) => test.dispose()));
});

/** Runs `src/main.ts` with an environment; resolves with its exit code and output. */
function runBackend(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts", ...args], {
      cwd: backendRoot,
      env: { PATH: process.env.PATH ?? "", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("migrations", () => {
  it("apply from empty in order, and a second run applies nothing", async () => {
    const { databases } = await fresh();
    expect(await pendingMigrations(databases)).toEqual({ auth: Object.keys(authMigrations), core: Object.keys(coreMigrations) });
    const first = await migrateToLatest(databases);
    expect(first.applied).toEqual([...Object.keys(authMigrations).map((name) => `auth/${name}`), ...Object.keys(coreMigrations).map((name) => `core/${name}`)]);
    expect(await pendingMigrations(databases)).toEqual({ auth: [], core: [] });
    expect((await migrateToLatest(databases)).applied).toEqual([]);
  });

  it("run once when two replicas migrate at the same time", async () => {
    const test = await fresh();
    // A second set of connections to the same databases: another replica.
    const other =
      test.urls === undefined
        ? test.databases
        : await (await import("../src/db/databases.js")).openDatabases({ kind: "postgres", authUrl: test.urls.auth, coreUrl: test.urls.core, poolSize: 2 });
    try {
      const [a, b] = await Promise.all([migrateToLatest(test.databases), migrateToLatest(other)]);
      const total = Object.keys(authMigrations).length + Object.keys(coreMigrations).length;
      expect(a.applied.length + b.applied.length).toBe(total);
      expect(await pendingMigrations(test.databases)).toEqual({ auth: [], core: [] });
    } finally {
      if (other !== test.databases) await other.close();
    }
  });

  it("leave better-auth nothing to create or add (the versioned auth schema matches what it expects)", async () => {
    const { databases } = await fresh();
    await migrateToLatest(databases);
    createAuth({ betterAuthSecret: "x".repeat(40), betterAuthUrl: "http://127.0.0.1:3000", frontendUrl: "http://127.0.0.1:8080", google: undefined }, databases);
    const drift = await getMigrations({
      database: { db: databases.auth as unknown as Kysely<unknown>, type: "postgres" },
      secret: "x".repeat(40),
      baseURL: "http://127.0.0.1:3000",
      emailAndPassword: { enabled: true },
      rateLimit: { enabled: true, storage: "database" },
    });
    expect(drift.toBeCreated.map((table) => table.table)).toEqual([]);
    expect(drift.toBeAdded.map((table) => table.table)).toEqual([]);
  });
});

describe("the backend process", () => {
  const production = (urls: { auth: string; core: string }, extra: Record<string, string> = {}) => ({
    DATABASE_URL: urls.auth,
    CORE_DATABASE_URL: urls.core,
    BETTER_AUTH_SECRET: "s".repeat(64),
    BETTER_AUTH_URL: "http://127.0.0.1:3000",
    FRONTEND_URL: "http://127.0.0.1:8080",
    CONNECT_SERVICE_TOKEN: "t",
    DATASOURCES_ENCRYPTION_KEY: "b".repeat(64),
    PORT: "0",
    ...extra,
  });

  it("refuses to serve with ENABLE_MIGRATIONS=false and a schema behind, and `migrate` brings it up to date", async () => {
    const test = await fresh();
    const env = test.urls
      ? production(test.urls, { ENABLE_MIGRATIONS: "false" })
      : // Embedded: the PGlite folder of a data directory, never migrated.
        { TRIBUTARY_DATA_DIR: mkdtempSync(join(tmpdir(), "tributary-migrate-")), ENABLE_MIGRATIONS: "false", PORT: "0" };
    const refused = await runBackend([], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim()).toMatch(/^the database schema is behind \(\d+ pending migration\(s\): auth\/0001-better-auth, .*\); run `npm run migrate` or start once with ENABLE_MIGRATIONS=true$/);
    const migrated = await runBackend(["migrate"], env);
    expect(migrated.code).toBe(0);
    expect(migrated.stdout).toContain("applied");
    const again = await runBackend(["migrate"], env);
    expect(again.stdout.trim()).toBe("the databases are up to date");
  }, 60_000);

  it("stops at start with one line naming a missing or malformed variable", async () => {
    const missing = await runBackend([], { DATABASE_URL: "postgres://x@127.0.0.1:1/a", PORT: "0" });
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim()).toBe("CORE_DATABASE_URL must be set");
    const malformed = await runBackend([], { DATASOURCES_ENCRYPTION_KEY: "abc", PORT: "0" });
    expect(malformed.code).toBe(1);
    expect(malformed.stderr.trim()).toBe("DATASOURCES_ENCRYPTION_KEY must be 64 hexadecimal characters (openssl rand -hex 32)");
    expect(malformed.stderr).not.toContain("abc");
  }, 30_000);
});
