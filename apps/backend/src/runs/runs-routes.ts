import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import type { AppContext } from "../app-context.js";
import { pageSchema } from "../pagination.js";
import { RunDispatcher } from "./run-dispatcher.js";
import {
  conflictSchema,
  dataSourceRunParams,
  listRunsQuery,
  runParams,
  runSchema,
  scheduleBody,
  scheduleSchema,
  snapshotsResponseSchema,
  triggerRunBody,
} from "./runs-schemas.js";
import { RunsService } from "./runs-service.js";
import { workspaceIdParams } from "../workspaces/workspaces-schemas.js";

const tags = ["runs"];

/**
 * Runs and schedules: "sync now", the durable job queue (pg-boss) dispatching runs to connect, history,
 * cancel, schedules, committed snapshots. The dispatcher starts when the server is ready and stops when
 * it closes. Thin handlers over RunsService.
 */
export async function runsRoutes(base: FastifyInstance, { context }: { context: AppContext }): Promise<void> {
  const app = base.withTypeProvider<ZodTypeProvider>();
  const dispatcher = new RunDispatcher(context, app.log);
  const service = new RunsService(context, dispatcher);
  const user = context.requireUser;

  app.addHook("onReady", async () => {
    await dispatcher.start();
  });
  app.addHook("onClose", async () => {
    await dispatcher.stop();
  });

  app.post(
    "/api/workspaces/:workspaceId/data-sources/:dataSourceId/runs",
    { schema: { tags, summary: "Sync now: queues a run", params: dataSourceRunParams, body: triggerRunBody, response: { 202: runSchema, 409: conflictSchema } } },
    async (request, reply) => {
      const me = await user(request);
      const run = await service.trigger(me.id, request.params.workspaceId, request.params.dataSourceId, request.body);
      request.log.info({ run_id: run.id, data_source_id: run.data_source_id }, "run queued");
      return reply.code(202).send(run);
    },
  );

  app.get(
    "/api/workspaces/:workspaceId/runs",
    { schema: { tags, summary: "Run history, newest first", params: workspaceIdParams, querystring: listRunsQuery, response: { 200: pageSchema(runSchema) } } },
    async (request) => service.list((await user(request)).id, request.params.workspaceId, request.query),
  );

  app.get("/api/workspaces/:workspaceId/runs/:runId", { schema: { tags, params: runParams, response: { 200: runSchema } } }, async (request) =>
    service.get((await user(request)).id, request.params.workspaceId, request.params.runId),
  );

  app.post("/api/workspaces/:workspaceId/runs/:runId/cancel", { schema: { tags, params: runParams, response: { 202: runSchema } } }, async (request, reply) => {
    const me = await user(request);
    const run = await service.cancel(me.id, request.params.workspaceId, request.params.runId);
    request.log.info({ run_id: run.id }, "run cancellation requested");
    return reply.code(202).send(run);
  });

  app.get("/api/workspaces/:workspaceId/data-sources/:dataSourceId/schedule", { schema: { tags, params: dataSourceRunParams, response: { 200: scheduleSchema } } }, async (request) =>
    service.getSchedule((await user(request)).id, request.params.workspaceId, request.params.dataSourceId),
  );

  app.put(
    "/api/workspaces/:workspaceId/data-sources/:dataSourceId/schedule",
    { schema: { tags, params: dataSourceRunParams, body: scheduleBody, response: { 200: scheduleSchema } } },
    async (request) => service.setSchedule((await user(request)).id, request.params.workspaceId, request.params.dataSourceId, request.body.cron, request.body.timezone),
  );

  app.delete("/api/workspaces/:workspaceId/data-sources/:dataSourceId/schedule", { schema: { tags, params: dataSourceRunParams } }, async (request, reply) => {
    await service.deleteSchedule((await user(request)).id, request.params.workspaceId, request.params.dataSourceId);
    return reply.code(204).send();
  });

  app.get(
    "/api/workspaces/:workspaceId/data-sources/:dataSourceId/snapshots",
    { schema: { tags, params: dataSourceRunParams, response: { 200: snapshotsResponseSchema } } },
    async (request) => service.snapshots((await user(request)).id, request.params.workspaceId, request.params.dataSourceId),
  );
}
