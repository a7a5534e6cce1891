import { randomUUID } from "node:crypto";
import type { FastifyReply } from "fastify";

/** HubSpot answers JSON with this exact content type, errors included. */
export const hubspotJsonContentType = "application/json;charset=utf-8";

export interface HubspotAnswer {
  status: number;
  body: Record<string, unknown>;
  headers?: Record<string, string>;
}

/** Sends an answer the way HubSpot does: its content type and the `X-HubSpot-Correlation-Id` header. */
export function sendHubspot(reply: FastifyReply, answer: HubspotAnswer): FastifyReply {
  const correlationId = typeof answer.body.correlationId === "string" ? answer.body.correlationId : randomUUID();
  return reply
    .code(answer.status)
    .headers({ ...answer.headers, "content-type": hubspotJsonContentType, "X-HubSpot-Correlation-Id": correlationId })
    .send(JSON.stringify(answer.body));
}

/**
 * Sends a body already serialised (pages of cached record renderings are joined, not re-stringified),
 * with the same headers as `sendHubspot`.
 */
export function sendHubspotRaw(reply: FastifyReply, status: number, headers: Record<string, string>, body: string): FastifyReply {
  return reply
    .code(status)
    .headers({ ...headers, "content-type": hubspotJsonContentType, "X-HubSpot-Correlation-Id": randomUUID() })
    .send(body);
}

export type HubspotRateLimitPolicy = "TEN_SECONDLY_ROLLING" | "SECONDLY" | "DAILY";

const rateLimitMessages: Record<HubspotRateLimitPolicy, string> = {
  TEN_SECONDLY_ROLLING: "You have reached your ten_secondly_rolling limit.",
  SECONDLY: "You have reached your secondly limit.",
  DAILY: "You have reached your daily limit.",
};

/** Error bodies copied field for field from answers HubSpot's API gives. */
export const hubspotErrors = {
  credentialsNotFound(): HubspotAnswer {
    return {
      status: 401,
      headers: { "X-HubSpot-Auth-Failure": "401 Unauthorized" },
      body: {
        status: "error",
        message:
          "Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview",
        correlationId: randomUUID(),
        category: "INVALID_AUTHENTICATION",
      },
    };
  },

  expiredToken(expiredAt: number, now: number): HubspotAnswer {
    return {
      status: 401,
      headers: { "X-HubSpot-Auth-Failure": "401 Unauthorized" },
      body: {
        status: "error",
        message: `The OAuth token used to make this call expired ${elapsed(now - expiredAt)} ago.`,
        correlationId: randomUUID(),
        category: "EXPIRED_AUTHENTICATION",
        context: { "expire time": [new Date(expiredAt).toISOString()] },
      },
    };
  },

  missingScopes(requiredGranularScopes: string[]): HubspotAnswer {
    return {
      status: 403,
      body: {
        status: "error",
        message:
          "This app hasn't been granted all required scopes to make this call. Read more about required scopes here: https://developers.hubspot.com/scopes.",
        correlationId: randomUUID(),
        errors: [{ message: "One or more of the following scopes are required.", context: { requiredGranularScopes } }],
        links: { scopes: "https://developers.hubspot.com/scopes" },
        category: "MISSING_SCOPES",
      },
    };
  },

  rateLimited(policy: HubspotRateLimitPolicy, headers: Record<string, string>): HubspotAnswer {
    return {
      status: 429,
      headers,
      body: {
        status: "error",
        message: rateLimitMessages[policy],
        errorType: "RATE_LIMIT",
        correlationId: randomUUID(),
        policyName: policy,
        requestId: randomUUID(),
      },
    };
  },

  internalError(status = 500): HubspotAnswer {
    return { status, body: { status: "error", message: "internal error", correlationId: randomUUID() } };
  },

  validationError(message: string): HubspotAnswer {
    return { status: 400, body: { status: "error", message, correlationId: randomUUID(), category: "VALIDATION_ERROR" } };
  },

  /**
   * A query or body parameter out of range, in the shape HubSpot's v3 APIs use for
   * `INVALID_PARAMETER` (the owners API's `limit` above 500, for instance).
   */
  invalidParameter(name: string, detail: string, where: "query" | "body" = "query"): HubspotAnswer {
    return {
      status: 400,
      body: {
        status: "error",
        message: "An error occurred",
        correlationId: randomUUID(),
        category: "VALIDATION_ERROR",
        context: { [name]: [detail] },
        errors: [{ code: "400", context: { [name]: [detail] }, in: where, message: `Invalid ${name} value.`, subCategory: "INVALID_PARAMETER" }],
        links: { documentation: "https://developers.hubspot.com/docs/api/overview" },
      },
    };
  },

  /**
   * Paging a search past its 10,000th result. HubSpot documents the 400, not its body; this is its
   * usual VALIDATION_ERROR envelope.
   */
  searchResultCap(after: number): HubspotAnswer {
    return {
      status: 400,
      body: {
        status: "error",
        message: `Invalid input: after (${after}) must be less than 10000; the search endpoints return at most 10,000 results per query`,
        correlationId: randomUUID(),
        category: "VALIDATION_ERROR",
      },
    };
  },

  unknownObjectType(name: string): HubspotAnswer {
    return {
      status: 400,
      body: { status: "error", message: `Unable to infer object type from: ${name}`, correlationId: randomUUID(), category: "VALIDATION_ERROR" },
    };
  },

  unknownProperty(name: string, objectType: string): HubspotAnswer {
    return {
      status: 400,
      body: {
        status: "error",
        message: `There was a problem with the request.`,
        correlationId: randomUUID(),
        category: "VALIDATION_ERROR",
        errors: [{ message: `Property '${name}' does not exist on object type '${objectType}'`, code: "PROPERTY_DOESNT_EXIST" }],
      },
    };
  },

  /** What the OAuth token-metadata endpoint says about a private app token. */
  tokenFormat(): HubspotAnswer {
    return { status: 400, body: { status: "error", message: "The access token must have the correct format", correlationId: randomUUID() } };
  },

  tokenNotFound(): HubspotAnswer {
    return { status: 404, body: { status: "error", message: "Access token not found", correlationId: randomUUID() } };
  },
};

/** HubSpot words token age as "0 second(s)", "5 hour(s)", "19884 day(s)". */
function elapsed(milliseconds: number): string {
  const seconds = Math.max(0, Math.floor(milliseconds / 1000));
  if (seconds < 60) return `${seconds} second(s)`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} minute(s)`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)} hour(s)`;
  return `${Math.floor(seconds / 86_400)} day(s)`;
}

/** Cloudflare, in front of HubSpot, answers gateway errors with an HTML page, not HubSpot's JSON. */
export function cloudflareErrorPage(status: number): string {
  const title = status === 502 ? "Bad gateway" : status === 503 ? "Service unavailable" : "Gateway time-out";
  return `<!DOCTYPE html><html><head><title>api.hubapi.com | ${status}: ${title}</title></head><body><h1>${title}</h1><p>Error code ${status}</p><p>Cloudflare</p></body></html>`;
}
