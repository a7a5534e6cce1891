import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import type { AppContext } from "../app-context.js";
import {
  auditQuery,
  auditResponseSchema,
  connectResponseSchema,
  deliveryResponseSchema,
  disconnectResponseSchema,
  healthResponseSchema,
  serviceIdBody,
  servicesResponseSchema,
} from "./service-connectors-schemas.js";
import type { ServiceConnectorsService } from "./service-connectors-service.js";

const tags = ["service connectors"];

/**
 * The signed-in user's connections to internal services. Per user, not per workspace: a key belongs
 * to the person it was issued for. Thin handlers over ServiceConnectorsService.
 */
export async function serviceConnectorsRoutes(instance: FastifyInstance, { context, service }: { context: AppContext; service: ServiceConnectorsService }): Promise<void> {
  const app = instance.withTypeProvider<ZodTypeProvider>();
  const user = context.requireUser;

  app.get("/api/service-connectors", { schema: { tags, response: { 200: servicesResponseSchema } } }, async (request) => ({ services: await service.list(await user(request)) }));

  app.post("/api/service-connectors/connect", { schema: { tags, body: serviceIdBody, response: { 200: connectResponseSchema } } }, async (request) => ({
    service: await service.connect(await user(request), request.body.service_id),
  }));

  app.post("/api/service-connectors/disconnect", { schema: { tags, body: serviceIdBody, response: { 200: disconnectResponseSchema } } }, async (request) =>
    service.disconnect(await user(request), request.body.service_id),
  );

  app.get("/api/service-connectors/health/", { schema: { tags, response: { 200: healthResponseSchema } } }, async (request) => {
    await user(request);
    return { services: await service.health() };
  });

  app.get(
    "/api/service-connectors/delivery",
    { schema: { tags, response: { 200: deliveryResponseSchema }, description: "The caller's live keys and skills, for `tributary sync`. Never cached." } },
    async (request, reply) => {
      reply.header("cache-control", "no-store");
      return service.delivery(await user(request));
    },
  );

  app.get("/api/service-connectors/audit", { schema: { tags, querystring: auditQuery, response: { 200: auditResponseSchema } } }, async (request) => ({
    entries: await service.auditLog(await user(request), request.query.limit),
  }));
}
