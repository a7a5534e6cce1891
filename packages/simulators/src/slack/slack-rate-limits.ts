/**
 * Slack counts requests per method, per workspace, per app, in one-minute windows ("tiers"), and answers
 * a request over the limit with HTTP 429, `Retry-After` in whole seconds and `{"ok":false,"error":
 * "ratelimited"}`. Successful answers carry no counters. The simulator keeps a fixed window per method.
 */
export interface SlackMethodLimit {
  /** Requests accepted per window. */
  limit: number;
  /** Window length; Slack's tiers are per minute (60 000). Tests use 1 000 to keep waits short. */
  windowMs: number;
}

export type SlackMethodName = "conversations.list" | "users.list" | "conversations.history" | "conversations.replies";

export type SlackRateLimits = Partial<Record<SlackMethodName | (string & {}), SlackMethodLimit>>;
export type SlackPageCaps = Partial<Record<SlackMethodName, number>>;

/**
 * The published tiers of the methods the connector reads: conversations.list and users.list are Tier 2
 * (20+ per minute), conversations.history and conversations.replies Tier 3 (50+ per minute). Opt-in:
 * the simulator's default is unlimited, so benchmarks measure the connector, not the waits.
 */
export const slackTierRateLimits: SlackRateLimits = {
  "conversations.list": { limit: 20, windowMs: 60_000 },
  "users.list": { limit: 20, windowMs: 60_000 },
  "conversations.history": { limit: 50, windowMs: 60_000 },
  "conversations.replies": { limit: 50, windowMs: 60_000 },
};

/**
 * What commercially distributed apps not approved for the Slack Marketplace get since 29 May 2025
 * (new apps and new installations): conversations.history and conversations.replies at Tier 1-like
 * 1 request per minute, with `limit` capped at 15. Internal (customer-built) and Marketplace apps keep
 * the tiers above.
 */
export const slackNonMarketplaceLimits: { rateLimits: SlackRateLimits; pageCaps: SlackPageCaps } = {
  rateLimits: {
    ...slackTierRateLimits,
    "conversations.history": { limit: 1, windowMs: 60_000 },
    "conversations.replies": { limit: 1, windowMs: 60_000 },
  },
  pageCaps: { "conversations.history": 15, "conversations.replies": 15 },
};

export class SlackRateLimiter {
  private readonly windows = new Map<string, { startedAt: number; count: number }>();

  constructor(private readonly limits: SlackRateLimits) {}

  /** Counts a call; returns the seconds to wait when it is over the method's limit, else undefined. */
  take(method: string, now = Date.now()): number | undefined {
    const limit = this.limits[method];
    if (!limit) return undefined;
    let window = this.windows.get(method);
    if (!window || now - window.startedAt >= limit.windowMs) {
      window = { startedAt: now, count: 0 };
      this.windows.set(method, window);
    }
    window.count += 1;
    if (window.count <= limit.limit) return undefined;
    return Math.max(1, Math.ceil((window.startedAt + limit.windowMs - now) / 1000));
  }
}
