import type { SlackTokenGrant } from "./slack-tokens.js";

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

export class SlackSimulatorState {
  readonly tokens: Map<string, SlackTokenGrant>;
  private platformErrors: Array<SlackPlatformErrorSpec & { remaining: number }> = [];

  constructor(tokens: Map<string, SlackTokenGrant>) {
    this.tokens = tokens;
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
