import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyInstance } from "fastify";
import fp from "fastify-plugin";
import { invalidServiceTokenBody } from "@tributary/contracts";

export const serviceTokenHeader = "x-connect-service-token";

/** Routes anyone may call: liveness probes carry no token. */
const publicRoutes = new Set(["/health"]);

function digest(value: string): Buffer {
  return createHash("sha256").update(value, "utf8").digest();
}

/**
 * Compares in constant time. Hashing first gives both sides the same length, so neither the token's
 * content nor its length leaks through timing.
 */
export function tokenMatches(expectedDigest: Buffer, presented: string | string[] | undefined): boolean {
  if (typeof presented !== "string") return false;
  return timingSafeEqual(expectedDigest, digest(presented));
}

/**
 * Every route but the public ones needs the shared service token. The check runs on `onRequest`, before
 * the body is read, so an unauthenticated caller learns nothing about routes or validation.
 */
export const serviceTokenAuth = fp(
  async (app: FastifyInstance, options: { token: string }) => {
    const expected = digest(options.token);
    app.addHook("onRequest", async (request, reply) => {
      const path = request.url.split("?", 1)[0] ?? "";
      if (publicRoutes.has(path)) return;
      if (!tokenMatches(expected, request.headers[serviceTokenHeader])) {
        return reply.code(401).send(invalidServiceTokenBody);
      }
    });
  },
  { name: "service-token-auth" },
);
