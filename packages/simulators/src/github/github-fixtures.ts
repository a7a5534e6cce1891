import type {
  GithubOrganizationRecord,
  GithubRepositoryRecord,
  GithubTokenGrant,
  GithubUserRecord,
} from "./github-types.js";

/**
 * The seeded world: one demo organization with private and public repositories, an organization that
 * enforces SAML SSO, and personal repositories. Tokens follow GitHub's formats (prefix, then 36
 * characters; fine-grained: `github_pat_` 22 `_` 59) so prefix detection sees what it would see live.
 */
export const githubFixtureUsers: GithubUserRecord[] = [
  { id: 1001, login: "octo-admin", name: "Octo Admin", email: "octo-admin@example.com", createdAt: "2019-03-14T09:00:00Z" },
  { id: 1002, login: "mona", name: "Mona Lisa Octocat", email: null, createdAt: "2020-06-01T12:30:00Z" },
  { id: 1003, login: "hubot", name: "Hubot", email: "hubot@example.com", createdAt: "2021-01-20T08:15:00Z" },
];

export const githubFixtureOrganizations: GithubOrganizationRecord[] = [
  {
    id: 5001,
    login: "tributary-demo",
    name: "Tributary Demo",
    description: "Demo organization served by the GitHub simulator",
    members: [
      { login: "octo-admin", role: "admin", public: true },
      { login: "mona", role: "member", public: false },
      { login: "hubot", role: "member", public: true },
    ],
  },
  {
    id: 5002,
    login: "sso-corp",
    name: "SSO Corp",
    description: "Organization enforcing SAML single sign-on",
    members: [{ login: "octo-admin", role: "member", public: false }],
    samlEnforced: true,
  },
];

export const githubFixtureRepositories: GithubRepositoryRecord[] = [
  repository(70001, "tributary-demo", "platform", true, "Core platform (private)"),
  { ...repository(70002, "tributary-demo", "website", false, "Public website"), previousNames: ["tributary-demo/homepage"] },
  repository(70003, "tributary-demo", "docs", false, "Documentation"),
  repository(70004, "octo-admin", "dotfiles", false, "Personal configuration"),
  repository(70005, "sso-corp", "internal", true, "Behind SAML SSO"),
  repository(70006, "mona", "notes", true, "Mona's private notes"),
];

/** Passes validation for every stream: `repo` (private repositories) and `read:org` (members). */
export const githubDemoToken = "ghp_TributaryDemoClassicToken00000000001";

export const githubFixtureTokens: Record<string, GithubTokenGrant> = {
  [githubDemoToken]: { kind: "classic_pat", user: "octo-admin", scopes: ["repo", "read:org"] },
  github_pat_TributaryDemoFineGrain_00000000000000000000000000000000000000000000000000000000001: {
    kind: "fine_grained_pat",
    user: "octo-admin",
    resourceOwner: "tributary-demo",
    repositories: "all",
    membersPermission: true,
  },
  ghs_TributaryDemoInstallation00000000001: {
    kind: "app_installation",
    installationId: 42001,
    account: "tributary-demo",
    repositories: "all",
    membersPermission: true,
  },
};

/** What the platform's demo prints: credentials and config (the API base URL is the running simulator's). */
export const githubDemoCredentials = { token: githubDemoToken } as const;
export const githubDemoConfig = { organization: "tributary-demo" } as const;

function repository(id: number, owner: string, name: string, isPrivate: boolean, description: string): GithubRepositoryRecord {
  return {
    id,
    owner,
    name,
    private: isPrivate,
    description,
    defaultBranch: "main",
    createdAt: "2022-02-01T10:00:00Z",
    updatedAt: "2025-11-03T16:20:00Z",
    pushedAt: "2025-11-03T16:19:30Z",
  };
}
