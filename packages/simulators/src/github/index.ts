export {
  startGithubSimulator,
  type GithubSimulatorOptions,
  type RunningGithubSimulator,
} from "./github-simulator.js";
export {
  githubDemoConfig,
  githubDemoCredentials,
  githubDemoToken,
  githubFixtureOrganizations,
  githubFixtureRepositories,
  githubFixtureTokens,
  githubFixtureUsers,
} from "./github-fixtures.js";
export type { GithubClientHeaders, GithubSecondaryLimitSpec } from "./github-state.js";
export { GithubDataset, githubDatasetStreams, type GithubDatasetStream } from "./github-dataset.js";
export type * from "./github-types.js";
export { GithubWorld, type GithubCaller } from "./github-world.js";
