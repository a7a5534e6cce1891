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
