export { startSlackSimulator, type SlackSimulator, type SlackSimulatorOptions } from "./slack-simulator.js";
export type { SlackDatasetOptions } from "./slack-dataset.js";
export type { SlackPlatformErrorSpec } from "./slack-state.js";
export {
  slackNonMarketplaceLimits,
  slackTierRateLimits,
  type SlackMethodLimit,
  type SlackPageCaps,
  type SlackRateLimits,
} from "./slack-rate-limits.js";
export {
  slackAllReadScopes,
  slackDemoConfig,
  slackDemoCredentials,
  slackDemoUserToken,
  type SlackTokenGrant,
  type SlackTokenGrantInput,
  type SlackTokenRefusal,
} from "./slack-tokens.js";
