import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { ApiError } from "../api-error.js";
import type { AppContext } from "../app-context.js";
import { pageQuerySchema, pageSchema } from "../pagination.js";
import { workspaceIdParams } from "../workspaces/workspaces-schemas.js";
import { ConnectorsCatalog } from "./connectors-catalog.js";
import {
  connectorsResponseSchema,
  createDataSourceBody,
  dataSourceParams,
  dataSourceSchema,
  updateDataSourceBody,
  validateDataSourceBody,
  validationResultSchema,
} from "./data-sources-schemas.js";
import { DataSourcesService } from "./data-sources-service.js";

const tags = ["data-sources"];

/**
 * Data sources: CRUD with credentials validated through connect and encrypted at rest, and the
 * connector catalogue the forms are built from. Thin handlers over DataSourcesService; bodies are never
 * logged (they carry credentials).
 */
export async function dataSourcesRoutes(base: FastifyInstance, { context }: { context: AppContext }): Promise<void> {
  const app = base.withTypeProvider<ZodTypeProvider>();
  const catalog = new ConnectorsCatalog(context.connect);
  const service = new DataSourcesService(context, catalog);
  const user = context.requireUser;

  // A provider's rate limit says when to come back, as a header too (this plugin's routes only).
  app.addHook("onError", async (_request, reply, error) => {
    if (error instanceof ApiError && error.code === "rate_limited" && typeof error.details.retry_after_seconds === "number") {
      reply.header("retry-after", String(Math.max(0, Math.ceil(error.details.retry_after_seconds))));
    }
  });

  app.get("/api/connectors", { schema: { tags: ["connectors"], response: { 200: connectorsResponseSchema } } }, async (request) => {
    await user(request);
    return { connectors: await catalog.list(request.id) };
  });

  app.post(
    "/api/workspaces/:workspaceId/data-sources/validate",
    { schema: { tags, params: workspaceIdParams, body: validateDataSourceBody, response: { 200: validationResultSchema } } },
    async (request) => service.validate((await user(request)).id, request.params.workspaceId, request.body, request.id),
  );

  app.post(
    "/api/workspaces/:workspaceId/data-sources",
    { schema: { tags, params: workspaceIdParams, body: createDataSourceBody, response: { 201: dataSourceSchema } } },
    async (request, reply) => {
      const me = await user(request);
      const created = await service.create(me.id, request.params.workspaceId, request.body, request.id);
      request.log.info({ data_source_id: created.id, connector: created.connector }, "data source created");
      return reply.code(201).send(created);
    },
  );

  app.get(
    "/api/workspaces/:workspaceId/data-sources",
    { schema: { tags, params: workspaceIdParams, querystring: pageQuerySchema, response: { 200: pageSchema(dataSourceSchema) } } },
    async (request) => service.list((await user(request)).id, request.params.workspaceId, request.query),
  );

  app.get("/api/workspaces/:workspaceId/data-sources/:dataSourceId", { schema: { tags, params: dataSourceParams, response: { 200: dataSourceSchema } } }, async (request) =>
    service.get((await user(request)).id, request.params.workspaceId, request.params.dataSourceId),
  );

  app.patch(
    "/api/workspaces/:workspaceId/data-sources/:dataSourceId",
    { schema: { tags, params: dataSourceParams, body: updateDataSourceBody, response: { 200: dataSourceSchema } } },
    async (request) => {
      const me = await user(request);
      const updated = await service.update(me.id, request.params.workspaceId, request.params.dataSourceId, request.body, request.id);
      request.log.info({ data_source_id: updated.id, fields: Object.keys(request.body) }, "data source updated");
      return updated;
    },
  );

  app.delete("/api/workspaces/:workspaceId/data-sources/:dataSourceId", { schema: { tags, params: dataSourceParams } }, async (request, reply) => {
    await service.remove((await user(request)).id, request.params.workspaceId, request.params.dataSourceId);
    request.log.info({ data_source_id: request.params.dataSourceId }, "data source deleted");
    return reply.code(204).send();
  });

  app.post(
    "/api/workspaces/:workspaceId/data-sources/:dataSourceId/validate",
    { schema: { tags, params: dataSourceParams, response: { 200: validationResultSchema.extend({ data_source: dataSourceSchema }) } } },
    async (request) => service.revalidate((await user(request)).id, request.params.workspaceId, request.params.dataSourceId, request.id),
  );
}
