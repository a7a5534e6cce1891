import type { Account } from "@tributary/contracts";
import { ConnectorError } from "../core/connector-errors.js";
import { parseScopeList } from "../core/scopes.js";
import { parseGithubBody, type GithubApi } from "./github-api.js";
import { githubInstallationRepositoriesSchema, githubUserSchema } from "./github-api-shapes.js";
import { githubErrorMessage, isIntegrationRefusal } from "./github-error-body.js";
import { reportsScopes, tokenTypeFromPrefix, type GithubTokenType } from "./github-token-type.js";

export interface GithubIdentity {
  tokenType: GithubTokenType;
  account: Account;
  /** Scopes from `X-OAuth-Scopes`; null when GitHub sends no such header (fine-grained tokens, Apps). */
  grantedScopes: string[] | null;
  /** For installation tokens: how many repositories the installation reaches. */
  installationRepositoryCount?: number;
  /** From `GitHub-Authentication-Token-Expiration`, when the token has an expiry. */
  expiresAt?: Date;
}

/**
 * Finds out who the token acts as. `GET /user` answers for every user token; an installation token is
 * refused there with "Resource not accessible by integration", and is then identified through the
 * repositories its installation reaches, whose owner is the account the App is installed on.
 */
export async function resolveGithubIdentity(api: GithubApi, token: string): Promise<GithubIdentity> {
  const claimed = tokenTypeFromPrefix(token);
  const response = await api.get("/user");

  if (response.status === 403 && isIntegrationRefusal(response.body)) {
    return resolveInstallation(api, response.headers);
  }
  if (response.status === 403) {
    const said = githubErrorMessage(response.body);
    throw new ConnectorError(
      "invalid_credentials",
      `GitHub refused to say who the token belongs to (HTTP 403${said ? `: ${said}` : ""}). Check that the account is active, or use another token.`,
      { providerStatus: 403 },
    );
  }
  if (response.status === 404) {
    throw new ConnectorError(
      "provider_error",
      "GitHub answered 404 Not Found to GET /user: api_base_url must be the REST API root, https://api.github.com or https://HOSTNAME/api/v3 for GitHub Enterprise Server",
      { providerStatus: 404 },
    );
  }

  const user = parseGithubBody(githubUserSchema, response, "GET /user");
  const scopesHeader = response.headers.get("x-oauth-scopes");
  // An unprefixed legacy token that reports scopes behaves as a classic one; a prefix GitHub
  // contradicts (an installation prefix answering /user) is settled by the answer too.
  const tokenType: GithubTokenType =
    claimed === "unknown" || claimed === "app_installation" ? (scopesHeader !== null ? "classic_pat" : "unknown") : claimed;
  // An empty header is a classic token with no scope ticked; an absent one reports nothing.
  const grantedScopes = reportsScopes(tokenType) && scopesHeader !== null ? parseScopeList(scopesHeader) : null;

  return {
    tokenType,
    grantedScopes,
    account: {
      id: String(user.id),
      name: user.login,
      email: user.email ?? null,
      kind: user.type === "Bot" ? "bot" : "user",
      organization: null,
    },
    expiresAt: tokenExpiration(response.headers),
  };
}

async function resolveInstallation(api: GithubApi, userHeaders: Headers): Promise<GithubIdentity> {
  const response = await api.get("/installation/repositories", { per_page: 1 });
  if (response.status !== 200) {
    const said = githubErrorMessage(response.body);
    throw new ConnectorError(
      "invalid_credentials",
      `GitHub treats the token as a GitHub App token but refused to list its installation's repositories (HTTP ${response.status}${said ? `: ${said}` : ""}). Use an installation access token (ghs_…) or a personal access token.`,
      { providerStatus: response.status },
    );
  }
  const listing = parseGithubBody(githubInstallationRepositoriesSchema, response, "GET /installation/repositories");
  const owner = listing.repositories[0]?.owner;
  return {
    tokenType: "app_installation",
    grantedScopes: null,
    installationRepositoryCount: listing.total_count,
    account: owner
      ? {
          id: String(owner.id),
          name: owner.login,
          email: null,
          kind: "app_installation",
          organization: owner.type === "Organization" ? { id: String(owner.id), name: owner.login } : null,
        }
      : // An installation that reaches no repository does not reveal its account through this endpoint.
        { id: "", name: "GitHub App installation without repositories", email: null, kind: "app_installation", organization: null },
    expiresAt: tokenExpiration(response.headers) ?? tokenExpiration(userHeaders),
  };
}

/** GitHub writes the expiry as `2021-10-07 19:07:53 UTC`, which Date.parse does not read everywhere. */
export function tokenExpiration(headers: Headers): Date | undefined {
  const value = headers.get("github-authentication-token-expiration");
  if (!value) return undefined;
  const match = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}(?::\d{2})?)\s*(UTC|Z|[+-]\d{2}:?\d{2})?$/i.exec(value.trim());
  if (!match) return undefined;
  const [, day, time, zone] = match;
  const offset = !zone || /^(utc|z)$/i.test(zone) ? "Z" : zone.replace(/^([+-]\d{2})(\d{2})$/, "$1:$2");
  const date = new Date(`${day}T${time}${offset}`);
  return Number.isNaN(date.getTime()) ? undefined : date;
}
