import { randomUUID } from "node:crypto";
import { join } from "node:path";
import Fastify, { LogController } from "fastify";
import pino, { type DestinationStream } from "pino";
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from "fastify-type-provider-zod";
import type { ConnectConfig } from "./config.js";
import { loggerOptions } from "./logging.js";
import { errorHandler } from "./plugins/error-handler.js";
import { openApi } from "./plugins/openapi.js";
import { serviceTokenAuth } from "./plugins/service-token-auth.js";
import { connectorsRoutes } from "./routes/connectors-routes.js";
import { healthRoutes } from "./routes/health-routes.js";
import { mirrorConnectionsRoutes } from "./routes/mirror-connections-routes.js";
import { ingestionRunsRoutes } from "./routes/ingestion-runs-routes.js";
import { schemaMappingsRoutes } from "./routes/schema-mappings.js";
import type { IngestionSettings } from "./ingestion/ingestion-run.js";
import { ParquetConverter } from "./ingestion/parquet-converter.js";
import { RunRegistry } from "./ingestion/run-registry.js";
import { SerialQueue } from "./duckdb/duckdb-session.js";

export const serviceVersion = "0.1.0";

const requestIdPattern = /^[A-Za-z0-9._-]{1,128}$/;

export type ConnectServerConfig = Pick<
  ConnectConfig,
  | "serviceToken"
  | "logLevel"
  | "validateDeadlineMs"
  | "s3Endpoint"
  | "localStorageDirectory"
  | "spoolDirectory"
  | "duckdbMemoryLimit"
  | "partBytes"
  | "garbageGraceMs"
  | "compactionMaxRuns"
  | "duckdbThreads"
>;

export interface BuildServerOptions {
  /** Where log lines go (default: stdout). Tests pass a stream to inspect them. */
  logStream?: DestinationStream;
}

/** Builds the connect HTTP server with every route; the caller decides where it listens. */
export async function buildServer(config: ConnectServerConfig, options: BuildServerOptions = {}) {
  const app = Fastify({
    loggerInstance: pino(loggerOptions(config.logLevel), options.logStream ?? pino.destination(1)),
    // Callers may pass their own id so one request can be followed across backend and connect.
    genReqId: (request) => {
      const incoming = request.headers["x-request-id"];
      return typeof incoming === "string" && requestIdPattern.test(incoming) ? incoming : randomUUID();
    },
    logController: new LogController({ requestIdLogLabel: "request_id" }),
    bodyLimit: 1024 * 1024,
    return503OnClosing: true,
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  // Once shutdown starts, answers close their connection: a keep-alive socket left idle after the last
  // in-flight answer would otherwise hold `close()` open until the keep-alive timeout.
  let closing = false;
  app.addHook("preClose", async () => {
    closing = true;
  });
  app.addHook("onSend", async (request, reply) => {
    reply.header("x-request-id", request.id);
    if (closing) reply.header("connection", "close");
  });

  await app.register(errorHandler);
  await app.register(serviceTokenAuth, { token: config.serviceToken });
  await app.register(openApi, { version: serviceVersion });
  await app.register(healthRoutes);
  await app.register(connectorsRoutes);
  await app.register(mirrorConnectionsRoutes, { validateDeadlineMs: config.validateDeadlineMs });

  const registry = new RunRegistry();
  let converter: Promise<ParquetConverter> | undefined;
  const duckdb = { memoryLimit: config.duckdbMemoryLimit, threads: config.duckdbThreads, tempDirectory: join(config.spoolDirectory, "duckdb-temp") };
  // Conversions and catalogue builds share one queue: one DuckDB instance at a time holds the memory limit.
  const duckdbQueue = new SerialQueue();
  const ingestionSettings = async (): Promise<IngestionSettings> => {
    converter ??= ParquetConverter.create({ ...duckdb, queue: duckdbQueue });
    return {
      converter: await converter,
      spoolDirectory: config.spoolDirectory,
      partBytes: config.partBytes,
      garbageGraceMs: config.garbageGraceMs,
      recentRunsKept: 50,
      progressIntervalMs: 500,
      compaction: { maxRuns: config.compactionMaxRuns },
    };
  };
  await app.register(ingestionRunsRoutes, {
    registry,
    storage: { s3Endpoint: config.s3Endpoint, localStorageDirectory: config.localStorageDirectory },
    ingestionSettings,
  });
  await app.register(schemaMappingsRoutes, {
    storage: { s3Endpoint: config.s3Endpoint, localStorageDirectory: config.localStorageDirectory },
    duckdb,
    workDirectory: config.spoolDirectory,
    queue: duckdbQueue,
  });
  // Runs can last hours; on shutdown they are cancelled (nothing uncommitted becomes visible) and the
  // backend's queue retries them, resuming from the last committed state.
  app.addHook("preClose", async () => {
    registry.cancelAll("connect is shutting down");
  });
  app.addHook("onClose", async () => {
    if (converter) await (await converter).close();
  });
  return app;
}

export type ConnectServer = Awaited<ReturnType<typeof buildServer>>;
