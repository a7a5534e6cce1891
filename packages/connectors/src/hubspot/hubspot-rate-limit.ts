import { parseRetryAfter, type ProviderResponse } from "../core/provider-http.js";
import { readHubspotErrorBody } from "./hubspot-schemas.js";

export interface HubspotRateLimitWait {
  retryAfterMs: number;
  reason: string;
}

const defaultWindowMs = 10_000;

/**
 * How long a 429 from HubSpot asks us to wait. HubSpot rarely sends `Retry-After`; the body's
 * `policyName` says which limit was hit instead: the rolling burst window (its length is the
 * `X-HubSpot-RateLimit-Interval-Milliseconds` header), the one-second window of the search API, or
 * the daily allowance, which resets at midnight in the HubSpot account's own time zone.
 */
export function hubspotRateLimitWait(
  response: ProviderResponse,
  portalTimeZone: string | undefined,
  now = Date.now(),
): HubspotRateLimitWait {
  const body = readHubspotErrorBody(response.body);
  const policy = (body.policyName ?? "").toUpperCase();
  const retryAfterMs = parseRetryAfter(response.headers.get("retry-after"), now);

  if (policy === "DAILY") {
    const zone = usableTimeZone(portalTimeZone);
    const waitMs = retryAfterMs ?? nextMidnightIn(zone ?? "UTC", now) - now;
    const where = zone
      ? `midnight ${zone} time`
      : "midnight in the account's time zone, which HubSpot did not tell us (midnight UTC assumed)";
    return { retryAfterMs: waitMs, reason: `daily API request limit of this HubSpot account used up; it resets at ${where}` };
  }
  if (retryAfterMs !== undefined) {
    return { retryAfterMs, reason: describeBurstPolicy(policy, response.headers) };
  }
  if (policy === "SECONDLY") {
    return { retryAfterMs: 1_000, reason: describeBurstPolicy(policy, response.headers) };
  }
  const intervalMs = positiveNumber(response.headers.get("x-hubspot-ratelimit-interval-milliseconds")) ?? defaultWindowMs;
  return { retryAfterMs: intervalMs, reason: describeBurstPolicy(policy, response.headers) };
}

function describeBurstPolicy(policy: string, headers: Headers): string {
  if (policy === "SECONDLY") return "per-second request limit";
  const max = positiveNumber(headers.get("x-hubspot-ratelimit-max"));
  const intervalMs = positiveNumber(headers.get("x-hubspot-ratelimit-interval-milliseconds"));
  if (max !== undefined && intervalMs !== undefined) {
    return `limit of ${max} requests per ${intervalMs / 1000} s`;
  }
  return policy ? `${policy.toLowerCase()} request limit` : "request limit";
}

function positiveNumber(value: string | null): number | undefined {
  if (value === null) return undefined;
  const number = Number(value);
  return Number.isFinite(number) && number > 0 ? number : undefined;
}

function usableTimeZone(timeZone: string | undefined): string | undefined {
  if (!timeZone) return undefined;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone });
    return timeZone;
  } catch {
    return undefined;
  }
}

/** The next instant at which the wall clock of `timeZone` reads 00:00, after `now`. */
export function nextMidnightIn(timeZone: string, now: number): number {
  const offsetNow = zoneOffsetMs(timeZone, now);
  const wallClock = new Date(now + offsetNow);
  const nextWallMidnight = Date.UTC(wallClock.getUTCFullYear(), wallClock.getUTCMonth(), wallClock.getUTCDate() + 1);
  // The offset at midnight can differ from the offset now when daylight saving changes in between.
  const guess = nextWallMidnight - offsetNow;
  return nextWallMidnight - zoneOffsetMs(timeZone, guess);
}

/** Wall-clock time in `timeZone` minus UTC, in milliseconds, at `instant`. */
function zoneOffsetMs(timeZone: string, instant: number): number {
  const wholeSecond = Math.floor(instant / 1000) * 1000;
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  }).formatToParts(new Date(wholeSecond));
  const field = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((part) => part.type === type)?.value ?? 0);
  const wallAsUtc = Date.UTC(field("year"), field("month") - 1, field("day"), field("hour"), field("minute"), field("second"));
  return wallAsUtc - wholeSecond;
}
