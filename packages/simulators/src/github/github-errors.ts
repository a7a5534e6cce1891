/**
 * GitHub's error bodies, byte for byte where they were observed: `{"message", "documentation_url",
 * "status"}` with the status as a string. `documentation_url` names the endpoint's own docs anchor,
 * except for credential failures, which point at the REST root.
 */
export interface GithubErrorBody {
  message: string;
  documentation_url?: string;
  status: string;
}

const docs = "https://docs.github.com/rest";

export const githubDocs = {
  root: docs,
  authenticatedUser: `${docs}/users/users#get-the-authenticated-user`,
  organization: `${docs}/orgs/orgs#get-an-organization`,
  organizationMembers: `${docs}/orgs/members#list-organization-members`,
  repository: `${docs}/repos/repos#get-a-repository`,
  installationRepositories: `${docs}/apps/installations#list-repositories-accessible-to-the-app-installation`,
  rateLimits: `${docs}/overview/rate-limits-for-the-rest-api`,
  secondaryRateLimits: "https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits",
  apiVersions: `${docs}/about-the-rest-api/api-versions`,
  samlSso: "https://docs.github.com/articles/authenticating-to-a-github-organization-with-saml-single-sign-on/",
  organizationRepositories: `${docs}/repos/repos#list-organization-repositories`,
  userRepositories: `${docs}/repos/repos#list-repositories-for-the-authenticated-user`,
  repositoryIssues: `${docs}/issues/issues#list-repository-issues`,
  issueComments: `${docs}/issues/comments#list-issue-comments-for-a-repository`,
  pullRequests: `${docs}/pulls/pulls#list-pull-requests`,
  pullRequestReviews: `${docs}/pulls/reviews#list-reviews-for-a-pull-request`,
  commits: `${docs}/commits/commits#list-commits`,
  releases: `${docs}/releases/releases#list-releases`,
} as const;

export function githubError(status: number, message: string, documentationUrl?: string): GithubErrorBody {
  return documentationUrl
    ? { message, documentation_url: documentationUrl, status: String(status) }
    : { message, status: String(status) };
}

export const badCredentials = (): GithubErrorBody => githubError(401, "Bad credentials", githubDocs.root);

export const requiresAuthentication = (documentationUrl: string): GithubErrorBody =>
  githubError(401, "Requires authentication", documentationUrl);

export const notFound = (documentationUrl: string = githubDocs.root): GithubErrorBody =>
  githubError(404, "Not Found", documentationUrl);

/** What an installation token gets from endpoints about "the authenticated user". */
export const integrationRefusal = (documentationUrl: string): GithubErrorBody =>
  githubError(403, "Resource not accessible by integration", documentationUrl);

export const notAnInstallationToken = (): GithubErrorBody =>
  githubError(
    403,
    "You must authenticate with an installation access token in order to list repositories for an installation.",
    githubDocs.installationRepositories,
  );

export const samlEnforcement = (): GithubErrorBody =>
  githubError(
    403,
    "Resource protected by organization SAML enforcement. You must grant your Personal Access token access to this organization.",
    githubDocs.samlSso,
  );

export function primaryRateLimitExceeded(status: number, message: string): GithubErrorBody {
  return githubError(status, message, githubDocs.rateLimits);
}

export function secondaryRateLimitExceeded(status: number, requestId: string): GithubErrorBody {
  return githubError(
    status,
    `You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID ${requestId}.`,
    githubDocs.secondaryRateLimits,
  );
}

export function unsupportedApiVersion(requested: string, supported: readonly string[]): GithubErrorBody {
  const list = supported.map((version, index) => `"${version}"${index === supported.length - 1 ? " (most recent)" : ""}`);
  return githubError(
    400,
    `The version you specified in the "X-GitHub-Api-Version" request header, "${requested}", is not a supported version. The following versions are currently supported: ${list.join(", ")}.`,
    githubDocs.apiVersions,
  );
}

export const serverError = (status: number): GithubErrorBody => githubError(status, "Server Error");

export function movedPermanently(url: string): GithubErrorBody & { url: string } {
  return { message: "Moved Permanently", url, documentation_url: githubDocs.repository, status: "301" };
}

/** `GET /repos/{owner}/{repo}/commits` on a repository without a single commit. */
export const emptyRepository = (): GithubErrorBody => githubError(409, "Git Repository is empty.", githubDocs.commits);

/** A query parameter GitHub cannot read (an unparseable `since`). */
export function invalidParameter(parameter: string, value: string, documentationUrl: string) {
  return {
    message: "Validation Failed",
    errors: [{ resource: "Search", field: parameter, code: "invalid", message: `Invalid value for parameter '${parameter}': ${JSON.stringify(value)}` }],
    documentation_url: documentationUrl,
    status: "422",
  };
}
