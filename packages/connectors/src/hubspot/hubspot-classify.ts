import { ConnectorError } from "../core/connector-errors.js";
import type { ProviderResponse, ResponseVerdict } from "../core/provider-http.js";
import { hubspotRateLimitWait } from "./hubspot-rate-limit.js";
import { readHubspotErrorBody, type HubspotErrorBody } from "./hubspot-schemas.js";
import type { HubspotTokenKind } from "./hubspot-token.js";

export interface HubspotClassifierContext {
  tokenKind: HubspotTokenKind;
  /** The pasted value has the shape of a retired API key: the 401 message says so. */
  tokenLooksLikeApiKey: boolean;
  /** Read at classification time: the portal's time zone is only known after the first answer. */
  portalTimeZone: () => string | undefined;
  /** Statuses the caller handles itself (the token-metadata endpoints' 400 and 404). */
  acceptedStatuses?: readonly number[];
}

const createTokenHelp =
  "Paste the access token shown on the Auth tab of a HubSpot private app (Development > Legacy apps > Private), " +
  "or a current OAuth access token; personal access keys and developer API keys cannot be used";

/** Maps HubSpot's answers to what the client should do: accept, retry, report a rate limit, or fail. */
export function createHubspotClassifier(context: HubspotClassifierContext): (response: ProviderResponse) => ResponseVerdict {
  return (response) => {
    const { status } = response;
    if ((status >= 200 && status < 300) || context.acceptedStatuses?.includes(status)) return { kind: "ok" };
    if (status >= 500 || status === 408) return { kind: "transient", reason: `HTTP ${status}` };
    // 477 "Migration in Progress": the account is moving between data-hosting locations.
    if (status === 477) return { kind: "transient", reason: "HubSpot account migration in progress (HTTP 477)" };

    const body = readHubspotErrorBody(response.body);
    if (status === 429) {
      const wait = hubspotRateLimitWait(response, context.portalTimeZone());
      return { kind: "rate_limited", retryAfterMs: wait.retryAfterMs, reason: wait.reason };
    }
    if (status === 401) return { kind: "error", error: invalidCredentials(body, context, status) };
    if (status === 403 && body.category === "MISSING_SCOPES") {
      return { kind: "error", error: missingScopes(body, status) };
    }
    return { kind: "error", error: providerError(body, status) };
  };
}

function invalidCredentials(body: HubspotErrorBody, context: HubspotClassifierContext, status: number): ConnectorError {
  let message: string;
  if (context.tokenLooksLikeApiKey) {
    message =
      "HubSpot rejected the token: it looks like a HubSpot API key, and API keys were retired in 2022 " +
      "(developer API keys cannot read CRM data). Create a private app and paste its access token (pat-…)";
  } else if (body.category === "EXPIRED_AUTHENTICATION" && context.tokenKind === "oauth") {
    message =
      "The HubSpot OAuth access token has expired (they last 30 minutes). Paste a fresh access token " +
      "obtained with your app's refresh token, or use a private app access token, which does not expire";
  } else if (body.category === "EXPIRED_AUTHENTICATION") {
    message = `The HubSpot access token has expired, probably because it was rotated. ${createTokenHelp}`;
  } else {
    message = `HubSpot rejected the access token: it is mistyped, revoked, or was rotated. ${createTokenHelp}`;
  }
  return new ConnectorError("invalid_credentials", message + correlationSuffix(body), { providerStatus: status });
}

function missingScopes(body: HubspotErrorBody, status: number): ConnectorError {
  const scopes = scopesNamedIn(body);
  const what = scopes.length > 0 ? `one of these scopes: ${scopes.join(", ")}` : "a scope HubSpot did not name";
  return new ConnectorError(
    "missing_scopes",
    `The HubSpot token lacks ${what}. Add it to the app's scopes (private apps: the Scopes tab, then commit) and try again` +
      correlationSuffix(body),
    { missingScopes: scopes, providerStatus: status },
  );
}

function providerError(body: HubspotErrorBody, status: number): ConnectorError {
  const category = body.category ? `, category ${body.category}` : "";
  return new ConnectorError(
    "provider_error",
    `HubSpot refused the request (HTTP ${status}${category})` + correlationSuffix(body),
    { providerStatus: status },
  );
}

/** HubSpot names the missing scopes in `errors[].context.requiredGranularScopes` (older answers: `requiredScopes`). */
export function scopesNamedIn(body: HubspotErrorBody): string[] {
  const scopes: string[] = [];
  const contexts = [body.context, ...(body.errors ?? []).map((error) => error.context)];
  for (const context of contexts) {
    for (const key of ["requiredGranularScopes", "requiredScopes"]) {
      const list = context?.[key];
      if (!Array.isArray(list)) continue;
      for (const scope of list) {
        if (typeof scope === "string" && !scopes.includes(scope)) scopes.push(scope);
      }
    }
  }
  return scopes;
}

/** Support can trace a request by its correlation id; it identifies the request, not the token. */
function correlationSuffix(body: HubspotErrorBody): string {
  return body.correlationId && /^[\w-]{1,64}$/.test(body.correlationId)
    ? ` (HubSpot correlation id ${body.correlationId})`
    : "";
}
