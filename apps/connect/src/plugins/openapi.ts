import swagger from "@fastify/swagger";
import type { FastifyInstance } from "fastify";
import fp from "fastify-plugin";
import { jsonSchemaTransform, jsonSchemaTransformObject } from "fastify-type-provider-zod";
import { serviceTokenHeader } from "./service-token-auth.js";

/** The OpenAPI document of connect's routes, generated from the same zod schemas that validate them. */
export const openApi = fp(
  async (app: FastifyInstance, options: { version: string }) => {
    await app.register(swagger, {
      openapi: {
        openapi: "3.1.0",
        info: {
          title: "Tributary connect",
          description: "Internal ingestion service: credential validation, ingestion runs, schema mapping.",
          version: options.version,
        },
        components: {
          securitySchemes: { serviceToken: { type: "apiKey", in: "header", name: serviceTokenHeader } },
        },
        security: [{ serviceToken: [] }],
      },
      transform: jsonSchemaTransform,
      transformObject: jsonSchemaTransformObject,
    });
    app.get("/openapi.json", { schema: { hide: true } }, async () => app.swagger());
  },
  { name: "openapi" },
);
