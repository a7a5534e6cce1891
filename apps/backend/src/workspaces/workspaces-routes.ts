import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import type { AppContext } from "../app-context.js";
import { pageQuerySchema, pageSchema } from "../pagination.js";
import {
  acceptInvitationBody,
  createdInvitationSchema,
  createInvitationBody,
  createWorkspaceBody,
  invitationParams,
  invitationSchema,
  memberParams,
  memberSchema,
  updateMemberBody,
  updateWorkspaceBody,
  workspaceIdParams,
  workspaceSchema,
} from "./workspaces-schemas.js";
import { WorkspacesService } from "./workspaces-service.js";

const tags = ["workspaces"];

/** Workspaces, members, invitations: thin handlers over WorkspacesService. */
export async function workspacesRoutes(base: FastifyInstance, { context }: { context: AppContext }): Promise<void> {
  const app = base.withTypeProvider<ZodTypeProvider>();
  const service = new WorkspacesService(context.databases.core, context.databases.auth, context.config.frontendUrl);
  const user = context.requireUser;

  app.post("/api/workspaces", { schema: { tags, body: createWorkspaceBody, response: { 201: workspaceSchema } } }, async (request, reply) => {
    const me = await user(request);
    return reply.code(201).send(await service.create(me.id, request.body.name));
  });

  app.get("/api/workspaces", { schema: { tags, querystring: pageQuerySchema, response: { 200: pageSchema(workspaceSchema) } } }, async (request) =>
    service.list((await user(request)).id, request.query),
  );

  app.get("/api/workspaces/:workspaceId", { schema: { tags, params: workspaceIdParams, response: { 200: workspaceSchema } } }, async (request) =>
    service.get((await user(request)).id, request.params.workspaceId),
  );

  app.patch("/api/workspaces/:workspaceId", { schema: { tags, params: workspaceIdParams, body: updateWorkspaceBody, response: { 200: workspaceSchema } } }, async (request) =>
    service.rename((await user(request)).id, request.params.workspaceId, request.body.name),
  );

  app.delete("/api/workspaces/:workspaceId", { schema: { tags, params: workspaceIdParams } }, async (request, reply) => {
    await service.remove((await user(request)).id, request.params.workspaceId);
    return reply.code(204).send();
  });

  app.get(
    "/api/workspaces/:workspaceId/members",
    { schema: { tags, params: workspaceIdParams, querystring: pageQuerySchema, response: { 200: pageSchema(memberSchema) } } },
    async (request) => service.members((await user(request)).id, request.params.workspaceId, request.query),
  );

  app.patch("/api/workspaces/:workspaceId/members/:userId", { schema: { tags, params: memberParams, body: updateMemberBody } }, async (request, reply) => {
    await service.changeRole((await user(request)).id, request.params.workspaceId, request.params.userId, request.body.role);
    return reply.code(204).send();
  });

  app.delete("/api/workspaces/:workspaceId/members/:userId", { schema: { tags, params: memberParams } }, async (request, reply) => {
    await service.removeMember((await user(request)).id, request.params.workspaceId, request.params.userId);
    return reply.code(204).send();
  });

  app.post(
    "/api/workspaces/:workspaceId/invitations",
    { schema: { tags, params: workspaceIdParams, body: createInvitationBody, response: { 201: createdInvitationSchema } } },
    async (request, reply) => {
      const me = await user(request);
      return reply.code(201).send(await service.invite(me.id, request.params.workspaceId, request.body.email, request.body.role));
    },
  );

  app.get(
    "/api/workspaces/:workspaceId/invitations",
    { schema: { tags, params: workspaceIdParams, querystring: pageQuerySchema, response: { 200: pageSchema(invitationSchema) } } },
    async (request) => service.invitations((await user(request)).id, request.params.workspaceId, request.query),
  );

  app.delete("/api/workspaces/:workspaceId/invitations/:invitationId", { schema: { tags, params: invitationParams } }, async (request, reply) => {
    await service.revokeInvitation((await user(request)).id, request.params.workspaceId, request.params.invitationId);
    return reply.code(204).send();
  });

  app.post("/api/invitations/accept", { schema: { tags, body: acceptInvitationBody, response: { 200: workspaceSchema } } }, async (request) =>
    service.accept(await user(request), request.body.token),
  );

  app.get(
    "/api/me",
    { schema: { tags: ["auth"], response: { 200: z.object({ id: z.string(), email: z.string(), name: z.string(), authenticated_with: z.enum(["session", "access_token"]) }) } } },
    async (request) => {
      const me = await user(request);
      return { id: me.id, email: me.email, name: me.name, authenticated_with: me.via };
    },
  );
}
