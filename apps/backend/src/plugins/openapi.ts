import type { FastifyInstance } from "fastify";
import fp from "fastify-plugin";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import { jsonSchemaTransform } from "fastify-type-provider-zod";

/** The OpenAPI document at `/api/openapi.json`, generated from the routes' zod schemas, and its reference at `/api/docs`. */
export const openApi = fp(
  async (app: FastifyInstance, options: { version: string }) => {
    await app.register(swagger, {
      openapi: {
        info: { title: "Tributary API", version: options.version, description: "The backend's REST API. Sign in (cookie) or send a personal access token as `Authorization: Bearer trb_pat_…`." },
        components: { securitySchemes: { accessToken: { type: "http", scheme: "bearer" }, session: { type: "apiKey", in: "cookie", name: "better-auth.session_token" } } },
        security: [{ accessToken: [] }, { session: [] }],
      },
      transform: jsonSchemaTransform,
    });
    await app.register(swaggerUi, { routePrefix: "/api/docs" });
    app.get("/api/openapi.json", { schema: { hide: true } }, async () => app.swagger());
  },
  { name: "openapi" },
);
