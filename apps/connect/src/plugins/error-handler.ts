import type { FastifyError, FastifyInstance, FastifyReply } from "fastify";
import fp from "fastify-plugin";
import { hasZodFastifySchemaValidationErrors } from "fastify-type-provider-zod";
import type { ConnectErrorBody, ConnectErrorCode } from "@tributary/contracts";
import { ConnectorError } from "@tributary/connectors";

const statusByCode: Record<ConnectErrorCode, number> = {
  bad_request: 400,
  unauthorized: 401,
  unknown_connector: 404,
  not_found: 404,
  // The request was understood, but the credentials in it cannot do the job.
  invalid_credentials: 422,
  missing_scopes: 422,
  rate_limited: 429,
  provider_unavailable: 502,
  provider_error: 502,
  // Object storage failed (unreachable, denied, 5xx after retries): a dependency of connect, not a bug.
  storage_error: 502,
  run_in_progress: 409,
  cancelled: 409,
  internal_error: 500,
};

export function sendError(reply: FastifyReply, error: ConnectorError): FastifyReply {
  const body: ConnectErrorBody = { error: { code: error.code, message: error.message } };
  const { field, missingScopes, retryAfterMs, account, warnings } = error.details;
  if (field) body.error.field = field;
  if (missingScopes) body.error.missing_scopes = missingScopes;
  if (account) body.error.account = account;
  if (warnings && warnings.length > 0) body.error.warnings = warnings;
  if (retryAfterMs !== undefined) {
    const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
    body.error.retry_after_seconds = seconds;
    body.error.retry_at = new Date(Date.now() + retryAfterMs).toISOString();
    reply.header("retry-after", String(seconds));
  }
  return reply.code(statusByCode[error.code]).send(body);
}

/**
 * One error shape for every failure: `{error: {code, message, field?}}`. Bad input is always a 4xx that
 * names the field; an unexpected failure is a 500 whose message reveals nothing of the request.
 */
export const errorHandler = fp(
  async (app: FastifyInstance) => {
    app.setErrorHandler((error: FastifyError, request, reply) => {
      if (error instanceof ConnectorError) return sendError(reply, error);

      if (hasZodFastifySchemaValidationErrors(error)) {
        const issue = error.validation[0];
        const path = issue?.instancePath.split("/").filter(Boolean).join(".") ?? "";
        const field = path || (error.validationContext === "body" ? "body" : String(error.validationContext ?? "body"));
        return sendError(reply, new ConnectorError("bad_request", `${field}: ${issue?.message ?? "is invalid"}`, { field }));
      }

      const status = error.statusCode ?? 500;
      if (status >= 400 && status < 500) {
        // Fastify's own client errors: unparseable JSON, wrong content type, body too large.
        const message = error.code === "FST_ERR_CTP_INVALID_JSON_BODY" || error instanceof SyntaxError
          ? "body: is not valid JSON"
          : `body: ${error.message}`;
        const body: ConnectErrorBody = { error: { code: "bad_request", message, field: "body" } };
        return reply.code(status).send(body);
      }

      request.log.error({ err: error }, "unhandled error");
      const body: ConnectErrorBody = { error: { code: "internal_error", message: "Internal error; see the service logs for the request id" } };
      return reply.code(500).send(body);
    });

    app.setNotFoundHandler((request, reply) => {
      const body: ConnectErrorBody = { error: { code: "not_found", message: `No route ${request.method} ${request.url.split("?", 1)[0]}` } };
      return reply.code(404).send(body);
    });
  },
  { name: "error-handler" },
);
