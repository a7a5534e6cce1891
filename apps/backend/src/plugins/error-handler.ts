import type { FastifyError, FastifyInstance } from "fastify";
import fp from "fastify-plugin";
import { hasZodFastifySchemaValidationErrors } from "fastify-type-provider-zod";
import { ApiError, type ApiErrorBody } from "../api-error.js";

/**
 * One error shape for every failure. Bad input is a 400 naming the field (body, params or query); an
 * unexpected failure is a 500 that reveals nothing of the request but its id.
 */
export const errorHandler = fp(
  async (app: FastifyInstance) => {
    app.setErrorHandler((error: FastifyError, request, reply) => {
      if (error instanceof ApiError) return reply.code(error.status).send(error.body());

      if (hasZodFastifySchemaValidationErrors(error)) {
        const issue = error.validation[0];
        const path = issue?.instancePath.split("/").filter(Boolean).join(".") ?? "";
        const context = String(error.validationContext ?? "body");
        const field = path ? (context === "body" ? path : `${context}.${path}`) : context;
        return reply.code(400).send(new ApiError("bad_request", `${field}: ${issue?.message ?? "is invalid"}`, { field }).body());
      }

      const status = error.statusCode ?? 500;
      if (status >= 400 && status < 500) {
        const message =
          error.code === "FST_ERR_CTP_INVALID_JSON_BODY" || error instanceof SyntaxError ? "body: is not valid JSON" : `body: ${error.message}`;
        const body: ApiErrorBody = { error: { code: status === 429 ? "rate_limited" : "bad_request", message, field: "body" } };
        return reply.code(status).send(body);
      }

      request.log.error({ err: error }, "unhandled error");
      const body: ApiErrorBody = { error: { code: "internal_error", message: `Internal error; request id ${request.id}` } };
      return reply.code(500).send(body);
    });

    app.setNotFoundHandler((request, reply) => {
      const body: ApiErrorBody = { error: { code: "not_found", message: `No route ${request.method} ${request.url.split("?", 1)[0]}` } };
      return reply.code(404).send(body);
    });
  },
  { name: "error-handler" },
);
