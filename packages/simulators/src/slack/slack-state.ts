import { SlackRateLimiter, type SlackPageCaps, type SlackRateLimits } from "./slack-rate-limits.js";
import type { SlackTokenGrant } from "./slack-tokens.js";
import type { SlackWorkspace } from "./slack-workspace.js";

/**
 * A Slack-specific fault: the next `times` Web API calls answer `{"ok":false,"error":…}`, by default
 * with HTTP 200 as Slack does (`internal_error`, `fatal_error`, `invalid_auth`…). The generic faults
 * cover what travels in the status line (429, 5xx, cut bodies).
 */
export interface SlackPlatformErrorSpec {
  error: string;
  times?: number;
  status?: number;
  /** Extra body fields, such as `needed`/`provided` for `missing_scope`. */
  extra?: Record<string, unknown>;
}

export interface SlackServingOptions {
  /** Per-method request limits per window (default: none). */
  rateLimits?: SlackRateLimits;
  /** Per-method largest page (default 999 for every method). */
  pageCaps?: SlackPageCaps;
  /** Added before every Web API answer (default 0). */
  latencyMs?: number;
}

export class SlackSimulatorState {
  readonly tokens: Map<string, SlackTokenGrant>;
  readonly workspace: SlackWorkspace;
  readonly rateLimiter: SlackRateLimiter;
  readonly pageCaps: SlackPageCaps;
  readonly latencyMs: number;
  private platformErrors: Array<SlackPlatformErrorSpec & { remaining: number }> = [];

  constructor(tokens: Map<string, SlackTokenGrant>, workspace: SlackWorkspace, options: SlackServingOptions = {}) {
    this.tokens = tokens;
    this.workspace = workspace;
    this.rateLimiter = new SlackRateLimiter(options.rateLimits ?? {});
    this.pageCaps = options.pageCaps ?? {};
    this.latencyMs = options.latencyMs ?? 0;
  }

  injectPlatformError(spec: SlackPlatformErrorSpec): void {
    this.platformErrors.push({ ...spec, remaining: spec.times ?? 1 });
  }

  takePlatformError(): SlackPlatformErrorSpec | undefined {
    const armed = this.platformErrors[0];
    if (!armed) return undefined;
    armed.remaining -= 1;
    if (armed.remaining <= 0) this.platformErrors.shift();
    return armed;
  }

  clearPlatformErrors(): void {
    this.platformErrors = [];
  }
}
