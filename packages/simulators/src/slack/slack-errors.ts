import type { FastifyReply } from "fastify";
import type { FaultRenderer } from "../core/simulator-server.js";
import { setSlackHeaders } from "./slack-headers.js";

/**
 * Slack's failure answers. Almost every error is HTTP 200 with `{"ok":false,"error":"<code>"}`;
 * only rate limits (429 with Retry-After) and outages (5xx) use the status line.
 */
export function sendSlackError(reply: FastifyReply, error: string, extra: Record<string, unknown> = {}, status = 200): FastifyReply {
  return setSlackHeaders(reply).code(status).send({ ok: false, error, ...extra });
}

/** `missing_scope` names the scopes that would have allowed the call and every scope the token has. */
export function sendMissingScope(reply: FastifyReply, needed: readonly string[], provided: readonly string[]): FastifyReply {
  return sendSlackError(reply, "missing_scope", { needed: needed.join(","), provided: provided.join(",") });
}

export function sendRateLimited(reply: FastifyReply, retryAfterSeconds: number): FastifyReply {
  setSlackHeaders(reply).header("retry-after", String(retryAfterSeconds));
  return sendSlackError(reply, "ratelimited", {}, 429);
}

/**
 * Outages: the status of the fault, with the platform error Slack documents for it. A 503 is
 * `service_unavailable`; other 5xx carry `internal_error` (Slack's "transient issue on our end").
 */
function sendServerError(reply: FastifyReply, status: number): FastifyReply {
  return sendSlackError(reply, status === 503 ? "service_unavailable" : "internal_error", {}, status);
}

// A body cut mid-way, as a dropped connection or a misbehaving proxy leaves it.
const truncatedBody = '{"ok":true,"url":"https://tributary-demo.slack.com/","team":"Tribu';

export const renderSlackFault: FaultRenderer = (fault, reply) => {
  switch (fault.kind) {
    case "rate_limit":
      return sendRateLimited(reply, fault.retryAfterSeconds ?? 30);
    case "server_error":
      return sendServerError(reply, fault.status ?? 500);
    case "malformed":
      return setSlackHeaders(reply).code(200).send(truncatedBody);
  }
};
