import type { HubspotTokenGrant, HubspotTier } from "./hubspot-fixtures.js";

/**
 * Limits a simulator applies instead of HubSpot's own, so benchmarks are not throttled and tests can
 * make a window short. Unset fields keep HubSpot's value for the token's kind and tier.
 */
export interface HubspotRateLimitOverrides {
  /** Requests per window per app (HubSpot: 100, 110 or 190 per 10 s). */
  burst?: number;
  /** Length of the rolling window, reported in `X-HubSpot-RateLimit-Interval-Milliseconds` (HubSpot: 10,000). */
  windowMs?: number;
  /** CRM search requests per second per account (HubSpot: 5). */
  searchPerSecond?: number;
}

/** HubSpot's real limits, as the tier table says. */
export const hubspotRateLimits: HubspotRateLimitOverrides = {};

/** Limits no benchmark reaches. */
export const generousRateLimits: Required<HubspotRateLimitOverrides> = { burst: 1_000_000, windowMs: 10_000, searchPerSecond: 100_000 };

const defaultWindowMs = 10_000;
const defaultSearchPerSecond = 5;

/** Public (OAuth) apps get 110 requests per 10 s per account and no daily cap. */
const oauthBurst = 110;

/** Private apps: burst per app per 10 s, daily allowance per account, by subscription tier. */
const privateAppLimits: Record<HubspotTier, { burst: number; daily: number }> = {
  free: { burst: 100, daily: 250_000 },
  starter: { burst: 100, daily: 250_000 },
  professional: { burst: 190, daily: 625_000 },
  enterprise: { burst: 190, daily: 1_000_000 },
};

export interface RateLimitDecision {
  /** Set when the request must be refused, with the policy HubSpot names in the 429. */
  refusedBy?: "TEN_SECONDLY_ROLLING" | "DAILY" | "SECONDLY";
  headers: Record<string, string>;
}

/**
 * Counts requests per app (rolling 10-second window) and per account (daily), and renders the
 * `X-HubSpot-RateLimit-*` headers HubSpot sends: the daily pair only for private apps, since OAuth
 * calls have no daily limit.
 */
export class HubspotRateLimiter {
  private readonly recent = new Map<string, number[]>();
  private readonly dailyUsed = new Map<number, number>();
  private readonly searches = new Map<number, number[]>();
  private readonly windowMs: number;

  constructor(private readonly overrides: HubspotRateLimitOverrides = hubspotRateLimits) {
    this.windowMs = overrides.windowMs ?? defaultWindowMs;
  }

  /**
   * Counts one request; `search` requests also count against the account's per-second search limit,
   * whose refusal names the `SECONDLY` policy.
   */
  admit(grant: HubspotTokenGrant, now: number, options: { search?: boolean } = {}): RateLimitDecision {
    const hits = this.windowOf(grant, now);
    this.recent.set(burstKey(grant), hits);
    const burst = this.burstOf(grant);
    const daily = dailyOf(grant);
    const used = this.dailyUsed.get(grant.portal.portalId) ?? 0;

    if (daily !== undefined && (grant.dailyCallsLeft === 0 || used >= daily)) {
      return { refusedBy: "DAILY", headers: this.headers(grant, hits, now, used) };
    }
    if (hits.length >= burst) {
      return { refusedBy: "TEN_SECONDLY_ROLLING", headers: this.headers(grant, hits, now, used) };
    }
    if (options.search) {
      const recentSearches = (this.searches.get(grant.portal.portalId) ?? []).filter((at) => at > now - 1_000);
      this.searches.set(grant.portal.portalId, recentSearches);
      if (recentSearches.length >= (this.overrides.searchPerSecond ?? defaultSearchPerSecond)) {
        return { refusedBy: "SECONDLY", headers: {} };
      }
      recentSearches.push(now);
    }
    hits.push(now);
    this.dailyUsed.set(grant.portal.portalId, used + 1);
    if (grant.dailyCallsLeft !== undefined) grant.dailyCallsLeft -= 1;
    return { headers: this.headers(grant, hits, now, used + 1) };
  }

  /** The current headers without counting a request: what a failed answer (a 500) still carries. */
  peekHeaders(grant: HubspotTokenGrant, now: number): Record<string, string> {
    return this.headers(grant, this.windowOf(grant, now), now, this.dailyUsed.get(grant.portal.portalId) ?? 0);
  }

  /** Headers of a refusal forced by a fault: the window is reported as spent. */
  exhaustedHeaders(grant: HubspotTokenGrant | undefined): Record<string, string> {
    const burst = grant ? this.burstOf(grant) : (this.overrides.burst ?? privateAppLimits.professional.burst);
    const headers: Record<string, string> = {
      "X-HubSpot-RateLimit-Interval-Milliseconds": String(this.windowMs),
      "X-HubSpot-RateLimit-Max": String(burst),
      "X-HubSpot-RateLimit-Remaining": "0",
      "X-HubSpot-RateLimit-Secondly": String(this.secondlyOf(burst)),
      "X-HubSpot-RateLimit-Secondly-Remaining": "0",
    };
    const daily = grant ? dailyOf(grant) : undefined;
    if (grant && daily !== undefined) {
      const used = this.dailyUsed.get(grant.portal.portalId) ?? 0;
      headers["X-HubSpot-RateLimit-Daily"] = String(daily);
      headers["X-HubSpot-RateLimit-Daily-Remaining"] = String(dailyRemaining(grant, daily, used));
    }
    return headers;
  }

  private windowOf(grant: HubspotTokenGrant, now: number): number[] {
    const hits = this.recent.get(burstKey(grant)) ?? [];
    // Drop expired hits from the front: the list is in time order, so this stays cheap under load.
    let expired = 0;
    while (expired < hits.length && (hits[expired] as number) <= now - this.windowMs) expired += 1;
    return expired === 0 ? hits : hits.slice(expired);
  }

  private burstOf(grant: HubspotTokenGrant): number {
    return this.overrides.burst ?? burstOf(grant);
  }

  /** HubSpot reports a per-second share of the burst: a tenth of a 10-second window. */
  private secondlyOf(burst: number): number {
    return Math.max(1, Math.ceil((burst * 1_000) / this.windowMs));
  }

  private headers(grant: HubspotTokenGrant, hits: number[], now: number, dailyUsed: number): Record<string, string> {
    const burst = this.burstOf(grant);
    const secondly = this.secondlyOf(burst);
    let lastSecond = 0;
    for (let index = hits.length - 1; index >= 0 && (hits[index] as number) > now - 1_000; index -= 1) lastSecond += 1;
    const headers: Record<string, string> = {
      "X-HubSpot-RateLimit-Interval-Milliseconds": String(this.windowMs),
      "X-HubSpot-RateLimit-Max": String(burst),
      "X-HubSpot-RateLimit-Remaining": String(Math.max(0, burst - hits.length)),
      "X-HubSpot-RateLimit-Secondly": String(secondly),
      "X-HubSpot-RateLimit-Secondly-Remaining": String(Math.max(0, secondly - lastSecond)),
    };
    const daily = dailyOf(grant);
    if (daily !== undefined) {
      headers["X-HubSpot-RateLimit-Daily"] = String(daily);
      headers["X-HubSpot-RateLimit-Daily-Remaining"] = String(dailyRemaining(grant, daily, dailyUsed));
    }
    return headers;
  }
}

/** The burst limit applies per app in each account. */
function burstKey(grant: HubspotTokenGrant): string {
  return `${grant.kind}:${grant.appId}:${grant.portal.portalId}`;
}

function dailyRemaining(grant: HubspotTokenGrant, daily: number, used: number): number {
  return grant.dailyCallsLeft ?? Math.max(0, daily - used);
}

function burstOf(grant: HubspotTokenGrant): number {
  return grant.kind === "oauth" ? oauthBurst : privateAppLimits[grant.portal.tier].burst;
}

function dailyOf(grant: HubspotTokenGrant): number | undefined {
  return grant.kind === "oauth" ? undefined : privateAppLimits[grant.portal.tier].daily;
}
