import { startSimulator, type RunningSimulator, type SimulatorOptions } from "../core/simulator-server.js";
import { renderSlackFault } from "./slack-errors.js";
import { registerSlackRoutes } from "./slack-routes.js";
import { SlackSimulatorState, type SlackPlatformErrorSpec } from "./slack-state.js";
import { completeGrant, defaultSlackTokens, type SlackTokenGrantInput } from "./slack-tokens.js";

export interface SlackSimulator extends RunningSimulator {
  /** Adds (or replaces) a token; unknown tokens answer `invalid_auth`. */
  addToken(token: string, grant: SlackTokenGrantInput): void;
  /** Arms `{"ok":false,"error":…}` answers for the next Web API calls; see SlackPlatformErrorSpec. */
  injectPlatformError(spec: SlackPlatformErrorSpec): void;
  clearPlatformErrors(): void;
}

/** Starts a Slack Web API simulator knowing the demo tokens (see slack-tokens.ts). */
export async function startSlackSimulator(options: SimulatorOptions = {}): Promise<SlackSimulator> {
  const state = new SlackSimulatorState(defaultSlackTokens());
  const running = await startSimulator(
    { name: "slack", register: (app) => registerSlackRoutes(app, state), renderFault: renderSlackFault },
    options,
  );
  return {
    ...running,
    addToken: (token, grant) => void state.tokens.set(token, completeGrant(grant)),
    injectPlatformError: (spec) => state.injectPlatformError(spec),
    clearPlatformErrors: () => state.clearPlatformErrors(),
  };
}
