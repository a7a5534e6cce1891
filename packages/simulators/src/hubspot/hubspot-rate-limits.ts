import type { HubspotTokenGrant, HubspotTier } from "./hubspot-fixtures.js";

const windowMs = 10_000;

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
  refusedBy?: "TEN_SECONDLY_ROLLING" | "DAILY";
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

  admit(grant: HubspotTokenGrant, now: number): RateLimitDecision {
    const hits = this.windowOf(grant, now);
    this.recent.set(burstKey(grant), hits);
    const burst = burstOf(grant);
    const daily = dailyOf(grant);
    const used = this.dailyUsed.get(grant.portal.portalId) ?? 0;

    if (daily !== undefined && (grant.dailyCallsLeft === 0 || used >= daily)) {
      return { refusedBy: "DAILY", headers: this.headers(grant, hits, now, used) };
    }
    if (hits.length >= burst) {
      return { refusedBy: "TEN_SECONDLY_ROLLING", headers: this.headers(grant, hits, now, used) };
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
    const burst = grant ? burstOf(grant) : privateAppLimits.professional.burst;
    const headers: Record<string, string> = {
      "X-HubSpot-RateLimit-Interval-Milliseconds": String(windowMs),
      "X-HubSpot-RateLimit-Max": String(burst),
      "X-HubSpot-RateLimit-Remaining": "0",
      "X-HubSpot-RateLimit-Secondly": String(Math.ceil(burst / 10)),
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
    return (this.recent.get(burstKey(grant)) ?? []).filter((at) => at > now - windowMs);
  }

  private headers(grant: HubspotTokenGrant, hits: number[], now: number, dailyUsed: number): Record<string, string> {
    const burst = burstOf(grant);
    const secondly = Math.ceil(burst / 10);
    const lastSecond = hits.filter((at) => at > now - 1_000).length;
    const headers: Record<string, string> = {
      "X-HubSpot-RateLimit-Interval-Milliseconds": String(windowMs),
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
