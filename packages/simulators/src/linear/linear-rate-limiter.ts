/**
 * Linear's rate limiting: leaky buckets refilled at a constant LIMIT / 1 hour, one for requests and one
 * for query complexity points, shared by every credential of the same user (per IP when
 * unauthenticated). Resets are reported in UTC epoch milliseconds.
 */

export interface LinearBudget {
  requestsPerHour: number;
  complexityPerHour: number;
}

export type LinearBudgetKind = "api_key" | "oauth" | "unauthenticated";

/** The limits on linear.app/developers/rate-limiting as of 2026 (earlier: 1,500 and 250,000 for API keys). */
export const defaultLinearBudgets: Record<LinearBudgetKind, LinearBudget> = {
  api_key: { requestsPerHour: 2_500, complexityPerHour: 3_000_000 },
  oauth: { requestsPerHour: 5_000, complexityPerHour: 2_000_000 },
  unauthenticated: { requestsPerHour: 600, complexityPerHour: 100_000 },
};

const hourMs = 60 * 60 * 1000;

export class LeakyBucket {
  private available: number;
  private updatedAt: number;

  constructor(
    readonly capacity: number,
    now: number,
  ) {
    this.available = capacity;
    this.updatedAt = now;
  }

  tryTake(amount: number, now: number): boolean {
    this.refill(now);
    if (this.available < amount) return false;
    this.available -= amount;
    return true;
  }

  remaining(now: number): number {
    this.refill(now);
    return Math.floor(this.available);
  }

  /** When the bucket is full again: the end of the current window, in Linear's terms. */
  resetAt(now: number): number {
    this.refill(now);
    return now + Math.ceil(((this.capacity - this.available) * hourMs) / this.capacity);
  }

  drain(now: number): void {
    this.refill(now);
    this.available = 0;
  }

  private refill(now: number): void {
    const elapsed = Math.max(0, now - this.updatedAt);
    this.available = Math.min(this.capacity, this.available + (elapsed * this.capacity) / hourMs);
    this.updatedAt = now;
  }
}

export interface LinearBuckets {
  requests: LeakyBucket;
  complexity: LeakyBucket;
}

export class LinearRateLimiter {
  private readonly buckets = new Map<string, LinearBuckets>();

  constructor(private readonly budgets: Record<LinearBudgetKind, LinearBudget>) {}

  /** The buckets of a user (or of an IP address for unauthenticated requests). */
  bucketsFor(kind: LinearBudgetKind, subject: string, now: number): LinearBuckets {
    const key = `${kind}:${subject}`;
    let buckets = this.buckets.get(key);
    if (!buckets) {
      const budget = this.budgets[kind];
      buckets = {
        requests: new LeakyBucket(budget.requestsPerHour, now),
        complexity: new LeakyBucket(budget.complexityPerHour, now),
      };
      this.buckets.set(key, buckets);
    }
    return buckets;
  }
}

/** The headers Linear sends on every GraphQL answer. */
export function rateLimitHeaders(buckets: LinearBuckets, now: number): Record<string, string> {
  return {
    "x-ratelimit-requests-limit": String(buckets.requests.capacity),
    "x-ratelimit-requests-remaining": String(buckets.requests.remaining(now)),
    "x-ratelimit-requests-reset": String(buckets.requests.resetAt(now)),
    "x-ratelimit-complexity-limit": String(buckets.complexity.capacity),
    "x-ratelimit-complexity-remaining": String(buckets.complexity.remaining(now)),
    "x-ratelimit-complexity-reset": String(buckets.complexity.resetAt(now)),
  };
}
