import { defineConnector } from "../core/connector-types.js";
import { checkGithubConnection } from "./github-check.js";
import { githubConfigSchema, githubCredentialsSchema } from "./github-config.js";
import { readGithubStream } from "./github-read.js";
import { githubStreams } from "./github-streams.js";

export const githubConnector = defineConnector({
  id: "github",
  name: "GitHub",
  description:
    "Repositories, issues, pull requests, reviews, comments, commits, releases and organization members from GitHub.com or GitHub Enterprise Server.",
  credentialsSchema: githubCredentialsSchema,
  configSchema: githubConfigSchema,
  streams: githubStreams,
  check: checkGithubConnection,
  read: readGithubStream,
});

export { githubApiVersion } from "./github-api.js";
export { githubDefaultApiBaseUrl, type GithubConfig, type GithubCredentials } from "./github-config.js";
export { accessEntry } from "./github-scopes.js";
export type { GithubTokenType } from "./github-token-type.js";
