import { PassThrough } from "node:stream";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { connectErrorBodySchema, ingestionRunRequestSchema, type IngestionEvent } from "@tributary/contracts";
import { ConnectorError, findConnector, parseConnectorInput, type StreamState } from "@tributary/connectors";
import { runIngestion, type IngestionSettings } from "../ingestion/ingestion-run.js";
import { storeForTarget, type StorageSettings } from "../ingestion/object-store-factory.js";
import type { RunRegistry } from "../ingestion/run-registry.js";
import { resolveStreamSelection } from "../ingestion/stream-selection.js";

export interface IngestionRunsOptions {
  registry: RunRegistry;
  storage: StorageSettings;
  /** Created on first use: an idle connect does not pay DuckDB's memory. */
  ingestionSettings: () => Promise<IngestionSettings>;
}

export const ingestionRunsRoutes: FastifyPluginAsyncZod<IngestionRunsOptions> = async (app, options) => {
  app.post(
    "/internal/ingestion-runs",
    {
      schema: {
        summary: "Runs an ingestion; answers a stream of NDJSON progress events",
        description:
          "Events: run_started, stream_started, progress, checkpoint, stream_committed, stream_skipped, stream_failed, " +
          "then run_completed, run_cancelled or run_failed. Idempotent by run_id; cancel with POST /internal/ingestion-runs/{run_id}/cancel " +
          "or by closing the connection.",
        tags: ["ingestion-runs"],
        body: ingestionRunRequestSchema,
      },
    },
    async (request, reply) => {
      const body = request.body;
      const connector = findConnector(body.connector);
      if (!connector) {
        throw new ConnectorError("unknown_connector", `Unknown connector "${body.connector}"`, { field: "connector" });
      }
      // Everything that can be refused is checked before the first event, so bad input is a plain 4xx.
      const credentials = parseConnectorInput(connector.credentialsSchema, body.credentials, "credentials");
      const config = parseConnectorInput(connector.configSchema, body.config, "config");
      const streams = resolveStreamSelection(connector, body.streams);
      const settings = await options.ingestionSettings();
      const connectionKey = `${body.storage.kind}:${body.storage.prefix}${body.storage.workspace_id}/${body.storage.connection_id}`;
      const controller = options.registry.start(body.run_id, connectionKey);
      const store = storeForTarget(body.storage, options.storage);

      const events = new PassThrough();
      // Once the caller is gone the stream is destroyed; the run is being cancelled and its last events
      // have nowhere to go.
      events.on("error", () => undefined);
      let finished = false;
      reply.raw.on("close", () => {
        if (!finished) options.registry.cancel(body.run_id, "the caller closed the connection");
      });
      const emit = (event: IngestionEvent) => {
        if (!events.destroyed && !events.writableEnded) events.write(`${JSON.stringify(event)}\n`);
        if (event.type !== "progress") request.log.info({ event: event.type, stream: "stream" in event ? event.stream : undefined }, "ingestion event");
      };

      void runIngestion(
        {
          runId: body.run_id,
          connector,
          credentials,
          config,
          streams,
          state: body.state as Record<string, StreamState> | undefined,
          store,
          location: {
            prefix: body.storage.prefix,
            workspaceId: body.storage.workspace_id,
            connectionId: body.storage.connection_id,
          },
          deadlineAt: Date.now() + body.deadline_seconds * 1000,
          signal: controller.signal,
          logger: request.log,
        },
        settings,
        emit,
      ).finally(() => {
        finished = true;
        options.registry.finish(body.run_id);
        events.end();
        // Stores are per request (per-request credentials): release the client's sockets.
        void store.close();
      });

      return reply.code(200).header("content-type", "application/x-ndjson; charset=utf-8").header("cache-control", "no-store").send(events);
    },
  );

  app.post(
    "/internal/ingestion-runs/:run_id/cancel",
    {
      schema: {
        summary: "Cancels a run in progress; nothing it has not committed becomes visible",
        tags: ["ingestion-runs"],
        params: z.object({ run_id: z.string().min(1).max(128) }),
        response: { 202: z.object({ status: z.literal("cancelling") }), 404: connectErrorBodySchema },
      },
    },
    async (request, reply) => {
      if (!options.registry.cancel(request.params.run_id, "cancelled by the caller")) {
        throw new ConnectorError("not_found", `No run ${request.params.run_id} is in progress on this connect instance`, { field: "run_id" });
      }
      return reply.code(202).send({ status: "cancelling" as const });
    },
  );
};
