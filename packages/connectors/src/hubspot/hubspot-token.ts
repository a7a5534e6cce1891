/**
 * HubSpot issues two kinds of bearer tokens a person can paste: private app access tokens, which
 * carry their data-hosting region in a `pat-<hublet>-` prefix, and OAuth access tokens, which are
 * opaque. Each kind has its own token-metadata endpoint, so the check must tell them apart.
 */
export type HubspotTokenKind = "private_app" | "oauth";

const privateAppTokenPrefix = /^pat-[a-z]{2,4}\d+-/i;

// Retired `hapikey` API keys and developer API keys are bare UUIDs; neither reads CRM data any more.
const apiKeyShape = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function hubspotTokenKind(token: string): HubspotTokenKind {
  return privateAppTokenPrefix.test(token) ? "private_app" : "oauth";
}

export function looksLikeHubspotApiKey(token: string): boolean {
  return apiKeyShape.test(token);
}
