import type { GithubCaller } from "./github-world.js";
import type { GithubRateLimitOptions, GithubRateLimitOverride } from "./github-types.js";

export interface RateLimitWindow {
  limit: number;
  used: number;
  /** Epoch seconds at which the window starts over. */
  reset: number;
}

const hourSeconds = 3600;
const authenticatedLimit = 5000;
const anonymousLimit = 60;

/**
 * GitHub's primary limit: a fixed hourly window per user (all of a user's tokens share it), per App
 * installation, or per address for anonymous calls, on the `core` resource. The 401 for a credential
 * that does not resolve counts against no window.
 */
export class GithubRateLimits {
  private readonly windows = new Map<string, RateLimitWindow>();
  private readonly authenticatedLimit: number;
  private readonly windowSeconds: number;

  constructor(options: GithubRateLimitOptions = {}, private readonly now: () => number = Date.now) {
    this.authenticatedLimit = options.limit ?? authenticatedLimit;
    this.windowSeconds = options.windowSeconds ?? hourSeconds;
  }

  /**
   * A conditional request answered 304 does not count against the primary limit (GitHub: "making a
   * conditional request does not count against your primary rate limit if a 304 response is returned").
   */
  refund(caller: GithubCaller, userId: number | undefined): RateLimitWindow {
    const window = this.windowOf(caller, userId);
    window.used = Math.max(0, window.used - 1);
    return window;
  }

  /** The window a caller counts against, started fresh when the previous one has ended. */
  windowOf(caller: GithubCaller, userId: number | undefined): RateLimitWindow {
    const key = this.keyOf(caller, userId);
    const nowSeconds = Math.floor(this.now() / 1000);
    const existing = this.windows.get(key);
    if (existing && existing.reset > nowSeconds) return existing;
    const fresh = this.startWindow(caller, nowSeconds);
    this.windows.set(key, fresh);
    return fresh;
  }

  /** Starts a caller's window as a test describes it (for example, already spent). */
  override(caller: GithubCaller, userId: number | undefined, override: GithubRateLimitOverride): void {
    const nowSeconds = Math.floor(this.now() / 1000);
    const limit = override.limit ?? this.defaultLimit(caller);
    const remaining = Math.min(limit, Math.max(0, override.remaining ?? limit));
    this.windows.set(this.keyOf(caller, userId), {
      limit,
      used: limit - remaining,
      reset: nowSeconds + (override.resetInSeconds ?? this.windowSeconds),
    });
  }

  /** GitHub's words when the window is spent: it names the user, the installation or the address. */
  exceededMessage(caller: GithubCaller, userId: number | undefined): string {
    if (caller.kind === "anonymous") {
      return `API rate limit exceeded for ${caller.address}. (But here's the good news: Authenticated requests get a higher rate limit. Check out the documentation for more details.)`;
    }
    return caller.grant.kind === "app_installation"
      ? `API rate limit exceeded for installation ID ${caller.grant.installationId}.`
      : `API rate limit exceeded for user ID ${userId ?? 0}.`;
  }

  private keyOf(caller: GithubCaller, userId: number | undefined): string {
    if (caller.kind === "anonymous") return `address:${caller.address}`;
    return caller.grant.kind === "app_installation" ? `installation:${caller.grant.installationId}` : `user:${userId ?? 0}`;
  }

  private startWindow(caller: GithubCaller, nowSeconds: number): RateLimitWindow {
    return { limit: this.defaultLimit(caller), used: 0, reset: nowSeconds + this.windowSeconds };
  }

  private defaultLimit(caller: GithubCaller): number {
    return caller.kind === "anonymous" ? anonymousLimit : this.authenticatedLimit;
  }
}

export function rateLimitHeaders(window: RateLimitWindow, resource = "core"): Record<string, string> {
  return {
    "x-ratelimit-limit": String(window.limit),
    "x-ratelimit-remaining": String(Math.max(0, window.limit - window.used)),
    "x-ratelimit-reset": String(window.reset),
    "x-ratelimit-used": String(window.used),
    "x-ratelimit-resource": resource,
  };
}
