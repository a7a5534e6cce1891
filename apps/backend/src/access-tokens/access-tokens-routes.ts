import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { notFound } from "../api-error.js";
import type { AppContext } from "../app-context.js";
import { issueAccessToken } from "./issue-access-token.js";
import { pageOf, pageOffset, pageQuerySchema, pageSchema } from "../pagination.js";

const tags = ["access tokens"];

const accessTokenSchema = z.object({
  id: z.string(),
  name: z.string(),
  last_four: z.string(),
  created_at: z.string(),
  expires_at: z.string().nullable(),
  last_used_at: z.string().nullable(),
  revoked_at: z.string().nullable(),
});

const createBody = z.object({ name: z.string().trim().min(1).max(100), expires_in_days: z.number().int().min(1).max(3650).optional() }).strict();

const iso = (value: Date | null) => (value ? value.toISOString() : null);

/**
 * Personal access tokens for the CLI and scripts: shown once at creation, stored as a SHA-256 hash,
 * listed with their last four characters and last use, revocable. A token acts as its user.
 */
export async function accessTokensRoutes(base: FastifyInstance, { context }: { context: AppContext }): Promise<void> {
  const app = base.withTypeProvider<ZodTypeProvider>();
  const core = context.databases.core;

  app.post(
    "/api/access-tokens",
    { schema: { tags, body: createBody, response: { 201: accessTokenSchema.extend({ token: z.string() }) } } },
    async (request, reply) => {
      const me = await context.requireUser(request);
      const expiresAt = request.body.expires_in_days ? new Date(Date.now() + request.body.expires_in_days * 24 * 3600 * 1000) : null;
      const { row, token } = await issueAccessToken(core, me.id, request.body.name, expiresAt);
      return reply.code(201).send({ ...view(row), token });
    },
  );

  app.get("/api/access-tokens", { schema: { tags, querystring: pageQuerySchema, response: { 200: pageSchema(accessTokenSchema) } } }, async (request) => {
    const me = await context.requireUser(request);
    const rows = await core
      .selectFrom("access_tokens")
      .selectAll()
      .where("user_id", "=", me.id)
      .orderBy("created_at", "desc")
      .orderBy("id")
      .limit(request.query.limit + 1)
      .offset(pageOffset(request.query))
      .execute();
    const page = pageOf(rows, request.query);
    return { ...page, items: page.items.map(view) };
  });

  app.delete("/api/access-tokens/:tokenId", { schema: { tags, params: z.object({ tokenId: z.uuid({ error: "must be a token id (UUID)" }) }) } }, async (request, reply) => {
    const me = await context.requireUser(request);
    const result = await core
      .updateTable("access_tokens")
      .set({ revoked_at: new Date() })
      .where("id", "=", request.params.tokenId)
      .where("user_id", "=", me.id)
      .where("revoked_at", "is", null)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) throw notFound("Access token");
    return reply.code(204).send();
  });
}

function view(row: { id: string; name: string; last_four: string; created_at: Date; expires_at: Date | null; last_used_at: Date | null; revoked_at: Date | null }) {
  return {
    id: row.id,
    name: row.name,
    last_four: row.last_four,
    created_at: row.created_at.toISOString(),
    expires_at: iso(row.expires_at),
    last_used_at: iso(row.last_used_at),
    revoked_at: iso(row.revoked_at),
  };
}
