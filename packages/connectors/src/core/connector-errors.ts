import type { Account, ConnectErrorCode } from "@tributary/contracts";

export interface ConnectorErrorDetails {
  /** Dotted path of the offending input, for `bad_request`. */
  field?: string;
  missingScopes?: string[];
  /** Milliseconds until the provider expects to accept requests again, for `rate_limited`. */
  retryAfterMs?: number;
  account?: Account;
  /** Explanations that go with `missing_scopes`: what each entry means and how to grant it. */
  warnings?: string[];
  /** HTTP status the provider answered with, when there was an answer. */
  providerStatus?: number;
}

/**
 * A failure with a code the caller can act on. Messages are written for the person who pasted the
 * credentials: they say what went wrong and never contain the credentials or a provider's raw body.
 */
export class ConnectorError extends Error {
  readonly code: ConnectErrorCode;
  readonly details: ConnectorErrorDetails;

  constructor(code: ConnectErrorCode, message: string, details: ConnectorErrorDetails = {}) {
    super(message);
    this.name = "ConnectorError";
    this.code = code;
    this.details = details;
  }
}

/** A failure worth retrying: 5xx answers, timeouts, resets, truncated bodies. */
export class TransientProviderError extends Error {
  readonly providerStatus: number | undefined;

  constructor(message: string, providerStatus?: number) {
    super(message);
    this.name = "TransientProviderError";
    this.providerStatus = providerStatus;
  }
}

/** The provider asked us to slow down and said (or implied) for how long. */
export class RateLimitedError extends ConnectorError {
  constructor(provider: string, retryAfterMs: number, reason: string) {
    const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
    super("rate_limited", `${provider} rate limit reached (${reason}); retry in ${seconds} s`, {
      retryAfterMs,
    });
  }

  get retryAfterMs(): number {
    return this.details.retryAfterMs ?? 0;
  }
}
