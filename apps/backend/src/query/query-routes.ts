import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import type { AppContext } from "../app-context.js";
import { pageQuerySchema, pageSchema } from "../pagination.js";
import { clientGone, sendAnswer } from "./query-reply.js";
import { historyEntrySchema, queryBody, queryParams, schemaListingSchema } from "./query-schemas.js";
import type { QueryService } from "./query-service.js";

const tags = ["query"];

/**
 * SQL over the workspace's mirror: run a query (JSON, or exported as CSV, JSON lines or Parquet), list
 * what SQL can see, read one's own history. Any member may query; the service does the rest.
 */
export async function queryRoutes(instance: FastifyInstance, { context, service }: { context: AppContext; service: QueryService }): Promise<void> {
  const app = instance.withTypeProvider<ZodTypeProvider>();
  const user = context.requireUser;

  app.post(
    "/api/workspaces/:workspaceId/query",
    {
      schema: {
        tags,
        params: queryParams,
        body: queryBody,
        description:
          "Runs one read-only SQL statement over the workspace's views (`<data source>.<stream>`, `entities.<entity>`). " +
          "format json answers a QueryResult document (streamed); ndjson, csv and parquet stream an export.",
      },
    },
    async (request, reply) => {
      const me = await user(request);
      const answer = await service.run(me.id, request.params.workspaceId, request.body, { signal: clientGone(reply) });
      request.log.info({ query_id: answer.queryId, format: request.body.format }, "query started");
      return sendAnswer(reply, answer);
    },
  );

  app.get(
    "/api/workspaces/:workspaceId/query/schema",
    { schema: { tags, params: queryParams, response: { 200: schemaListingSchema } } },
    async (request) => service.listing((await user(request)).id, request.params.workspaceId),
  );

  app.get(
    "/api/workspaces/:workspaceId/query/history",
    { schema: { tags, params: queryParams, querystring: pageQuerySchema, response: { 200: pageSchema(historyEntrySchema) } } },
    async (request) => service.historyOf((await user(request)).id, request.params.workspaceId, request.query),
  );
}
