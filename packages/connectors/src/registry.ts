import type { AnyConnector } from "./core/connector-types.js";
import { githubConnector } from "./github/index.js";
import { hubspotConnector } from "./hubspot/index.js";
import { linearConnector } from "./linear/index.js";
import { slackConnector } from "./slack/index.js";

/** Every connector connect serves, in the order forms list them. */
export const connectors: readonly AnyConnector[] = [githubConnector, slackConnector, linearConnector, hubspotConnector];

export function findConnector(id: string): AnyConnector | undefined {
  return connectors.find((connector) => connector.id === id);
}
