import { defineConnector } from "../core/connector-types.js";
import { checkHubspotConnection } from "./hubspot-check.js";
import { hubspotConfigSchema, hubspotCredentialsSchema } from "./hubspot-schemas.js";
import { readHubspotStream } from "./hubspot-read.js";
import { hubspotStreams } from "./hubspot-streams.js";

export const hubspotConnector = defineConnector({
  id: "hubspot",
  name: "HubSpot",
  description: "HubSpot CRM: contacts, companies, deals, owners and the associations between them",
  credentialsSchema: hubspotCredentialsSchema,
  configSchema: hubspotConfigSchema,
  streams: hubspotStreams,
  check: checkHubspotConnection,
  read: readHubspotStream,
});
