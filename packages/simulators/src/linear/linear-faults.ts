import type { FastifyReply } from "fastify";
import type { FaultRenderer } from "../core/simulator-server.js";
import { authenticateLinear } from "./linear-auth.js";
import { internalServerError, rateLimitedError } from "./linear-errors.js";
import { rateLimitHeaders } from "./linear-rate-limiter.js";
import type { LinearSimulatorState } from "./linear-routes.js";

/** Statuses Linear's edge answers with an HTML page of its own when the API behind it is down. */
const gatewayReasons: Record<number, string> = { 502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout" };

/** How Linear fails: GraphQL error bodies from the API, HTML from its edge, cut bodies from proxies. */
export function linearFaultRenderer(state: LinearSimulatorState): FaultRenderer {
  return (fault, reply) => {
    const now = Date.now();
    const caller = authenticateLinear(reply.request.headers.authorization, state.tokens, state.store);
    const buckets = caller
      ? state.rateLimiter.bucketsFor(caller.grant.kind, caller.grant.userId, now)
      : state.rateLimiter.bucketsFor("unauthenticated", reply.request.ip, now);
    const headers = rateLimitHeaders(buckets, now);

    switch (fault.kind) {
      case "rate_limit": {
        const retryAfterSeconds = fault.retryAfterSeconds ?? 30;
        const { status, body } = rateLimitedError(state.rateLimitedStatus, "requests", buckets.requests.capacity);
        return reply
          .code(status)
          .headers({
            ...headers,
            "x-ratelimit-requests-remaining": "0",
            "x-ratelimit-requests-reset": String(now + retryAfterSeconds * 1000),
          })
          .send(body);
      }
      case "malformed":
        return reply.code(200).headers(headers).type("application/json; charset=utf-8").send('{"data":{"viewer":{"id":"');
      default:
        return serverError(reply, fault.status ?? 500, headers);
    }
  };
}

function serverError(reply: FastifyReply, status: number, headers: Record<string, string>): FastifyReply {
  const reason = gatewayReasons[status];
  if (reason) {
    return reply
      .code(status)
      .type("text/html; charset=utf-8")
      .send(`<html><head><title>${status} ${reason}</title></head><body><center><h1>${status} ${reason}</h1></center></body></html>`);
  }
  const { body } = internalServerError(status);
  return reply.code(status).headers(headers).send(body);
}
