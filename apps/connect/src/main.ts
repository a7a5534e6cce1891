import { ConfigError, loadConfig } from "./config.js";
import { buildServer } from "./server.js";

/** How long in-flight requests get to finish after SIGTERM before the process exits anyway. */
const shutdownGraceMs = 10_000;

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }

  const app = await buildServer(config);
  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, "shutting down: finishing in-flight requests");
    const forced = setTimeout(() => {
      app.log.error({ graceMs: shutdownGraceMs }, "in-flight requests did not finish in time; exiting");
      process.exit(1);
    }, shutdownGraceMs);
    forced.unref();
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        app.log.error({ err: error }, "error while shutting down");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));

  try {
    await app.listen({ host: config.host, port: config.port });
  } catch (error) {
    const code = (error as { code?: string }).code;
    console.error(code === "EADDRINUSE" ? `PORT ${config.port} is already in use on ${config.host}` : `cannot listen on ${config.host}:${config.port}: ${(error as Error).message}`);
    process.exit(1);
  }
}

void main();
