import { randomUUID } from "node:crypto";
import type { FastifyReply } from "fastify";

/**
 * Headers every Web API answer carries, as captured from slack.com: a request id (a UUID), the CORS
 * exposure of that id and of Retry-After, and no-cache directives. Slack sends no rate-limit
 * counters (no remaining/reset headers); a rate limit shows only as a 429 with Retry-After.
 */
export function setSlackHeaders(reply: FastifyReply): FastifyReply {
  return reply.headers({
    "content-type": "application/json; charset=utf-8",
    "x-slack-req-id": randomUUID(),
    "x-slack-backend": "r",
    "access-control-allow-origin": "*",
    "access-control-allow-headers": "slack-route, x-slack-version-ts",
    "access-control-expose-headers": "x-slack-req-id, retry-after",
    "cache-control": "private, no-cache, no-store, must-revalidate",
    pragma: "no-cache",
    expires: "Mon, 26 Jul 1997 05:00:00 GMT",
    "referrer-policy": "no-referrer",
    "strict-transport-security": "max-age=31536000; includeSubDomains; preload",
    "x-content-type-options": "nosniff",
    "x-xss-protection": "0",
    vary: "Accept-Encoding",
  });
}

/**
 * `x-oauth-scopes` lists every scope the token holds and `x-accepted-oauth-scopes` the scopes the
 * method accepts, both comma-separated without spaces. Methods that need no scope (auth.test) send
 * no accepted-scopes header.
 */
export function setScopeHeaders(reply: FastifyReply, granted: readonly string[], accepted: readonly string[]): FastifyReply {
  reply.header("x-oauth-scopes", granted.join(","));
  if (accepted.length > 0) reply.header("x-accepted-oauth-scopes", accepted.join(","));
  return reply;
}
