import type { SimulatorOptions, RunningSimulator } from "./core/simulator-server.js";
import { githubDemoConfig, githubDemoCredentials, startGithubSimulator } from "./github/index.js";
import { hubspotDemoConfig, hubspotDemoCredentials, startHubspotSimulator } from "./hubspot/index.js";
import { linearDemoConfig, linearDemoCredentials, startLinearSimulator } from "./linear/index.js";
import { slackDemoConfig, slackDemoCredentials, startSlackSimulator } from "./slack/index.js";

export interface DemoProvider {
  connector: string;
  start: (options?: SimulatorOptions) => Promise<RunningSimulator>;
  credentials: Record<string, unknown>;
  config: Record<string, unknown>;
}

/** The four simulators with the demo credentials each one accepts for every stream. */
export const demoProviders: readonly DemoProvider[] = [
  { connector: "github", start: startGithubSimulator, credentials: githubDemoCredentials, config: githubDemoConfig },
  { connector: "slack", start: startSlackSimulator, credentials: slackDemoCredentials, config: slackDemoConfig },
  { connector: "linear", start: startLinearSimulator, credentials: linearDemoCredentials, config: linearDemoConfig },
  { connector: "hubspot", start: startHubspotSimulator, credentials: hubspotDemoCredentials, config: hubspotDemoConfig },
];

export interface StartedDemoProvider extends DemoProvider {
  simulator: RunningSimulator;
}

/** Starts every demo simulator on consecutive ports from `basePort` (0: any free ports). */
export async function startDemoSimulators(basePort: number, host = "127.0.0.1"): Promise<StartedDemoProvider[]> {
  const started: StartedDemoProvider[] = [];
  try {
    for (const [index, provider] of demoProviders.entries()) {
      const simulator = await provider.start({ host, port: basePort === 0 ? 0 : basePort + index });
      started.push({ ...provider, simulator });
    }
  } catch (error) {
    await Promise.all(started.map((entry) => entry.simulator.close()));
    throw error;
  }
  return started;
}
