export { slackConnector } from "./slack-connector.js";
export { classifySlackResponse } from "./slack-classify.js";
export { slackConfigSchema, slackDefaultApiBaseUrl, type SlackConfig } from "./slack-config.js";
export { slackCredentialsSchema, type SlackCredentials } from "./slack-credentials.js";
export { slackScopes, slackStreams } from "./slack-streams.js";
export { slackTokenType, type SlackTokenType } from "./slack-token-kinds.js";
