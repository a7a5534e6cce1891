import { parseRetryAfter, type ProviderResponse, type ResponseVerdict } from "../core/provider-http.js";
import { githubErrorMessage } from "./github-error-body.js";

/** GitHub's advice when a secondary limit names no wait: at least one minute. */
const secondaryLimitFallbackMs = 60_000;

/**
 * Reads GitHub's two rate limits off a 403 or 429, following its documented order: `retry-after`
 * (seconds) when present; else `x-ratelimit-remaining: 0` means the primary window is spent until
 * `x-ratelimit-reset` (epoch seconds); else a secondary-limit message means wait a minute. Any other
 * 403 is a permission answer and yields undefined.
 */
export function githubRateLimitVerdict(
  response: ProviderResponse,
  now: number = Date.now(),
): Extract<ResponseVerdict, { kind: "rate_limited" }> | undefined {
  if (response.status !== 403 && response.status !== 429) return undefined;
  const { headers } = response;
  const secondary = /secondary rate limit/i.test(githubErrorMessage(response.body) ?? "");

  const retryAfterMs = parseRetryAfter(headers.get("retry-after"), now);
  if (retryAfterMs !== undefined) {
    return {
      kind: "rate_limited",
      retryAfterMs,
      reason: secondary ? "secondary rate limit" : `HTTP ${response.status} with retry-after`,
    };
  }

  if (headers.get("x-ratelimit-remaining") === "0") {
    const resetSeconds = Number(headers.get("x-ratelimit-reset"));
    const resource = headers.get("x-ratelimit-resource");
    const limit = headers.get("x-ratelimit-limit");
    const window = `primary limit${limit ? ` of ${limit} requests an hour` : ""}${resource ? ` on "${resource}"` : ""}`;
    if (Number.isFinite(resetSeconds) && resetSeconds > 0) {
      const resetAt = resetSeconds * 1000;
      return {
        kind: "rate_limited",
        retryAfterMs: Math.max(0, resetAt - now),
        reason: `${window} used up until ${new Date(resetAt).toISOString()}`,
      };
    }
    return { kind: "rate_limited", retryAfterMs: secondaryLimitFallbackMs, reason: `${window} used up` };
  }

  if (secondary || response.status === 429) {
    return { kind: "rate_limited", retryAfterMs: secondaryLimitFallbackMs, reason: "secondary rate limit" };
  }
  return undefined;
}
