import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { connectErrorBodySchema, validateRequestSchema, validateResponseSchema } from "@tributary/contracts";
import { ConnectorError, findConnector, validateConnection } from "@tributary/connectors";

export interface MirrorConnectionsOptions {
  validateDeadlineMs: number;
}

const statusOkSchema = z.object({ status: z.literal("ok") });

export const mirrorConnectionsRoutes: FastifyPluginAsyncZod<MirrorConnectionsOptions> = async (app, options) => {
  app.post(
    "/internal/mirror-connections/ping",
    { schema: { summary: "Checks the caller's service token", tags: ["mirror-connections"], response: { 200: statusOkSchema } } },
    async () => ({ status: "ok" as const }),
  );

  app.post(
    "/internal/mirror-connections/validate",
    {
      schema: {
        summary: "Validates credentials against the provider: account, granted and missing scopes",
        tags: ["mirror-connections"],
        body: validateRequestSchema,
        response: {
          200: validateResponseSchema,
          400: connectErrorBodySchema,
          404: connectErrorBodySchema,
          422: connectErrorBodySchema,
          429: connectErrorBodySchema,
          502: connectErrorBodySchema,
        },
      },
    },
    async (request, reply) => {
      const { connector: connectorId, credentials, config, streams } = request.body;
      const connector = findConnector(connectorId);
      if (!connector) {
        throw new ConnectorError("unknown_connector", `Unknown connector "${connectorId}"`, { field: "connector" });
      }
      // Stop calling the provider when the caller hangs up: nobody is waiting for the answer.
      const abort = new AbortController();
      reply.raw.on("close", () => {
        if (!reply.raw.writableFinished) abort.abort();
      });
      const result = await validateConnection(
        connector,
        { credentials, config, streams },
        { deadlineMs: options.validateDeadlineMs, signal: abort.signal, logger: request.log },
      );
      request.log.info(
        { connector: connector.id, account_id: result.account.id, missing_scopes: result.missing_scopes.length },
        "credentials validated",
      );
      return result;
    },
  );
};
