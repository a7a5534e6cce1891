export { hubspotConnector } from "./hubspot-connector.js";
export type { HubspotConfig, HubspotCredentials } from "./hubspot-schemas.js";
export { hubspotTokenKind, type HubspotTokenKind } from "./hubspot-token.js";
export { hubspotRateLimitWait, nextMidnightIn } from "./hubspot-rate-limit.js";
