import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { ApiError } from "../api-error.js";
import type { AppContext } from "../app-context.js";
import { approvalPage } from "./cli-login-page.js";
import { CliLoginService } from "./cli-login-service.js";

const tags = ["cli login"];

const startResponse = z.object({
  device_code: z.string(),
  user_code: z.string(),
  verification_uri: z.string(),
  verification_uri_complete: z.string(),
  expires_in: z.number().int(),
  interval: z.number().int(),
});
const decideBody = z.object({ user_code: z.string().min(1).max(20), approve: z.boolean().default(true) }).strict();
const tokenBody = z.object({ device_code: z.string().min(1).max(200) }).strict();
const tokenResponse = z.object({ access_token: z.string(), user: z.object({ id: z.string(), email: z.string(), name: z.string() }) });

/**
 * `tributary login` in a browser: the CLI asks for a code, the user approves it on `/cli/device` (signed
 * in), the CLI polls for its personal access token. The two CLI routes need no authentication: the
 * device code, known only to the CLI, is the credential.
 */
export async function cliLoginRoutes(instance: FastifyInstance, { context }: { context: AppContext }): Promise<void> {
  const app = instance.withTypeProvider<ZodTypeProvider>();
  const service = new CliLoginService(context.databases.core, context.config.betterAuthUrl);

  app.post("/api/cli/device-codes", { schema: { tags, response: { 200: startResponse } } }, async () => service.start());

  app.post("/api/cli/device-codes/approve", { schema: { tags, body: decideBody } }, async (request) =>
    service.decide(await context.requireUser(request), request.body.user_code, request.body.approve),
  );

  app.post("/api/cli/device-codes/token", { schema: { tags, body: tokenBody, response: { 200: tokenResponse } } }, async (request, reply) => {
    reply.header("cache-control", "no-store");
    const redeemed = await service.redeem(request.body.device_code);
    const user = await context.databases.auth.selectFrom("user").select(["id", "email", "name"]).where("id", "=", redeemed.user_id).executeTakeFirst();
    if (!user) throw new ApiError("expired_token", "The approving user no longer exists; run tributary login again");
    return { access_token: redeemed.access_token, user };
  });

  app.get("/cli/device", { schema: { hide: true, querystring: z.object({ user_code: z.string().max(20).optional() }) } }, async (request, reply) => {
    reply.type("text/html; charset=utf-8").header("content-security-policy", "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; form-action 'none'");
    return approvalPage(request.query.user_code ?? "");
  });
}
