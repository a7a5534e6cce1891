import { defineConnector } from "../core/connector-types.js";
import { checkLinear } from "./linear-check.js";
import { linearConfigSchema } from "./linear-config.js";
import { linearCredentialsSchema } from "./linear-credentials.js";
import { readLinear } from "./linear-read.js";
import { linearStreamDeclarations } from "./linear-streams.js";

export const linearConnector = defineConnector({
  id: "linear",
  name: "Linear",
  description: "Issues, projects, cycles, comments, teams and users of a Linear workspace, through its GraphQL API.",
  credentialsSchema: linearCredentialsSchema,
  configSchema: linearConfigSchema,
  streams: linearStreamDeclarations,
  check: checkLinear,
  read: readLinear,
});
