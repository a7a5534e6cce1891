import type { SourceLocation } from "./linear-query-parser.js";

/**
 * Linear's GraphQL error bodies. Every error carries `extensions.code` (the stable code Linear's docs
 * and clients switch on) and, for errors Linear raises itself, `extensions.type` (the category its SDK
 * maps to error classes), `statusCode` and `userError`.
 */
export interface LinearGraphqlErrorBody {
  message: string;
  locations?: SourceLocation[];
  path?: Array<string | number>;
  extensions: Record<string, unknown>;
}

export interface LinearErrorResponse {
  status: number;
  body: { errors: LinearGraphqlErrorBody[]; data?: null };
}

/** A missing, unknown or wrongly sent key or token, as captured from api.linear.app (HTTP 401). */
export function authenticationError(): LinearErrorResponse {
  return {
    status: 401,
    body: {
      errors: [
        {
          message: "Authentication required, not authenticated",
          extensions: {
            type: "authentication error",
            code: "AUTHENTICATION_ERROR",
            statusCode: 401,
            userError: true,
            userPresentableMessage: "You need to authenticate to access this operation.",
            meta: {},
            http: { status: 401 },
          },
        },
      ],
    },
  };
}

/** One field the credentials' scopes do not cover; Linear answers these with HTTP 400. */
export function forbiddenScopeError(scope: string, path: string, location: SourceLocation): LinearGraphqlErrorBody {
  return {
    message: `Invalid scope: \`${scope}\` required`,
    locations: [location],
    path: [path],
    extensions: { type: "forbidden", code: "FORBIDDEN", statusCode: 403, userError: true },
  };
}

/**
 * The rate-limit answer. Linear documents HTTP 400 (earlier versions of the page said 200) with an
 * error whose `extensions.code` is RATELIMITED; the reset headers say when to come back.
 */
export function rateLimitedError(status: number, budget: "requests" | "complexity", limit: number): LinearErrorResponse {
  const what = budget === "requests" ? `${limit} requests` : `${limit} complexity points`;
  return {
    status,
    body: {
      errors: [
        {
          message: `Rate limit exceeded. Only ${what} are allowed per 1 hour.`,
          extensions: {
            type: "ratelimited",
            code: "RATELIMITED",
            statusCode: 429,
            userError: true,
            userPresentableMessage: "Too many requests, please try again later.",
          },
        },
      ],
    },
  };
}

export function internalServerError(status: number): LinearErrorResponse {
  return {
    status,
    body: {
      errors: [
        {
          message: "Internal server error",
          extensions: { type: "internal error", code: "INTERNAL_SERVER_ERROR", statusCode: status, userError: false },
        },
      ],
    },
  };
}

export function syntaxError(message: string, location: SourceLocation): LinearErrorResponse {
  return {
    status: 400,
    body: { errors: [{ message, locations: [location], extensions: { code: "GRAPHQL_PARSE_FAILED" } }] },
  };
}

export function validationErrors(errors: Array<{ message: string; location?: SourceLocation }>): LinearErrorResponse {
  return {
    status: 400,
    body: {
      errors: errors.map(({ message, location }) => ({
        message,
        ...(location ? { locations: [location] } : {}),
        extensions: { code: "GRAPHQL_VALIDATION_FAILED" },
      })),
    },
  };
}

/** A POST without a usable `query`, as Apollo-style servers answer it. */
export function badRequestError(message: string): LinearErrorResponse {
  return { status: 400, body: { errors: [{ message, extensions: { code: "BAD_USER_INPUT" } }] } };
}

/**
 * A query whose computed complexity exceeds the per-query maximum, as captured from api.linear.app
 * (HTTP 400, `INPUT_ERROR`, the unrounded complexity in the user-facing message).
 */
export function queryTooComplexError(complexity: number, maximum: number): LinearErrorResponse {
  return {
    status: 400,
    body: {
      errors: [
        {
          message: "Query too complex",
          extensions: {
            type: "invalid input",
            code: "INPUT_ERROR",
            statusCode: 400,
            userError: true,
            userPresentableMessage: `The query is too complex. Complexity: ${complexity}. Maximum allowed complexity: ${maximum}.`,
            http: { status: 400 },
          },
        },
      ],
    },
  };
}

/** A lookup by id (`project(id: …)`) of something that does not exist or is not visible (modeled). */
export function entityNotFoundError(type: string, path: string, location: SourceLocation): LinearGraphqlErrorBody {
  return {
    message: `Entity not found: ${type}`,
    locations: [location],
    path: [path],
    extensions: {
      type: "invalid input",
      code: "INPUT_ERROR",
      statusCode: 400,
      userError: true,
      userPresentableMessage: `Could not find referenced ${type}.`,
    },
  };
}
