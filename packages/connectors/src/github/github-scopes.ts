import type { ScopeRequirement } from "../core/connector-types.js";

/**
 * Classic and OAuth scopes as GitHub nests them: a token holding the broader scope passes a check for
 * the narrower one, and `X-OAuth-Scopes` lists only what was ticked (a `repo` token does not also list
 * `public_repo`).
 */
export const githubScopeParents: Readonly<Record<string, readonly string[]>> = {
  public_repo: ["repo"],
  "repo:status": ["repo"],
  repo_deployment: ["repo"],
  "repo:invite": ["repo"],
  security_events: ["repo"],
  "read:org": ["write:org", "admin:org"],
  "write:org": ["admin:org"],
  "read:user": ["user"],
  "user:email": ["user"],
  "user:follow": ["user"],
};

export function scopeRequirement(scope: string): ScopeRequirement {
  const parents = githubScopeParents[scope];
  return parents ? { scope, anyOf: [...parents] } : { scope };
}

/**
 * Reading public repositories needs no scope at all, and `public_repo` grants write access to them,
 * so nothing is required for repository data: `repo` only widens it to private repositories.
 */
export const privateRepositoriesScope = scopeRequirement("repo");

/** Without `read:org` GitHub lists only an organization's public members. */
export const organizationMembersScope = scopeRequirement("read:org");

/** What a missing optional scope costs, in words for the person who pasted the token. */
export const missingOptionalScopeConsequences: Readonly<Record<string, string>> = {
  repo:
    "The token lacks the `repo` scope, so only public repositories are visible: private repositories will be skipped. Add the `repo` scope to mirror them.",
};

/**
 * Names of access entries that are not OAuth scopes. Fine-grained tokens and GitHub Apps report no
 * scopes, so what validation can say is which configured organization or repository is out of reach;
 * these entries sit beside scopes in `missing_scopes` and say what to grant.
 */
export const accessEntry = {
  /** The token cannot read this repository (not granted, not installed on, private, or nonexistent). */
  repository: (fullName: string) => `repo:${fullName}`,
  /** The organization does not exist or is not visible to the token. */
  organization: (login: string) => `org:${login}`,
  /** The organization enforces SAML single sign-on and the token is not authorized for it. */
  singleSignOn: (login: string) => `sso:${login}`,
  /** A GitHub App installation that can reach no repository at all. */
  anyRepository: "repo:*",
} as const;
