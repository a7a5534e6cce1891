import type { Account } from "@tributary/contracts";
import { ConnectorError } from "../core/connector-errors.js";
import type { CheckContext, CheckOutcome } from "../core/connector-types.js";
import { ProviderHttpClient } from "../core/provider-http.js";
import { optionalScopesOf, requiredScopesOf, unmetScopes } from "../core/scopes.js";
import { callAuthTest, type AuthTestIdentity } from "./slack-auth-test.js";
import { classifySlackResponse } from "./slack-classify.js";
import type { SlackConfig } from "./slack-config.js";
import type { SlackCredentials } from "./slack-credentials.js";
import { privateChannelScopes } from "./slack-streams.js";
import { isBotToken, slackTokenType, type SlackTokenType } from "./slack-token-kinds.js";
import { slackWarnings } from "./slack-warnings.js";

/**
 * One call, auth.test: it names the user or bot behind the token and, in its `x-oauth-scopes` header,
 * every scope the token holds, which is all the scope check needs.
 */
export async function checkSlackCredentials(context: CheckContext<SlackCredentials, SlackConfig>): Promise<CheckOutcome> {
  const { credentials, config, streams } = context;
  // The credentials schema already refused every other prefix.
  const tokenType: SlackTokenType = slackTokenType(credentials.token) ?? "user";

  const client = new ProviderHttpClient({
    provider: "Slack",
    baseUrl: config.api_base_url,
    authHeaders: { authorization: `Bearer ${credentials.token}` },
    classify: classifySlackResponse,
    deadlineAt: context.deadlineAt,
    signal: context.signal,
    logger: context.logger,
    // Validation reports a rate limit with its retry time instead of holding the caller.
    waitOnRateLimit: false,
  });
  const { identity, grantedScopes } = await callAuthTest(client);
  const account = accountOf(identity, tokenType);

  if (identity.is_enterprise_install === true && config.team_id === undefined) {
    throw new ConnectorError(
      "bad_request",
      "config.team_id: the token belongs to an org-wide Enterprise Grid installation; set team_id to the ID of the workspace to mirror (such as T0123ABCD)",
      { field: "config.team_id", account },
    );
  }

  // Private-channel scopes only matter when the connection reads private channels.
  const optionalRequirements = optionalScopesOf(streams).filter(
    (requirement) => config.include_private_channels || !privateChannelScopes.has(requirement.scope),
  );
  const missingRequiredScopes = grantedScopes === null ? [] : unmetScopes(grantedScopes, requiredScopesOf(streams));
  const missingOptionalScopes = grantedScopes === null ? [] : unmetScopes(grantedScopes, optionalRequirements);

  context.logger.info(
    { provider: "slack", tokenType, teamId: identity.team_id, missingRequiredScopes, missingOptionalScopes },
    "slack credentials checked",
  );

  return {
    account,
    tokenType,
    grantedScopes,
    missingRequiredScopes,
    missingOptionalScopes,
    warnings: slackWarnings({
      tokenType,
      streams,
      includePrivateChannels: config.include_private_channels,
      grantedScopes,
      missingOptionalScopes,
      expiresInSeconds: identity.expires_in,
    }),
  };
}

function accountOf(identity: AuthTestIdentity, tokenType: SlackTokenType): Account {
  const organizationId = identity.team_id || identity.enterprise_id;
  return {
    id: identity.user_id,
    name: identity.user || identity.user_id,
    // auth.test does not return an email, and fetching one would cost a call and users:read.email.
    email: null,
    kind: isBotToken(tokenType) ? "bot" : "user",
    organization: organizationId ? { id: organizationId, name: identity.team || organizationId } : null,
  };
}
