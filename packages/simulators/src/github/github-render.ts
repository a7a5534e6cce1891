import type { GithubOrganizationRecord, GithubRepositoryRecord, GithubUserRecord } from "./github-types.js";

/**
 * Resources in the shapes of REST API version 2022-11-28 (the fields clients read; GitHub sends more).
 * URLs point back at the simulator so clients that follow them stay on it.
 */
export interface RenderContext {
  apiUrl: string;
  webUrl: string;
}

function nodeId(prefix: string, id: number): string {
  return Buffer.from(`${prefix}${id}`).toString("base64").replace(/=+$/, "");
}

export function renderSimpleAccount(
  context: RenderContext,
  account: { id: number; login: string; type: "User" | "Organization" },
): Record<string, unknown> {
  const collection = account.type === "Organization" ? "orgs" : "users";
  return {
    login: account.login,
    id: account.id,
    node_id: nodeId(account.type === "Organization" ? "O_" : "U_", account.id),
    avatar_url: `https://avatars.githubusercontent.com/u/${account.id}?v=4`,
    url: `${context.apiUrl}/${collection}/${account.login}`,
    html_url: `${context.webUrl}/${account.login}`,
    type: account.type,
    site_admin: false,
  };
}

export function renderUser(context: RenderContext, user: GithubUserRecord, publicRepos: number): Record<string, unknown> {
  return {
    ...renderSimpleAccount(context, { id: user.id, login: user.login, type: "User" }),
    name: user.name,
    company: null,
    blog: "",
    location: null,
    email: user.email,
    hireable: null,
    bio: null,
    twitter_username: null,
    public_repos: publicRepos,
    public_gists: 0,
    followers: 0,
    following: 0,
    created_at: user.createdAt,
    updated_at: user.createdAt,
  };
}

export function renderOrganization(
  context: RenderContext,
  organization: GithubOrganizationRecord,
  publicRepos: number,
): Record<string, unknown> {
  const url = `${context.apiUrl}/orgs/${organization.login}`;
  return {
    login: organization.login,
    id: organization.id,
    node_id: nodeId("O_", organization.id),
    url,
    repos_url: `${url}/repos`,
    members_url: `${url}/members{/member}`,
    public_members_url: `${url}/public_members{/member}`,
    avatar_url: `https://avatars.githubusercontent.com/u/${organization.id}?v=4`,
    description: organization.description,
    name: organization.name,
    company: null,
    blog: "",
    location: null,
    email: null,
    is_verified: false,
    has_organization_projects: true,
    has_repository_projects: true,
    public_repos: publicRepos,
    followers: 0,
    following: 0,
    html_url: `${context.webUrl}/${organization.login}`,
    created_at: "2019-01-01T00:00:00Z",
    updated_at: "2025-01-01T00:00:00Z",
    type: "Organization",
  };
}

export function renderRepository(
  context: RenderContext,
  repository: GithubRepositoryRecord,
  owner: { id: number; login: string; type: "User" | "Organization" },
): Record<string, unknown> {
  const fullName = `${owner.login}/${repository.name}`;
  return {
    id: repository.id,
    node_id: nodeId("R_", repository.id),
    name: repository.name,
    full_name: fullName,
    private: repository.private,
    owner: renderSimpleAccount(context, owner),
    html_url: `${context.webUrl}/${fullName}`,
    description: repository.description,
    fork: false,
    url: `${context.apiUrl}/repos/${fullName}`,
    created_at: repository.createdAt,
    updated_at: repository.updatedAt,
    pushed_at: repository.pushedAt,
    default_branch: repository.defaultBranch,
    visibility: repository.private ? "private" : "public",
    archived: false,
    disabled: false,
    has_issues: true,
    open_issues_count: 0,
  };
}
