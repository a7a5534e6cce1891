import type { DatasetControl } from "../core/dataset-types.js";
import { startSimulator, type RunningSimulator, type SimulatorOptions } from "../core/simulator-server.js";
import { SlackDatasetControl, buildSeededWorkspace, type SlackDatasetOptions } from "./slack-dataset.js";
import { renderSlackFault } from "./slack-errors.js";
import { buildDemoWorkspace } from "./slack-fixtures.js";
import { registerSlackRoutes } from "./slack-routes.js";
import { SlackSimulatorState, type SlackPlatformErrorSpec, type SlackServingOptions } from "./slack-state.js";
import { completeGrant, defaultSlackTokens, type SlackTokenGrantInput } from "./slack-tokens.js";

export interface SlackSimulatorOptions extends SimulatorOptions, SlackServingOptions {
  /** A seeded workspace of the given sizes; without it, the small demo workspace. */
  dataset?: SlackDatasetOptions;
}

export interface SlackSimulator extends RunningSimulator {
  /** Changes and ground truth of the served workspace (also on the admin API under `/_simulator`). */
  dataset: DatasetControl;
  /** Adds (or replaces) a token; unknown tokens answer `invalid_auth`. */
  addToken(token: string, grant: SlackTokenGrantInput): void;
  /** Arms `{"ok":false,"error":…}` answers for the next Web API calls; see SlackPlatformErrorSpec. */
  injectPlatformError(spec: SlackPlatformErrorSpec): void;
  clearPlatformErrors(): void;
}

/** Starts a Slack Web API simulator knowing the demo tokens (see slack-tokens.ts). */
export async function startSlackSimulator(options: SlackSimulatorOptions = {}): Promise<SlackSimulator> {
  const workspace = options.dataset ? buildSeededWorkspace(options.dataset) : buildDemoWorkspace();
  const state = new SlackSimulatorState(defaultSlackTokens(), workspace, options);
  const dataset = new SlackDatasetControl(workspace);
  const running = await startSimulator(
    { name: "slack", register: (app) => registerSlackRoutes(app, state), renderFault: renderSlackFault, dataset },
    { port: options.port, host: options.host },
  );
  return {
    ...running,
    dataset,
    addToken: (token, grant) => void state.tokens.set(token, completeGrant(grant)),
    injectPlatformError: (spec) => state.injectPlatformError(spec),
    clearPlatformErrors: () => state.clearPlatformErrors(),
  };
}
