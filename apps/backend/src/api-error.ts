/**
 * The one error shape of the API, `{error: {code, message, field?}}`. Services throw these; the error
 * handler turns them into responses. Messages are written for the user and never carry a secret.
 */
export type ApiErrorCode =
  | "bad_request"
  | "unauthorized"
  | "forbidden"
  | "not_found"
  | "conflict"
  | "rate_limited"
  | "invalid_credentials"
  | "missing_scopes"
  | "provider_unavailable"
  | "provider_error"
  | "connect_unavailable"
  | "credentials_unreadable"
  | "not_ready"
  | "authorization_pending"
  | "slow_down"
  | "expired_token"
  | "access_denied"
  | "service_unavailable"
  | "service_error"
  | "invalid_query"
  | "query_failed"
  | "query_timeout"
  | "internal_error";

const statusByCode: Record<ApiErrorCode, number> = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  rate_limited: 429,
  invalid_credentials: 422,
  missing_scopes: 422,
  provider_unavailable: 502,
  provider_error: 502,
  connect_unavailable: 503,
  /** Stored credentials that no configured key opens (a previous key removed too early, or tampering). */
  credentials_unreadable: 500,
  not_ready: 503,
  /** The CLI's device login (RFC 8628's error names): not approved yet, polled too fast, expired, denied. */
  authorization_pending: 400,
  slow_down: 400,
  expired_token: 400,
  access_denied: 400,
  /** An internal service of the registry whose shared secret is not configured. */
  service_unavailable: 503,
  /** An internal service that failed the token exchange: down, slow, refused the secret, answered nonsense. */
  service_error: 502,
  /** SQL that does not parse or bind, or that is not a read of the workspace's data. */
  invalid_query: 400,
  /** A query that failed while running: a conversion error, out of memory. */
  query_failed: 422,
  /** The statement timeout interrupted it. */
  query_timeout: 408,
  internal_error: 500,
};

export interface ApiErrorBody {
  error: { code: ApiErrorCode; message: string; field?: string } & Record<string, unknown>;
}

export class ApiError extends Error {
  override name = "ApiError";
  readonly status: number;

  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly details: { field?: string } & Record<string, unknown> = {},
  ) {
    super(message);
    this.status = statusByCode[code];
  }

  body(): ApiErrorBody {
    return { error: { code: this.code, message: this.message, ...this.details } };
  }
}

/** Resources of another workspace, or that do not exist, look the same: 404, never 403. */
export function notFound(what: string): ApiError {
  return new ApiError("not_found", `${what} not found`);
}
