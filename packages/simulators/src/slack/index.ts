export { startSlackSimulator, type SlackSimulator } from "./slack-simulator.js";
export type { SlackPlatformErrorSpec } from "./slack-state.js";
export {
  slackAllReadScopes,
  slackDemoConfig,
  slackDemoCredentials,
  slackDemoUserToken,
  type SlackTokenGrant,
  type SlackTokenGrantInput,
  type SlackTokenRefusal,
} from "./slack-tokens.js";
