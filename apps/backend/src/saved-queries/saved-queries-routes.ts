import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import type { AppContext } from "../app-context.js";
import { pageQuerySchema, pageSchema } from "../pagination.js";
import { clientGone, sendAnswer } from "../query/query-reply.js";
import type { QueryService } from "../query/query-service.js";
import { workspaceIdParams } from "../workspaces/workspaces-schemas.js";
import { createSavedQueryBody, runSavedQueryBody, savedQueryParams, savedQuerySchema, updateSavedQueryBody } from "./saved-queries-schemas.js";
import { SavedQueriesService } from "./saved-queries-service.js";

const tags = ["saved queries"];
const base = "/api/workspaces/:workspaceId/saved-queries";

export async function savedQueriesRoutes(instance: FastifyInstance, { context, queries }: { context: AppContext; queries: QueryService }): Promise<void> {
  const app = instance.withTypeProvider<ZodTypeProvider>();
  const service = new SavedQueriesService(context.databases.core);
  const user = context.requireUser;

  app.post(base, { schema: { tags, params: workspaceIdParams, body: createSavedQueryBody, response: { 201: savedQuerySchema } } }, async (request, reply) => {
    const saved = await service.create((await user(request)).id, request.params.workspaceId, request.body);
    return reply.code(201).send(saved);
  });

  app.get(base, { schema: { tags, params: workspaceIdParams, querystring: pageQuerySchema, response: { 200: pageSchema(savedQuerySchema) } } }, async (request) =>
    service.list((await user(request)).id, request.params.workspaceId, request.query),
  );

  app.get(`${base}/:savedQueryId`, { schema: { tags, params: savedQueryParams, response: { 200: savedQuerySchema } } }, async (request) =>
    service.get((await user(request)).id, request.params.workspaceId, request.params.savedQueryId),
  );

  app.patch(`${base}/:savedQueryId`, { schema: { tags, params: savedQueryParams, body: updateSavedQueryBody, response: { 200: savedQuerySchema } } }, async (request) =>
    service.update((await user(request)).id, request.params.workspaceId, request.params.savedQueryId, request.body),
  );

  app.delete(`${base}/:savedQueryId`, { schema: { tags, params: savedQueryParams } }, async (request, reply) => {
    await service.remove((await user(request)).id, request.params.workspaceId, request.params.savedQueryId);
    return reply.code(204).send();
  });

  app.post(
    `${base}/:savedQueryId/run`,
    { schema: { tags, params: savedQueryParams, body: runSavedQueryBody, description: "Runs the saved SQL with this request's params, limit and format (as POST …/query)." } },
    async (request, reply) => {
      const me = await user(request);
      const { workspaceId, savedQueryId } = request.params;
      const saved = await service.get(me.id, workspaceId, savedQueryId);
      const answer = await queries.run(me.id, workspaceId, { ...request.body, sql: saved.sql }, { signal: clientGone(reply), savedQueryId });
      return sendAnswer(reply, answer);
    },
  );
}
