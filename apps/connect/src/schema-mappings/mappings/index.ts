import type { EntityMapping } from "../mapping-types.js";
import { githubMappings } from "./github.js";
import { hubspotMappings } from "./hubspot.js";
import { linearMappings } from "./linear.js";
import { slackMappings } from "./slack.js";

const mappingsByConnector: Record<string, readonly EntityMapping[]> = {
  github: githubMappings,
  slack: slackMappings,
  linear: linearMappings,
  hubspot: hubspotMappings,
};

/** The entity mappings of a connector (none for a connector without a mapping file). */
export function mappingsFor(connectorId: string): readonly EntityMapping[] {
  return mappingsByConnector[connectorId] ?? [];
}
