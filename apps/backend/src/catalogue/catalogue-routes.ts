import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import type { AppContext } from "../app-context.js";
import { pageSchema } from "../pagination.js";
import { workspaceIdParams } from "../workspaces/workspaces-schemas.js";
import {
  columnParams,
  dataSourceCatalogueParams,
  dataSourceCatalogueSchema,
  descriptionEditBody,
  mappingEditBody,
  mappingParams,
  tableParams,
  workspaceCatalogueQuery,
  workspaceCatalogueTableSchema,
  workspaceEntitiesSchema,
} from "./catalogue-schemas.js";
import { CatalogueService } from "./catalogue-service.js";

const tags = ["catalogue"];
const base = "/api/workspaces/:workspaceId/data-sources/:dataSourceId/catalogue";

/**
 * The schema catalogue: synced from connect after each run (and on demand), with users' descriptions
 * and mapping edits merged into every read. Viewers read; analysts and above sync and edit. Thin
 * handlers over CatalogueService.
 */
export async function catalogueRoutes(instance: FastifyInstance, { context }: { context: AppContext }): Promise<void> {
  const app = instance.withTypeProvider<ZodTypeProvider>();
  const service = new CatalogueService(context);
  const user = context.requireUser;

  app.post(`${base}/sync`, { schema: { tags, params: dataSourceCatalogueParams, response: { 200: dataSourceCatalogueSchema } } }, async (request) => {
    const me = await user(request);
    const catalogue = await service.sync(me.id, request.params.workspaceId, request.params.dataSourceId, request.id);
    request.log.info({ data_source_id: request.params.dataSourceId, tables: catalogue.tables.length, mapping_errors: catalogue.mapping_errors.length }, "catalogue synced");
    return catalogue;
  });

  app.get(base, { schema: { tags, params: dataSourceCatalogueParams, response: { 200: dataSourceCatalogueSchema } } }, async (request) =>
    service.get((await user(request)).id, request.params.workspaceId, request.params.dataSourceId),
  );

  app.patch(
    `${base}/tables/:table`,
    { schema: { tags, params: tableParams, body: descriptionEditBody, response: { 200: dataSourceCatalogueSchema } } },
    async (request) => {
      const { workspaceId, dataSourceId, table } = request.params;
      return service.editTable((await user(request)).id, workspaceId, dataSourceId, table, request.body.description);
    },
  );

  app.patch(
    `${base}/tables/:table/columns/:column`,
    { schema: { tags, params: columnParams, body: descriptionEditBody, response: { 200: dataSourceCatalogueSchema } } },
    async (request) => {
      const { workspaceId, dataSourceId, table, column } = request.params;
      return service.editColumn((await user(request)).id, workspaceId, dataSourceId, table, column, request.body.description);
    },
  );

  app.put(
    `${base}/entities/:entity/streams/:stream`,
    { schema: { tags, params: mappingParams, body: mappingEditBody, response: { 200: dataSourceCatalogueSchema } } },
    async (request) => {
      const { workspaceId, dataSourceId, entity, stream } = request.params;
      const me = await user(request);
      const catalogue = await service.editMapping(me.id, workspaceId, dataSourceId, entity, stream, request.body, request.id);
      request.log.info({ data_source_id: dataSourceId, entity, stream, fields: Object.keys(request.body) }, "catalogue mapping edited");
      return catalogue;
    },
  );

  app.get(
    "/api/workspaces/:workspaceId/catalogue",
    { schema: { tags, params: workspaceIdParams, querystring: workspaceCatalogueQuery, response: { 200: pageSchema(workspaceCatalogueTableSchema) } } },
    async (request) => service.workspaceTables((await user(request)).id, request.params.workspaceId, request.query),
  );

  app.get(
    "/api/workspaces/:workspaceId/catalogue/entities",
    { schema: { tags, params: workspaceIdParams, response: { 200: workspaceEntitiesSchema } } },
    async (request) => service.workspaceEntities((await user(request)).id, request.params.workspaceId),
  );
}
