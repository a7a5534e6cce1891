/** A GitHub user account as the simulator stores it. */
export interface GithubUserRecord {
  id: number;
  login: string;
  name: string | null;
  /** The public email; GitHub answers null when the user keeps it private. */
  email: string | null;
  createdAt: string;
}

export interface GithubOrganizationMember {
  login: string;
  role: "admin" | "member";
  /** Publicized membership: visible to anyone; concealed members need `read:org` or "Members: read". */
  public: boolean;
}

export interface GithubOrganizationRecord {
  id: number;
  login: string;
  name: string;
  description: string;
  members: GithubOrganizationMember[];
  /** SAML SSO enforced: user tokens must be authorized for the organization (see `ssoAuthorizedOrganizations`). */
  samlEnforced?: boolean;
}

export interface GithubRepositoryRecord {
  id: number;
  /** Login of the owning user or organization. */
  owner: string;
  name: string;
  private: boolean;
  description: string | null;
  defaultBranch: string;
  createdAt: string;
  updatedAt: string;
  pushedAt: string;
  /** Full names the repository had before a rename or transfer; GitHub redirects them (301). */
  previousNames?: string[];
}

/** Overrides of a caller's primary rate-limit window, to start it part-spent or spent. */
export interface GithubRateLimitOverride {
  limit?: number;
  remaining?: number;
  /** Seconds until the window resets (default: an hour). */
  resetInSeconds?: number;
}

interface GrantCommon {
  /** ISO instant after which GitHub answers 401; also sent as `GitHub-Authentication-Token-Expiration`. */
  expiresAt?: string;
  rateLimit?: GithubRateLimitOverride;
  /** Organizations enforcing SAML SSO that this token was authorized for. */
  ssoAuthorizedOrganizations?: string[];
}

/** Classic personal access tokens (`ghp_`) and OAuth app tokens (`gho_`): rights are OAuth scopes. */
export interface GithubScopedTokenGrant extends GrantCommon {
  kind: "classic_pat" | "oauth";
  user: string;
  scopes: string[];
}

/**
 * Fine-grained personal access tokens (`github_pat_`) and GitHub App user tokens (`ghu_`): rights are
 * permissions on one resource owner's repositories, reported by no header.
 */
export interface GithubFineGrainedTokenGrant extends GrantCommon {
  kind: "fine_grained_pat" | "app_user";
  user: string;
  /** The user or organization whose private repositories the token may reach (default: the user). */
  resourceOwner?: string;
  /** `all`: every repository of the resource owner; otherwise full names ("owner/name"). */
  repositories: "all" | string[];
  /** The organization permission "Members: read". */
  membersPermission?: boolean;
}

/** GitHub App installation tokens (`ghs_`): act as the installation, not as a user. */
export interface GithubInstallationTokenGrant extends GrantCommon {
  kind: "app_installation";
  installationId: number;
  /** Login of the user or organization the App is installed on. */
  account: string;
  repositories: "all" | string[];
  membersPermission?: boolean;
}

export type GithubTokenGrant = GithubScopedTokenGrant | GithubFineGrainedTokenGrant | GithubInstallationTokenGrant;

export type GithubTokenKind = GithubTokenGrant["kind"];

/**
 * Sizes of the seeded dataset served by the data routes (issues, pull requests, comments, reviews,
 * commits, releases, organization members). Every size is per repository unless named otherwise.
 */
export interface GithubDatasetOptions {
  /** Same seed and sizes, same records, on every machine (default 1). */
  seed?: number;
  /**
   * The organization holding the data (default `tributary-demo`, the fixture organization). It is created
   * when it does not exist, with the demo user `octo-admin` as an admin member.
   */
  organization?: string;
  /**
   * How many repositories the organization has; repositories are generated (`repo-0004`, …) until it
   * has that many, and every repository of the organization carries data (default 3: the fixture
   * organization's own `platform`, `website` and `docs`).
   */
  repositories?: number;
  /** Issues per repository, pull requests not included (default 20). */
  issuesPerRepository?: number;
  /** Pull requests per repository; they share issue numbers and appear in the issues listing too (default 10). */
  pullRequestsPerRepository?: number;
  /** Comments on each issue and each pull request (default 2). */
  commentsPerIssue?: number;
  /** Reviews on each pull request (default 2). */
  reviewsPerPullRequest?: number;
  /** Commits on each repository's default branch (default 30). */
  commitsPerRepository?: number;
  /** Releases per repository (default 3). */
  releasesPerRepository?: number;
  /** Members of the organization, existing ones included; more are generated (`dev-0004`, …) up to this (default 3). */
  members?: number;
  /** The page-size cap (`per_page` above it is lowered to it); GitHub's is 100 (default 100). Tests make it small. */
  maxPerPage?: number;
  /** Where the simulated clock starts: the newest generated record is just before it (default 2025-12-01T00:00:00Z). */
  clockStart?: string;
}

/** The primary rate limit's size and window, for every authenticated caller. */
export interface GithubRateLimitOptions {
  /** Requests per window for tokens (default 5000, GitHub's; 1,000,000 when a dataset is given, so benchmarks are not throttled). */
  limit?: number;
  /** Window length in seconds (default 3600). A test sets 1 to see a limit reset within a second. */
  windowSeconds?: number;
}
