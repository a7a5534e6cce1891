import {
  DelegateBackoff,
  TaskCancelledError,
  TimeoutStrategy,
  handleWhen,
  retry,
  timeout,
  wrap,
} from "cockatiel";
import { ConnectorError, RateLimitedError, TransientProviderError } from "./connector-errors.js";
import { exchange, type HttpAnswer } from "./http-exchange.js";
import { silentLogger, type ConnectorLogger } from "./logger-types.js";

/** What came back from one HTTP attempt, body already read. */
export interface ProviderResponse {
  status: number;
  headers: Headers;
  /** Parsed JSON, or undefined when the body was empty. */
  body: unknown;
}

/**
 * How a provider's answer should be treated. Each API signals failure its own way (Slack's HTTP 200
 * `ok:false`, Linear's GraphQL `errors`, GitHub's 403 with `x-ratelimit-remaining: 0`), so every
 * connector supplies a classifier and the client does the rest.
 */
export type ResponseVerdict =
  | { kind: "ok" }
  | { kind: "transient"; reason: string }
  | { kind: "rate_limited"; retryAfterMs: number; reason: string }
  | { kind: "error"; error: ConnectorError };

export interface ProviderRequest {
  method?: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** Path relative to the client's base URL (leading slash), or an absolute URL (for `Link` pagination). */
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  headers?: Record<string, string>;
  /** JSON body. */
  json?: unknown;
  /** Form body (Slack's Web API accepts both). */
  form?: Record<string, string>;
  /**
   * What logs and statistics show instead of the path, for paths that carry a secret (HubSpot's
   * token-metadata endpoint puts the token in the URL): `/oauth/v1/access-tokens/{token}`.
   */
  pathTemplate?: string;
  /**
   * Decodes a successful (2xx) answer's bytes instead of `JSON.parse`: a reader that spools pages
   * unparsed scans them here. A decoder that throws marks the answer as garbled, which is retried.
   */
  decodeBody?: (bytes: Buffer) => unknown;
}

export interface ProviderHttpOptions {
  /** Display name used in messages: "GitHub", "Slack". */
  provider: string;
  baseUrl: string;
  /** Authentication headers. Never logged, never echoed in errors. */
  authHeaders: Record<string, string>;
  classify: (response: ProviderResponse) => ResponseVerdict;
  /** Time budget of one logical request, retries and backoff included (default 30 s). */
  requestDeadlineMs?: number;
  /** Absolute instant (epoch ms) by which everything this client does must end, across requests. */
  deadlineAt?: number;
  /** Budget of a single attempt. */
  attemptTimeoutMs?: number;
  /** When true, a rate limit that ends within the deadline is waited out instead of reported. */
  waitOnRateLimit?: boolean;
  /** First backoff delay; later delays grow exponentially with full jitter up to `maxBackoffMs`. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  signal?: AbortSignal;
  logger?: ConnectorLogger;
  userAgent?: string;
  /** Called after every attempt that got an HTTP answer; used for run statistics. */
  onResponse?: (info: { method: string; path: string; status: number; durationMs: number }) => void;
}

const defaultUserAgent = "tributary-connect/0.1";

export class ProviderHttpClient {
  private readonly options: Required<
    Pick<ProviderHttpOptions, "attemptTimeoutMs" | "initialBackoffMs" | "maxBackoffMs" | "userAgent" | "requestDeadlineMs">
  > &
    ProviderHttpOptions;
  private readonly logger: ConnectorLogger;

  constructor(options: ProviderHttpOptions) {
    this.options = {
      attemptTimeoutMs: 10_000,
      requestDeadlineMs: 30_000,
      initialBackoffMs: 250,
      maxBackoffMs: 8_000,
      userAgent: defaultUserAgent,
      ...options,
    };
    this.logger = options.logger ?? silentLogger;
  }

  /**
   * Sends the request, retrying transient failures with jittered exponential backoff until the
   * deadline. Returns the response the classifier accepted, or throws a ConnectorError.
   */
  async request(request: ProviderRequest): Promise<ProviderResponse> {
    const { provider } = this.options;
    const deadlineMs = Math.min(
      this.options.requestDeadlineMs,
      this.options.deadlineAt === undefined ? Number.POSITIVE_INFINITY : this.options.deadlineAt - Date.now(),
    );
    if (deadlineMs <= 0) {
      throw new ConnectorError("provider_unavailable", `No time left to reach ${provider} before the deadline`);
    }
    let lastTransient: TransientProviderError | undefined;
    let attempts = 0;
    const endsAt = Date.now() + deadlineMs;

    const retryPolicy = retry(
      handleWhen((error) => this.isRetryable(error, endsAt)),
      {
        maxAttempts: Number.MAX_SAFE_INTEGER,
        backoff: new DelegateBackoff((context) => {
          const failure = context.result;
          if ("error" in failure && failure.error instanceof RateLimitedError) {
            return failure.error.retryAfterMs;
          }
          const ceiling = Math.min(
            this.options.maxBackoffMs,
            this.options.initialBackoffMs * 2 ** (context.attempt - 1),
          );
          // Full jitter: spreads retries of many clients hit by the same outage.
          return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
        }),
      },
    );
    // The outer timeout bounds the whole exchange, retries and backoff sleeps included.
    const policy = wrap(timeout(deadlineMs, TimeoutStrategy.Aggressive), retryPolicy);

    try {
      return await policy.execute(async ({ signal }) => {
        attempts += 1;
        try {
          return await this.attempt(request, signal);
        } catch (error) {
          if (error instanceof TransientProviderError) lastTransient = error;
          throw error;
        }
      }, this.options.signal);
    } catch (error) {
      if (error instanceof ConnectorError) throw error;
      if (this.options.signal?.aborted) {
        throw new ConnectorError("provider_unavailable", `Request to ${provider} was cancelled`);
      }
      if (error instanceof TaskCancelledError || error instanceof TransientProviderError) {
        const why = lastTransient ? `: ${lastTransient.message}` : "";
        throw new ConnectorError(
          "provider_unavailable",
          `${provider} did not answer successfully within ${(deadlineMs / 1000).toFixed(1)} s after ${attempts} attempt${attempts === 1 ? "" : "s"}${why}`,
          lastTransient?.providerStatus ? { providerStatus: lastTransient.providerStatus } : {},
        );
      }
      throw error;
    }
  }

  /** Convenience for JSON APIs: the accepted response's body, typed by the caller's parser. */
  async json<T>(request: ProviderRequest, parse: (body: unknown) => T): Promise<ProviderResponse & { data: T }> {
    const response = await this.request(request);
    return { ...response, data: parse(response.body) };
  }

  /**
   * Transient failures are retried until the deadline. A rate limit is waited out only when asked to and
   * only when it lifts before the deadline: a window that ends later (HubSpot's daily limit, GitHub's
   * hourly one near the end of a run) is reported as `rate_limited` at once instead of sleeping into a
   * timeout.
   */
  private isRetryable(error: unknown, endsAt: number): boolean {
    if (error instanceof TransientProviderError) return true;
    return (
      error instanceof RateLimitedError &&
      this.options.waitOnRateLimit === true &&
      Date.now() + error.retryAfterMs < endsAt
    );
  }

  private buildUrl(request: ProviderRequest): URL {
    const absolute = /^https?:\/\//i.test(request.path);
    const url = absolute
      ? new URL(request.path)
      : new URL(this.options.baseUrl.replace(/\/+$/, "") + request.path);
    for (const [key, value] of Object.entries(request.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    return url;
  }

  private async attempt(request: ProviderRequest, deadlineSignal: AbortSignal): Promise<ProviderResponse> {
    const method = request.method ?? "GET";
    const url = this.buildUrl(request);
    const loggedPath = request.pathTemplate ?? url.pathname;
    const headers: Record<string, string> = { accept: "application/json", "user-agent": this.options.userAgent };
    for (const fields of [request.headers, this.options.authHeaders]) {
      for (const name in fields) headers[name.toLowerCase()] = fields[name]!;
    }
    let body: string | undefined;
    if (request.json !== undefined) {
      headers["content-type"] = "application/json";
      body = JSON.stringify(request.json);
    } else if (request.form) {
      headers["content-type"] = "application/x-www-form-urlencoded";
      body = new URLSearchParams(request.form).toString();
    }

    const signal = AbortSignal.any([deadlineSignal, AbortSignal.timeout(this.options.attemptTimeoutMs)]);
    const started = performance.now();
    let response: HttpAnswer;
    let bytes: Buffer;
    try {
      response = await exchange({ url, method, headers, body, signal });
      bytes = withoutByteOrderMark(response.bytes);
    } catch (error) {
      if (deadlineSignal.aborted) throw error;
      const reason = error instanceof Error && error.name === "TimeoutError" ? "timed out" : networkReason(error);
      this.logger.warn({ provider: this.options.provider, method, path: loggedPath, reason }, "provider request failed");
      throw new TransientProviderError(reason);
    }
    const durationMs = performance.now() - started;
    this.options.onResponse?.({ method, path: loggedPath, status: response.status, durationMs });
    this.logger.debug(
      { provider: this.options.provider, method, path: loggedPath, status: response.status, durationMs: Math.round(durationMs) },
      "provider response",
    );

    let parsed: unknown;
    if (request.decodeBody && response.status >= 200 && response.status < 300 && bytes.length > 0) {
      try {
        parsed = request.decodeBody(bytes);
      } catch {
        throw new TransientProviderError(`malformed response body (HTTP ${response.status})`, response.status);
      }
    } else if (bytes.length > 0) {
      try {
        parsed = JSON.parse(bytes.toString("utf8"));
      } catch {
        const status = response.status;
        if (status >= 500 || status === 408) throw new TransientProviderError(`HTTP ${status}`, status);
        // A cut or garbled success body from a proxy or load balancer: the same request usually succeeds again.
        if (status < 400) throw new TransientProviderError(`malformed response body (HTTP ${status})`, status);
        // A non-JSON 4xx is a real answer (an HTML 404 when api_base_url points at a web UI, a proxy's 429):
        // the classifier decides from the status, with no body.
        parsed = undefined;
      }
    }

    const providerResponse: ProviderResponse = { status: response.status, headers: response.headers, body: parsed };
    const verdict = this.options.classify(providerResponse);
    switch (verdict.kind) {
      case "ok":
        return providerResponse;
      case "transient":
        throw new TransientProviderError(verdict.reason, response.status);
      case "rate_limited":
        throw new RateLimitedError(this.options.provider, verdict.retryAfterMs, verdict.reason);
      case "error":
        throw verdict.error;
    }
  }
}

/** As `Response.text()` does: a UTF-8 byte order mark is not part of the JSON. */
function withoutByteOrderMark(bytes: Buffer): Buffer {
  return bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.subarray(3) : bytes;
}

/** "network error (ECONNREFUSED)": undici's own errors carry the code, errors wrapped as fetch wraps them carry it in `cause`. */
function networkReason(error: unknown): string {
  const code = errorCode(error) ?? (error instanceof Error ? errorCode(error.cause) : undefined);
  return code ? `network error (${code})` : "network error";
}

function errorCode(error: unknown): string | undefined {
  const code = typeof error === "object" && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === "string" && code !== "" ? code : undefined;
}

/** Parses `Retry-After` (seconds or HTTP date) into milliseconds; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Default classification of a status code, for providers whose 2xx always means success. */
export function classifyByStatus(status: number): ResponseVerdict | undefined {
  if (status >= 200 && status < 300) return { kind: "ok" };
  if (status >= 500 || status === 408) return { kind: "transient", reason: `HTTP ${status}` };
  return undefined;
}
