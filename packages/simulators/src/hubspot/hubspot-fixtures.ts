/**
 * The portals (HubSpot accounts) and tokens the simulator knows. Tests add their own tokens; the demo
 * token below is what `npm start` prints and passes validation for every HubSpot stream.
 */

export type HubspotAccountType = "STANDARD" | "SANDBOX" | "DEVELOPER_TEST" | "APP_DEVELOPER";

/** Subscription tier: it sets the private-app rate limits HubSpot applies and reports in headers. */
export type HubspotTier = "free" | "starter" | "professional" | "enterprise";

export interface HubspotPortal {
  portalId: number;
  accountType: HubspotAccountType;
  timeZone: string;
  companyCurrency: string;
  additionalCurrencies: string[];
  /** `app.hubspot.com`, or `app-eu1.hubspot.com` for accounts hosted in the EU. */
  uiDomain: string;
  dataHostingLocation: string;
  /** The account's own domain, as the OAuth token metadata reports it. */
  hubDomain: string;
  tier: HubspotTier;
}

export interface HubspotTokenGrant {
  kind: "private_app" | "oauth";
  portal: HubspotPortal;
  scopes: string[];
  appId: number;
  /** Private apps: the user who created the app. OAuth: the user who installed it. */
  userId: number;
  /** OAuth only: the installing user's email, reported as `user` by the token metadata. */
  userEmail?: string;
  /** OAuth only: epoch ms after which HubSpot answers 401 EXPIRED_AUTHENTICATION (tokens live 30 min). */
  expiresAt?: number;
  /**
   * Calls left in the account's daily allowance, counted down by each admitted call; at 0 every call
   * answers 429 with policy DAILY. Unset: the tier's full allowance.
   */
  dailyCallsLeft?: number;
}

export const hubspotDemoPortal: HubspotPortal = {
  portalId: 24681357,
  accountType: "STANDARD",
  timeZone: "America/New_York",
  companyCurrency: "USD",
  additionalCurrencies: ["EUR", "GBP"],
  uiDomain: "app.hubspot.com",
  dataHostingLocation: "na1",
  hubDomain: "tributary-demo.example.com",
  tier: "professional",
};

/** Every read scope the HubSpot streams declare, required and optional. */
export const hubspotAllReadScopes = [
  "crm.objects.contacts.read",
  "crm.objects.companies.read",
  "crm.objects.deals.read",
  "crm.objects.owners.read",
  "crm.objects.contacts.sensitive.read.v2",
  "crm.objects.companies.sensitive.read.v2",
  "crm.objects.deals.sensitive.read.v2",
];

// Shaped like a private app token (the `pat-na1-` prefix is what connectors key on) but not like a
// real one, so secret scanners do not flag the repository.
export const hubspotDemoToken = "pat-na1-tributary-demo-simulator-token";

export const hubspotDemoCredentials = { access_token: hubspotDemoToken };

/** The demo needs no configuration beyond `api_base_url`, which points at the running simulator. */
export const hubspotDemoConfig: Record<string, unknown> = {};

export function hubspotDemoTokens(): Map<string, HubspotTokenGrant> {
  return new Map([
    [
      hubspotDemoToken,
      { kind: "private_app", portal: hubspotDemoPortal, scopes: [...hubspotAllReadScopes], appId: 3141592, userId: 7700101 },
    ],
  ]);
}
