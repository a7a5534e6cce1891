import { parseRetryAfter } from "../core/provider-http.js";

/**
 * Linear meters three budgets, each with its own headers: requests per hour, query complexity points
 * per hour, and lower per-endpoint limits on some queries and mutations. Resets are UTC epoch
 * milliseconds (unlike most APIs' seconds).
 */
const budgets = [
  { header: "requests", describe: (limit?: number) => `request limit${limit ? ` of ${limit} per hour` : ""} used up` },
  {
    header: "complexity",
    describe: (limit?: number) => `query complexity limit${limit ? ` of ${limit} points per hour` : ""} used up`,
  },
  { header: "endpoint-requests", describe: () => "limit of this endpoint used up" },
] as const;

// Used only when no reset header survived (a proxy stripped them); an hour is Linear's window.
const fallbackRetryAfterMs = 60 * 60 * 1000;

// Values below this are epoch seconds, not milliseconds: a defensive reading for clients and proxies
// that rewrite the header (10^11 ms is 1973, 10^11 s is year 5138).
const epochMillisecondsFloor = 1e11;

export interface LinearRateLimit {
  retryAfterMs: number;
  reason: string;
}

/** When a rate-limited request may be retried, from the reset header of the budget that ran out. */
export function linearRateLimit(headers: Headers, now = Date.now()): LinearRateLimit {
  const readings = budgets.map((budget) => ({
    budget,
    limit: numberHeader(headers, `x-ratelimit-${budget.header}-limit`),
    remaining: numberHeader(headers, `x-ratelimit-${budget.header}-remaining`),
    resetAt: epochMilliseconds(numberHeader(headers, `x-ratelimit-${budget.header}-reset`)),
  }));
  const withReset = readings.filter((reading) => reading.resetAt !== undefined);
  const exhausted = withReset.filter((reading) => reading.remaining !== undefined && reading.remaining <= 0);
  const deciding = exhausted.length > 0 ? exhausted : withReset;

  if (deciding.length === 0) {
    return {
      retryAfterMs: parseRetryAfter(headers.get("retry-after"), now) ?? fallbackRetryAfterMs,
      reason: "Linear answered RATELIMITED",
    };
  }
  const latest = deciding.reduce((a, b) => ((b.resetAt ?? 0) > (a.resetAt ?? 0) ? b : a));
  const retryAfterMs = Math.max(0, (latest.resetAt ?? now) - now);
  if (exhausted.length === 0) return { retryAfterMs, reason: "Linear answered RATELIMITED" };
  const endpoint = headers.get("x-ratelimit-endpoint-name");
  const reason =
    latest.budget.header === "endpoint-requests" && endpoint
      ? `limit of the ${sanitizeName(endpoint)} endpoint used up`
      : latest.budget.describe(latest.limit);
  return { retryAfterMs, reason };
}

function numberHeader(headers: Headers, name: string): number | undefined {
  const value = headers.get(name);
  if (value === null || value.trim() === "") return undefined;
  const parsed = Number(value);
  return Number.isFinite(parsed) ? parsed : undefined;
}

function epochMilliseconds(value: number | undefined): number | undefined {
  if (value === undefined) return undefined;
  return value < epochMillisecondsFloor ? value * 1000 : value;
}

function sanitizeName(name: string): string {
  return name.replace(/[^\w.:-]/g, "").slice(0, 80);
}
