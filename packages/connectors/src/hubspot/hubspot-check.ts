import type { z } from "zod";
import type { Account } from "@tributary/contracts";
import { ConnectorError } from "../core/connector-errors.js";
import type { CheckContext, CheckOutcome } from "../core/connector-types.js";
import { ProviderHttpClient } from "../core/provider-http.js";
import { optionalScopesOf, requiredScopesOf, unmetScopes } from "../core/scopes.js";
import { createHubspotClassifier } from "./hubspot-classify.js";
import {
  accountDetailsSchema,
  oauthTokenMetadataSchema,
  privateAppTokenInfoSchema,
  type HubspotConfig,
  type HubspotCredentials,
} from "./hubspot-schemas.js";
import { optionalScopeConsequences } from "./hubspot-streams.js";
import { hubspotTokenKind, looksLikeHubspotApiKey, type HubspotTokenKind } from "./hubspot-token.js";

type HubspotCheckContext = CheckContext<HubspotCredentials, HubspotConfig>;
type Portal = z.infer<typeof accountDetailsSchema>;

/** Who the token acts as and what HubSpot says it may read, from the token-metadata endpoints. */
interface TokenGrant {
  account: Account;
  tokenType: HubspotTokenKind;
  /** null when HubSpot would not describe the token, so scopes could not be compared. */
  scopes: string[] | null;
  warnings: string[];
}

// The token-metadata endpoints answer 400 or 404 about tokens they cannot describe; the token itself
// already worked against the account endpoint, so that is reported as unknown scopes, not a bad token.
const metadataUnavailableStatuses = [400, 404] as const;

const accountTypeWarnings: Record<string, string> = {
  SANDBOX: "This token belongs to a HubSpot sandbox account, not the production account",
  DEVELOPER_TEST: "This token belongs to a HubSpot developer test account, not a production account",
  APP_DEVELOPER: "This token belongs to a HubSpot app developer account, which holds apps rather than CRM data",
};

/**
 * Resolves the portal with the account-details endpoint (every valid token may call it), then the
 * token's scopes with the metadata endpoint of its kind, and compares them with the selected streams.
 */
export async function checkHubspotConnection(context: HubspotCheckContext): Promise<CheckOutcome> {
  const token = context.credentials.access_token;
  const tokenKind = hubspotTokenKind(token);
  // Learnt from the first answer; a daily rate limit on a later call resets at midnight in this zone.
  const learnt: { portalTimeZone?: string } = {};

  const clientFor = (acceptedStatuses?: readonly number[]) =>
    new ProviderHttpClient({
      provider: "HubSpot",
      baseUrl: context.config.api_base_url,
      authHeaders: { authorization: `Bearer ${token}` },
      classify: createHubspotClassifier({
        tokenKind,
        tokenLooksLikeApiKey: looksLikeHubspotApiKey(token),
        portalTimeZone: () => learnt.portalTimeZone,
        acceptedStatuses,
      }),
      deadlineAt: context.deadlineAt,
      signal: context.signal,
      logger: context.logger,
      waitOnRateLimit: false,
    });

  const details = await clientFor().request({ path: "/account-info/v3/details" });
  const portal = parseAnswer(accountDetailsSchema, details.body, "account details");
  learnt.portalTimeZone = portal.timeZone;

  const metadataClient = clientFor(metadataUnavailableStatuses);
  const grant =
    tokenKind === "private_app"
      ? await readPrivateAppGrant(metadataClient, token, portal)
      : await readOauthGrant(metadataClient, token, portal);

  const granted = grant.scopes ?? [];
  const missingRequiredScopes = grant.scopes ? unmetScopes(granted, requiredScopesOf(context.streams)) : [];
  const missingOptionalScopes = grant.scopes ? unmetScopes(granted, optionalScopesOf(context.streams)) : [];

  const warnings = [...grant.warnings];
  const accountTypeWarning = portal.accountType ? accountTypeWarnings[portal.accountType] : undefined;
  if (accountTypeWarning) warnings.push(accountTypeWarning);
  for (const scope of missingOptionalScopes) {
    const consequence = optionalScopeConsequences[scope] ?? "some data will be left out";
    warnings.push(`${consequence}; add the ${scope} scope to include them`);
  }

  return {
    account: grant.account,
    tokenType: grant.tokenType,
    grantedScopes: grant.scopes,
    missingRequiredScopes,
    missingOptionalScopes,
    warnings,
  };
}

async function readPrivateAppGrant(client: ProviderHttpClient, token: string, portal: Portal): Promise<TokenGrant> {
  // The token goes in the body, never in the URL; the Bearer header is also required for EU tokens.
  const response = await client.request({
    method: "POST",
    path: "/oauth/v2/private-apps/get/access-token-info",
    json: { tokenKey: token },
  });
  if (isMetadataUnavailable(response.status)) return unreportedGrant("private_app", portal, response.status);
  const info = parseAnswer(privateAppTokenInfoSchema, response.body, "private app token info");
  return {
    account: {
      id: String(info.appId),
      name: `Private app ${info.appId}`,
      email: null,
      kind: "private_app",
      organization: organizationOf(portal),
    },
    tokenType: "private_app",
    scopes: info.scopes,
    warnings: [],
  };
}

async function readOauthGrant(client: ProviderHttpClient, token: string, portal: Portal): Promise<TokenGrant> {
  // HubSpot's v1 metadata endpoint takes the token in the path; `pathTemplate` keeps it out of logs.
  const response = await client.request({
    path: `/oauth/v1/access-tokens/${encodeURIComponent(token)}`,
    pathTemplate: "/oauth/v1/access-tokens/{token}",
  });
  if (isMetadataUnavailable(response.status)) return unreportedGrant("oauth", portal, response.status);
  const metadata = parseAnswer(oauthTokenMetadataSchema, response.body, "OAuth token metadata");
  const email = metadata.user?.includes("@") ? metadata.user : null;
  const warnings: string[] = [];
  if (metadata.expires_in !== undefined) {
    const minutes = Math.max(0, Math.floor(metadata.expires_in / 60));
    warnings.push(
      `This OAuth access token expires in ${minutes} min; later ingestion runs need a fresh token. ` +
        "A private app access token does not expire",
    );
  }
  return {
    account: {
      id: String(metadata.user_id ?? metadata.app_id ?? metadata.hub_id),
      name: metadata.user ?? `OAuth app ${metadata.app_id ?? "installation"}`,
      email,
      kind: "user",
      organization: organizationOf(portal, metadata.hub_domain),
    },
    tokenType: "oauth",
    scopes: metadata.scopes,
    warnings,
  };
}

function isMetadataUnavailable(status: number): boolean {
  return (metadataUnavailableStatuses as readonly number[]).includes(status);
}

function unreportedGrant(tokenType: HubspotTokenKind, portal: Portal, status: number): TokenGrant {
  return {
    account: {
      id: String(portal.portalId),
      name: organizationOf(portal).name,
      email: null,
      kind: "portal",
      organization: organizationOf(portal),
    },
    tokenType,
    scopes: null,
    warnings: [
      `HubSpot did not describe this token (its token-metadata endpoint answered HTTP ${status}), so its scopes ` +
        "could not be checked; a stream whose scope is missing will fail when it is read",
    ],
  };
}

function organizationOf(portal: Portal, hubDomain?: string): { id: string; name: string } {
  return { id: String(portal.portalId), name: portal.portalName ?? hubDomain ?? `HubSpot account ${portal.portalId}` };
}

/** Validates a 2xx body; a shape we do not recognise names its fields, never its values. */
function parseAnswer<Schema extends z.ZodType>(schema: Schema, body: unknown, what: string): z.infer<Schema> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const fields = [...new Set(result.error.issues.map((issue) => issue.path.join(".") || "body"))].join(", ");
  throw new ConnectorError("provider_error", `HubSpot answered the ${what} request in an unexpected shape (${fields})`);
}
