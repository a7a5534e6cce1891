import { ConfigError, loadConfig, type BackendConfig } from "./config.js";
import { openDatabases, type Databases } from "./db/databases.js";
import { migrateToLatest, pendingMigrations } from "./db/migrator.js";
import { buildServer } from "./server.js";
import { runRotateEncryptionKey } from "./commands/rotate-encryption-key.js";
import { join } from "node:path";
import { RegistryError } from "./service-connectors/service-registry.js";

/**
 * `node main.js` serves the API; `node main.js migrate` applies pending migrations and exits.
 * Start-up failures are one line on stderr and a non-zero exit: the reason a pod crash-loops is then
 * the first thing its logs show.
 */
async function main(): Promise<void> {
  const command = process.argv[2] ?? "serve";
  let config: BackendConfig;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) fail(error.message);
    throw error;
  }
  const databases = await openDatabasesOrFail(config);

  if (command === "migrate") {
    const { applied } = await migrateToLatest(databases);
    console.log(applied.length > 0 ? `applied ${applied.length} migration(s): ${applied.join(", ")}` : "the databases are up to date");
    await databases.close();
    return;
  }
  if (command === "rotate-encryption-key") {
    // Re-encrypts data-source credentials under DATASOURCES_ENCRYPTION_KEY; see docs/backend-data-sources.md.
    let failed: number;
    try {
      failed = (await runRotateEncryptionKey(config, databases, (line) => console.log(line))).failed.length;
    } catch (error) {
      await databases.close();
      fail(`rotate-encryption-key failed: ${error instanceof Error ? error.message : String(error)}`);
    }
    await databases.close();
    if (failed > 0) process.exit(1);
    return;
  }
  if (command !== "serve") fail(`unknown command "${command}" (expected serve, migrate or rotate-encryption-key)`);

  if (config.enableMigrations) {
    await migrateToLatest(databases);
  } else {
    const pending = await pendingMigrations(databases);
    const names = [...pending.auth.map((name) => `auth/${name}`), ...pending.core.map((name) => `core/${name}`)];
    if (names.length > 0) {
      fail(`the database schema is behind (${names.length} pending migration(s): ${names.join(", ")}); run \`npm run migrate\` or start once with ENABLE_MIGRATIONS=true`);
    }
  }

  let app: Awaited<ReturnType<typeof buildServer>>;
  try {
    app = await buildServer(config, databases);
  } catch (error) {
    if (error instanceof RegistryError) fail(error.message);
    throw error;
  }
  const shutdown = async (signal: string) => {
    app.log.info({ signal }, "shutting down");
    await app.close();
    await databases.close();
    process.exit(0);
  };
  process.once("SIGTERM", () => void shutdown("SIGTERM"));
  process.once("SIGINT", () => void shutdown("SIGINT"));
  await app.listen({ host: config.host, port: config.port });
}

async function openDatabasesOrFail(config: BackendConfig): Promise<Databases> {
  try {
    return await openDatabases(
      config.mode === "postgres"
        ? { kind: "postgres", authUrl: config.authDatabaseUrl!, coreUrl: config.coreDatabaseUrl! }
        : { kind: "pglite", directory: join(config.dataDirectory, "pglite") },
    );
  } catch (error) {
    fail(`cannot open the databases: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

await main();
