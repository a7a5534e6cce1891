import {
  githubFixtureOrganizations,
  githubFixtureRepositories,
  githubFixtureTokens,
  githubFixtureUsers,
} from "./github-fixtures.js";
import type {
  GithubOrganizationMember,
  GithubOrganizationRecord,
  GithubRepositoryRecord,
  GithubTokenGrant,
  GithubUserRecord,
} from "./github-types.js";

/** Who is asking: a token's grant, or nobody (GitHub serves public data anonymously at 60 requests an hour). */
export type GithubCaller = { kind: "anonymous"; address: string } | { kind: "token"; grant: GithubTokenGrant };

/** Why a resource is out of reach, which decides GitHub's answer (404 hides, 403 explains). */
export type AccessDenial = "hidden" | "sso";

/**
 * The simulated GitHub: accounts, organizations, repositories and tokens, with GitHub's visibility
 * rules. Logins and repository names are case-insensitive, as on GitHub.
 */
export class GithubWorld {
  private readonly users = new Map<string, GithubUserRecord>();
  private readonly organizations = new Map<string, GithubOrganizationRecord>();
  private readonly repositories = new Map<string, GithubRepositoryRecord>();
  private readonly tokens = new Map<string, GithubTokenGrant>();
  private nextUserId = 9000;

  constructor(seed = true) {
    if (!seed) return;
    githubFixtureUsers.forEach((user) => this.addUser(user));
    githubFixtureOrganizations.forEach((organization) => this.addOrganization(organization));
    githubFixtureRepositories.forEach((repository) => this.addRepository(repository));
    Object.entries(githubFixtureTokens).forEach(([token, grant]) => this.addToken(token, grant));
  }

  addUser(user: GithubUserRecord): void {
    this.users.set(user.login.toLowerCase(), user);
  }

  addOrganization(organization: GithubOrganizationRecord): void {
    this.organizations.set(organization.login.toLowerCase(), organization);
  }

  addRepository(repository: GithubRepositoryRecord): void {
    this.repositories.set(`${repository.owner}/${repository.name}`.toLowerCase(), repository);
  }

  /** Registers a token; a user it names that does not exist yet is created, so tests stay short. */
  addToken(token: string, grant: GithubTokenGrant): void {
    if (grant.kind !== "app_installation" && !this.user(grant.user)) {
      this.addUser({ id: this.nextUserId++, login: grant.user, name: null, email: null, createdAt: "2024-01-01T00:00:00Z" });
    }
    this.tokens.set(token, grant);
  }

  grant(token: string): GithubTokenGrant | undefined {
    return this.tokens.get(token);
  }

  user(login: string): GithubUserRecord | undefined {
    return this.users.get(login.toLowerCase());
  }

  organization(login: string): GithubOrganizationRecord | undefined {
    return this.organizations.get(login.toLowerCase());
  }

  /** The account (user or organization) with that login, as GitHub's `owner` objects describe it. */
  account(login: string): { id: number; login: string; type: "User" | "Organization" } | undefined {
    const organization = this.organization(login);
    if (organization) return { id: organization.id, login: organization.login, type: "Organization" };
    const user = this.user(login);
    return user ? { id: user.id, login: user.login, type: "User" } : undefined;
  }

  repository(owner: string, name: string): GithubRepositoryRecord | undefined {
    return this.repositories.get(`${owner}/${name}`.toLowerCase());
  }

  repositoryById(id: number): GithubRepositoryRecord | undefined {
    return [...this.repositories.values()].find((repository) => repository.id === id);
  }

  /** The repository that used to be called `owner/name`, for GitHub's rename redirects. */
  renamedRepository(owner: string, name: string): GithubRepositoryRecord | undefined {
    const wanted = `${owner}/${name}`.toLowerCase();
    return [...this.repositories.values()].find((repository) =>
      repository.previousNames?.some((previous) => previous.toLowerCase() === wanted),
    );
  }

  allRepositories(): GithubRepositoryRecord[] {
    return [...this.repositories.values()].sort((a, b) => a.id - b.id);
  }

  /** The user a token acts for; installation tokens act for no user. */
  userOf(caller: GithubCaller): GithubUserRecord | undefined {
    if (caller.kind !== "token" || caller.grant.kind === "app_installation") return undefined;
    return this.user(caller.grant.user);
  }

  isMember(organization: GithubOrganizationRecord, login: string): boolean {
    return organization.members.some((member) => member.login.toLowerCase() === login.toLowerCase());
  }

  /** SAML SSO refuses user tokens of members that were not authorized for the organization. */
  ssoBlocks(caller: GithubCaller, ownerLogin: string): boolean {
    const organization = this.organization(ownerLogin);
    const user = this.userOf(caller);
    if (!organization?.samlEnforced || !user || caller.kind !== "token" || !this.isMember(organization, user.login)) {
      return false;
    }
    const authorized = caller.grant.ssoAuthorizedOrganizations ?? [];
    return !authorized.some((login) => login.toLowerCase() === organization.login.toLowerCase());
  }

  /** Undefined when the caller may read the repository; otherwise how GitHub refuses. */
  repositoryDenial(caller: GithubCaller, repository: GithubRepositoryRecord): AccessDenial | undefined {
    if (this.ssoBlocks(caller, repository.owner)) return "sso";
    if (!repository.private) return undefined;
    if (caller.kind === "anonymous") return "hidden";
    return this.tokenReachesPrivate(caller.grant, repository) ? undefined : "hidden";
  }

  /** Members the caller may see: everyone with member-reading rights, otherwise public members only. */
  visibleMembers(caller: GithubCaller, organization: GithubOrganizationRecord): GithubOrganizationMember[] {
    return this.readsConcealedMembers(caller, organization)
      ? organization.members
      : organization.members.filter((member) => member.public);
  }

  private readsConcealedMembers(caller: GithubCaller, organization: GithubOrganizationRecord): boolean {
    if (caller.kind === "anonymous") return false;
    const grant = caller.grant;
    const sameLogin = (login: string | undefined) => login?.toLowerCase() === organization.login.toLowerCase();
    switch (grant.kind) {
      case "classic_pat":
      case "oauth":
        return (
          grant.scopes.some((scope) => ["read:org", "write:org", "admin:org"].includes(scope)) &&
          this.isMember(organization, grant.user)
        );
      case "fine_grained_pat":
      case "app_user":
        return grant.membersPermission === true && sameLogin(grant.resourceOwner) && this.isMember(organization, grant.user);
      case "app_installation":
        return grant.membersPermission === true && sameLogin(grant.account);
    }
  }

  private tokenReachesPrivate(grant: GithubTokenGrant, repository: GithubRepositoryRecord): boolean {
    const fullName = `${repository.owner}/${repository.name}`.toLowerCase();
    const selected = (repositories: "all" | string[]) =>
      repositories === "all" || repositories.some((name) => name.toLowerCase() === fullName);
    switch (grant.kind) {
      case "classic_pat":
      case "oauth":
        return grant.scopes.includes("repo") && this.userCanRead(grant.user, repository);
      case "fine_grained_pat":
      case "app_user":
        return (
          (grant.resourceOwner ?? grant.user).toLowerCase() === repository.owner.toLowerCase() &&
          selected(grant.repositories) &&
          this.userCanRead(grant.user, repository)
        );
      case "app_installation":
        return grant.account.toLowerCase() === repository.owner.toLowerCase() && selected(grant.repositories);
    }
  }

  /** Repositories a user owns or reaches as a member of their owner (what `GET /user/repos` considers). */
  affiliatedRepositories(login: string): GithubRepositoryRecord[] {
    return this.allRepositories().filter((repository) => this.userCanRead(login, repository));
  }

  /** A user reads their own repositories and those of organizations they belong to. */
  private userCanRead(login: string, repository: GithubRepositoryRecord): boolean {
    if (repository.owner.toLowerCase() === login.toLowerCase()) return true;
    const organization = this.organization(repository.owner);
    return organization !== undefined && this.isMember(organization, login);
  }

  /** Repositories an installation token reaches, for `GET /installation/repositories`. */
  installationRepositories(grant: Extract<GithubTokenGrant, { kind: "app_installation" }>): GithubRepositoryRecord[] {
    return this.allRepositories().filter(
      (repository) =>
        repository.owner.toLowerCase() === grant.account.toLowerCase() &&
        (grant.repositories === "all" ||
          grant.repositories.some((name) => name.toLowerCase() === `${repository.owner}/${repository.name}`.toLowerCase())),
    );
  }
}
