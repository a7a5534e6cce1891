export {
  startHubspotSimulator,
  type HubspotSimulatorOptions,
  type HubspotTokenGrantInput,
  type RunningHubspotSimulator,
} from "./hubspot-simulator.js";
export {
  hubspotAllReadScopes,
  hubspotDemoConfig,
  hubspotDemoCredentials,
  hubspotDemoPortal,
  hubspotDemoToken,
  type HubspotAccountType,
  type HubspotPortal,
  type HubspotTier,
  type HubspotTokenGrant,
} from "./hubspot-fixtures.js";
export { hubspotErrors, type HubspotRateLimitPolicy } from "./hubspot-errors.js";
export { HubspotDataset, hubspotDatasetEpoch, hubspotDemoDataset, type HubspotDatasetOptions } from "./hubspot-dataset.js";
export { hubspotPageCaps } from "./hubspot-crm-routes.js";
export { generousRateLimits as hubspotGenerousRateLimits, type HubspotRateLimitOverrides } from "./hubspot-rate-limits.js";
export {
  associationStreams as hubspotAssociationStreams,
  connectorDefaultProperties as hubspotConnectorDefaultProperties,
  lastModifiedProperty as hubspotLastModifiedProperty,
  type CrmObjectType as HubspotCrmObjectType,
} from "./hubspot-crm-schema.js";
