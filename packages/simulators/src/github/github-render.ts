import type { GithubOrganizationRecord, GithubRepositoryRecord, GithubUserRecord } from "./github-types.js";

/**
 * Resources in the shapes of REST API version 2022-11-28 (the fields clients read; GitHub sends more).
 * URLs point back at the simulator so clients that follow them stay on it.
 */
export interface RenderContext {
  apiUrl: string;
  webUrl: string;
}

export function nodeId(prefix: string, id: number): string {
  return Buffer.from(`${prefix}${id}`).toString("base64").replace(/=+$/, "");
}

/** GitHub's "simple user" object, as every listing embeds it (owners, authors, members). */
export function renderSimpleAccount(
  context: RenderContext,
  account: { id: number; login: string; type: "User" | "Organization" },
): Record<string, unknown> {
  const api = `${context.apiUrl}/users/${account.login}`;
  return {
    login: account.login,
    id: account.id,
    node_id: nodeId(account.type === "Organization" ? "O_" : "U_", account.id),
    avatar_url: `https://avatars.githubusercontent.com/u/${account.id}?v=4`,
    gravatar_id: "",
    // Owner objects name organizations under /users/ too, as GitHub renders them.
    url: api,
    html_url: `${context.webUrl}/${account.login}`,
    followers_url: `${api}/followers`,
    following_url: `${api}/following{/other_user}`,
    gists_url: `${api}/gists{/gist_id}`,
    starred_url: `${api}/starred{/owner}{/repo}`,
    subscriptions_url: `${api}/subscriptions`,
    organizations_url: `${api}/orgs`,
    repos_url: `${api}/repos`,
    events_url: `${api}/events{/privacy}`,
    received_events_url: `${api}/received_events`,
    type: account.type,
    user_view_type: "public",
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

/** GitHub's repository object as listings return it (the fields of `minimal-repository` clients read). */
export function renderRepository(
  context: RenderContext,
  repository: GithubRepositoryRecord,
  owner: { id: number; login: string; type: "User" | "Organization" },
): Record<string, unknown> {
  const fullName = `${owner.login}/${repository.name}`;
  const api = `${context.apiUrl}/repos/${fullName}`;
  const web = `${context.webUrl}/${fullName}`;
  return {
    id: repository.id,
    node_id: nodeId("R_", repository.id),
    name: repository.name,
    full_name: fullName,
    private: repository.private,
    owner: renderSimpleAccount(context, owner),
    html_url: web,
    description: repository.description,
    fork: false,
    url: api,
    archive_url: `${api}/{archive_format}{/ref}`,
    assignees_url: `${api}/assignees{/user}`,
    blobs_url: `${api}/git/blobs{/sha}`,
    branches_url: `${api}/branches{/branch}`,
    collaborators_url: `${api}/collaborators{/collaborator}`,
    comments_url: `${api}/comments{/number}`,
    commits_url: `${api}/commits{/sha}`,
    compare_url: `${api}/compare/{base}...{head}`,
    contents_url: `${api}/contents/{+path}`,
    contributors_url: `${api}/contributors`,
    deployments_url: `${api}/deployments`,
    downloads_url: `${api}/downloads`,
    events_url: `${api}/events`,
    forks_url: `${api}/forks`,
    git_commits_url: `${api}/git/commits{/sha}`,
    git_refs_url: `${api}/git/refs{/sha}`,
    git_tags_url: `${api}/git/tags{/sha}`,
    issue_comment_url: `${api}/issues/comments{/number}`,
    issue_events_url: `${api}/issues/events{/number}`,
    issues_url: `${api}/issues{/number}`,
    keys_url: `${api}/keys{/key_id}`,
    labels_url: `${api}/labels{/name}`,
    languages_url: `${api}/languages`,
    merges_url: `${api}/merges`,
    milestones_url: `${api}/milestones{/number}`,
    notifications_url: `${api}/notifications{?since,all,participating}`,
    pulls_url: `${api}/pulls{/number}`,
    releases_url: `${api}/releases{/id}`,
    stargazers_url: `${api}/stargazers`,
    statuses_url: `${api}/statuses/{sha}`,
    subscribers_url: `${api}/subscribers`,
    subscription_url: `${api}/subscription`,
    tags_url: `${api}/tags`,
    teams_url: `${api}/teams`,
    trees_url: `${api}/git/trees{/sha}`,
    hooks_url: `${api}/hooks`,
    clone_url: `${web}.git`,
    homepage: null,
    language: "TypeScript",
    forks_count: 0,
    stargazers_count: 0,
    watchers_count: 0,
    size: 1024,
    default_branch: repository.defaultBranch,
    open_issues_count: 0,
    is_template: false,
    topics: [],
    has_issues: true,
    has_projects: true,
    has_wiki: false,
    has_pages: false,
    has_downloads: true,
    has_discussions: false,
    archived: false,
    disabled: false,
    visibility: repository.private ? "private" : "public",
    pushed_at: repository.pushedAt,
    created_at: repository.createdAt,
    updated_at: repository.updatedAt,
    forks: 0,
    open_issues: 0,
    watchers: 0,
    license: null,
  };
}
