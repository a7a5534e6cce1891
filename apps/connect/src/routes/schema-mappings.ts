import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { catalogueSchema, connectErrorBodySchema, schemaMappingSyncRequestSchema } from "@tributary/contracts";
import { ConnectorError, findConnector, selectStreams } from "@tributary/connectors";
import { isObjectStoreError } from "@tributary/object-store";
import { storeForTarget, type StorageSettings } from "../ingestion/object-store-factory.js";
import { buildCatalogue } from "../schema-mappings/catalogue-builder.js";
import type { SerialQueue} from "../duckdb/duckdb-session.js";
import { type DuckDbSettings } from "../duckdb/duckdb-session.js";

export interface SchemaMappingsOptions {
  storage: StorageSettings;
  /** DuckDB's limits, the same as Parquet conversion's. */
  duckdb: DuckDbSettings;
  /** Local scratch space for the downloaded Parquet files. */
  workDirectory: string;
  /** The process's DuckDB queue, shared with Parquet conversion: one instance holds the memory limit at a time. */
  queue: SerialQueue;
}

export const schemaMappingsRoutes: FastifyPluginAsyncZod<SchemaMappingsOptions> = async (app, options) => {
  const queue = options.queue;

  app.post(
    "/internal/schema-mappings/sync",
    {
      schema: {
        summary: "Rebuilds the catalogue of a connection's mirrored datasets and its entity views; stores and returns it",
        description:
          "Profiles each mirrored stream (latest row per key, deletions excluded): row count, column types, null counts, " +
          "distinct estimates, samples and freshness; applies the connector's mappings onto people, work_items, conversations " +
          "and companies, each checked against the data. Written to {prefix}{workspace}/{connection}/_catalogue.json.",
        tags: ["schema-mappings"],
        body: schemaMappingSyncRequestSchema,
        response: {
          200: catalogueSchema,
          400: connectErrorBodySchema,
          502: connectErrorBodySchema,
        },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const connector = findConnector(body.connector);
      if (!connector) {
        throw new ConnectorError("bad_request", `connector: unknown connector "${body.connector}"`, { field: "connector" });
      }
      const streams = body.streams ? selectStreams(connector, body.streams) : undefined;
      const abort = new AbortController();
      reply.raw.on("close", () => {
        if (!reply.raw.writableFinished) abort.abort(new Error("the caller closed the connection"));
      });
      const location = { prefix: body.storage.prefix, workspaceId: body.storage.workspace_id, connectionId: body.storage.connection_id };
      const store = storeForTarget(body.storage, options.storage);
      try {
        const catalogue = await queue.run(() =>
          buildCatalogue({
            connector,
            store,
            location,
            streams,
            mappingOverrides: body.mapping_overrides,
            duckdb: options.duckdb,
            workDirectory: options.workDirectory,
            signal: abort.signal,
          }),
        );
        request.log.info(
          {
            connector: connector.id,
            tables: catalogue.tables.length,
            mapping_errors: catalogue.mapping_errors.length,
          },
          "catalogue built",
        );
        return catalogue;
      } catch (error) {
        if (isObjectStoreError(error)) throw new ConnectorError("storage_error", error.message);
        throw error;
      } finally {
        // Stores are per request (per-request credentials): release the client's sockets.
        void store.close();
      }
    },
  );
};
