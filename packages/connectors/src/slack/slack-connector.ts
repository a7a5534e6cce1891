import { defineConnector } from "../core/connector-types.js";
import { checkSlackCredentials } from "./slack-check.js";
import { slackConfigSchema } from "./slack-config.js";
import { slackCredentialsSchema } from "./slack-credentials.js";
import { readSlack } from "./slack-read.js";
import { slackStreams } from "./slack-streams.js";

export const slackConnector = defineConnector({
  id: "slack",
  name: "Slack",
  description: "Channels, members, messages and thread replies of a Slack workspace, read with a bot or user token.",
  credentialsSchema: slackCredentialsSchema,
  configSchema: slackConfigSchema,
  streams: slackStreams,
  check: checkSlackCredentials,
  read: readSlack,
});
