import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ConnectorError } from "../src/core/connector-errors.js";
import { silentLogger } from "../src/core/logger-types.js";
import { validateConnection, type ValidateConnectionInput } from "../src/core/validate-connection.js";
import { githubConnector } from "../src/github/index.js";
import { githubDemoConfig, githubDemoCredentials, startGithubSimulator, type RunningGithubSimulator } from "@tributary/simulators";

let sim: RunningGithubSimulator;

const tokens = {
  classicRepoOnly: "ghp_RepoOnlyScopeToken00000000000000000",
  classicOrgOnly: "ghp_ReadOrgOnlyToken000000000000000000",
  classicWriteOrg: "ghp_WriteOrgImpliesReadOrg000000000000",
  oauth: "gho_OAuthAppToken0000000000000000000000",
  fineGrainedAll: "github_pat_FineGrainedAllRepos0000_00000000000000000000000000000000000000000000000000000000001",
  fineGrainedDocsOnly: "github_pat_FineGrainedDocsOnly0000_00000000000000000000000000000000000000000000000000000000001",
  installation: "ghs_TributaryDemoInstallation00000000001",
  emptyInstallation: "ghs_InstallationWithoutRepos0000000000",
  appUser: "ghu_GithubAppUserToken0000000000000000",
  legacyClassic: "0123456789abcdef0123456789abcdef01234567",
  legacyUnscoped: "fedcba9876543210fedcba9876543210fedcba98",
  expired: "ghp_ExpiredToken00000000000000000000000",
  expiringSoon: "ghp_ExpiringSoonToken000000000000000000",
  spentQuota: "ghp_SpentQuotaToken00000000000000000000",
  ssoAuthorized: "ghp_SsoAuthorizedToken0000000000000000",
  unknown: "ghp_ThisTokenIsNotKnownAnywhere00000000",
};

const allStreams = [
  "repositories",
  "issues",
  "pull_requests",
  "issue_comments",
  "pull_request_reviews",
  "commits",
  "releases",
  "users",
];

beforeAll(async () => {
  sim = await startGithubSimulator({ port: 0 });
  sim.addToken(tokens.classicRepoOnly, { kind: "classic_pat", user: "octo-admin", scopes: ["repo"] });
  sim.addToken(tokens.classicOrgOnly, { kind: "classic_pat", user: "octo-admin", scopes: ["read:org"] });
  sim.addToken(tokens.classicWriteOrg, { kind: "classic_pat", user: "octo-admin", scopes: ["repo", "write:org"] });
  sim.addToken(tokens.oauth, { kind: "oauth", user: "mona", scopes: ["repo", "read:org"] });
  sim.addToken(tokens.fineGrainedAll, {
    kind: "fine_grained_pat",
    user: "octo-admin",
    resourceOwner: "tributary-demo",
    repositories: "all",
  });
  sim.addToken(tokens.fineGrainedDocsOnly, {
    kind: "fine_grained_pat",
    user: "octo-admin",
    resourceOwner: "tributary-demo",
    repositories: ["tributary-demo/docs"],
  });
  sim.addToken(tokens.emptyInstallation, {
    kind: "app_installation",
    installationId: 42099,
    account: "tributary-demo",
    repositories: [],
  });
  sim.addToken(tokens.appUser, { kind: "app_user", user: "hubot", resourceOwner: "tributary-demo", repositories: "all" });
  sim.addToken(tokens.legacyClassic, { kind: "classic_pat", user: "octo-admin", scopes: ["repo", "read:org"] });
  sim.addToken(tokens.legacyUnscoped, { kind: "fine_grained_pat", user: "octo-admin", repositories: "all" });
  sim.addToken(tokens.expired, {
    kind: "classic_pat",
    user: "octo-admin",
    scopes: ["repo", "read:org"],
    expiresAt: "2024-01-01T00:00:00Z",
  });
  sim.addToken(tokens.expiringSoon, {
    kind: "classic_pat",
    user: "octo-admin",
    scopes: ["repo", "read:org"],
    expiresAt: new Date(Date.now() + 3 * 24 * 3600 * 1000).toISOString(),
  });
  sim.addToken(tokens.spentQuota, {
    kind: "classic_pat",
    user: "quota-spender",
    scopes: ["repo", "read:org"],
    rateLimit: { remaining: 0, resetInSeconds: 120 },
  });
  sim.addToken(tokens.ssoAuthorized, {
    kind: "classic_pat",
    user: "octo-admin",
    scopes: ["repo", "read:org"],
    ssoAuthorizedOrganizations: ["sso-corp"],
  });
});

afterAll(async () => {
  await sim?.close();
});

beforeEach(() => {
  sim.faults.clear();
  sim.requests.clear();
});

function validate(token: string, config: Record<string, unknown> = {}, streams?: string[], deadlineMs = 10_000) {
  const input: ValidateConnectionInput = { credentials: { token }, config: { api_base_url: sim.url, ...config }, streams };
  return validateConnection(githubConnector, input, { deadlineMs, logger: silentLogger });
}

async function failureOf(promise: Promise<unknown>, token?: string): Promise<ConnectorError> {
  try {
    await promise;
  } catch (error) {
    if (!(error instanceof ConnectorError)) throw error;
    if (token) {
      expect(error.message).not.toContain(token);
      expect(JSON.stringify(error.details)).not.toContain(token);
    }
    return error;
  }
  throw new Error("expected the validation to fail");
}

describe("GitHub check: token types", () => {
  it("accepts the demo classic token with every stream and reports account and scopes", async () => {
    const result = await validate(githubDemoCredentials.token, { ...githubDemoConfig });
    expect(result).toEqual({
      status: "ok",
      connector: "github",
      account: {
        id: "1001",
        name: "octo-admin",
        email: "octo-admin@example.com",
        kind: "user",
        organization: { id: "5001", name: "tributary-demo" },
      },
      token_type: "classic_pat",
      granted_scopes: ["repo", "read:org"],
      missing_scopes: [],
      warnings: [],
      streams: allStreams,
    });
    expect(sim.requests.count("/user")).toBe(1);
    expect(sim.requests.count("/orgs/tributary-demo")).toBe(1);
    const userCall = sim.clientHeaders.find((call) => call.path === "/user");
    expect(userCall).toEqual({ path: "/user", apiVersion: "2022-11-28", accept: "application/vnd.github+json" });
  });

  it("treats OAuth app tokens (gho_) by their scopes", async () => {
    const result = await validate(tokens.oauth, { organization: "tributary-demo" });
    expect(result.token_type).toBe("oauth");
    expect(result.account).toMatchObject({ id: "1002", name: "mona", email: null, kind: "user" });
    expect(result.granted_scopes).toEqual(["repo", "read:org"]);
    expect(result.missing_scopes).toEqual([]);
  });

  it("probes configured repositories for a fine-grained token, which reports no scopes", async () => {
    const result = await validate(tokens.fineGrainedAll, {
      organization: "tributary-demo",
      repositories: ["tributary-demo/platform", "tributary-demo/website"],
    });
    expect(result.token_type).toBe("fine_grained_pat");
    expect(result.granted_scopes).toBeNull();
    expect(result.missing_scopes).toEqual([]);
    expect(result.account.organization).toEqual({ id: "5001", name: "tributary-demo" });
    expect(result.warnings).toEqual([
      'GitHub does not report the permissions of fine-grained personal access tokens: unless the token has the organization permission "Members: read", only the public members of "tributary-demo" will be mirrored.',
    ]);
    expect(sim.requests.count("/repos/tributary-demo/platform")).toBe(1);
    expect(sim.requests.count("/repos/tributary-demo/website")).toBe(1);
  });

  it("names each repository a fine-grained token cannot reach", async () => {
    const error = await failureOf(
      validate(tokens.fineGrainedDocsOnly, {
        repositories: ["tributary-demo/platform", "tributary-demo/docs", "mona/notes"],
      }),
      tokens.fineGrainedDocsOnly,
    );
    expect(error.code).toBe("missing_scopes");
    expect(error.details.missingScopes).toEqual(["repo:tributary-demo/platform", "repo:mona/notes"]);
    expect(error.message).toBe(
      "The GitHub credentials lack the scopes the selected streams need: repo:tributary-demo/platform, repo:mona/notes",
    );
    expect(error.details.account).toMatchObject({ name: "octo-admin", kind: "user" });
  });

  it("identifies an installation token through its installation's repositories", async () => {
    const result = await validate(tokens.installation, {});
    expect(result.token_type).toBe("app_installation");
    expect(result.granted_scopes).toBeNull();
    expect(result.account).toEqual({
      id: "5001",
      name: "tributary-demo",
      email: null,
      kind: "app_installation",
      organization: { id: "5001", name: "tributary-demo" },
    });
    expect(result.missing_scopes).toEqual([]);
    expect(sim.requests.count("/user")).toBe(1);
    const listing = sim.requests.all().filter((request) => request.path === "/installation/repositories");
    expect(listing.map((request) => request.query)).toEqual([{ per_page: "1" }]);
  });

  it("fails an installation that reaches no repository", async () => {
    const error = await failureOf(validate(tokens.emptyInstallation, {}, ["issues"]), tokens.emptyInstallation);
    expect(error.code).toBe("missing_scopes");
    expect(error.details.missingScopes).toEqual(["repo:*"]);
  });

  it("treats GitHub App user tokens (ghu_) as permission-based", async () => {
    const result = await validate(tokens.appUser, { repositories: ["tributary-demo/platform"] }, ["issues"]);
    expect(result.token_type).toBe("app_user");
    expect(result.granted_scopes).toBeNull();
    expect(result.account).toMatchObject({ id: "1003", name: "hubot", kind: "user" });
  });

  it("lets the API decide for an unprefixed legacy token: scopes reported means classic", async () => {
    const result = await validate(tokens.legacyClassic, {});
    expect(result.token_type).toBe("classic_pat");
    expect(result.granted_scopes).toEqual(["repo", "read:org"]);
  });

  it("lets the API decide for an unprefixed token without scopes: probed, type unknown", async () => {
    const result = await validate(tokens.legacyUnscoped, {}, ["issues"]);
    expect(result.token_type).toBe("unknown");
    expect(result.granted_scopes).toBeNull();
  });
});

describe("GitHub check: credentials and scopes", () => {
  it("reports a token GitHub does not know as invalid_credentials", async () => {
    const error = await failureOf(validate(tokens.unknown), tokens.unknown);
    expect(error.code).toBe("invalid_credentials");
    expect(error.message).toBe(
      "GitHub rejected the token (HTTP 401: Bad credentials): it is mistyped, expired or revoked. Create a new personal access token (classic) and paste it again.",
    );
    expect(error.details.providerStatus).toBe(401);
    expect(sim.requests.count("/user")).toBe(1);
  });

  it("reports an expired token as invalid_credentials", async () => {
    const error = await failureOf(validate(tokens.expired), tokens.expired);
    expect(error.code).toBe("invalid_credentials");
  });

  it("fails with missing_scopes when a required scope is absent", async () => {
    const error = await failureOf(validate(tokens.classicRepoOnly, { organization: "tributary-demo" }), tokens.classicRepoOnly);
    expect(error.code).toBe("missing_scopes");
    expect(error.details.missingScopes).toEqual(["read:org"]);
    expect(error.message).toBe("The GitHub credentials lack the scopes the selected streams need: read:org");
    expect(error.details.account).toMatchObject({ id: "1001", name: "octo-admin" });
  });

  it("accepts a broader scope for a narrower requirement (write:org implies read:org)", async () => {
    const result = await validate(tokens.classicWriteOrg, { organization: "tributary-demo" });
    expect(result.missing_scopes).toEqual([]);
    expect(result.granted_scopes).toEqual(["repo", "write:org"]);
  });

  it("passes with a warning when only an optional scope is missing", async () => {
    const result = await validate(tokens.classicOrgOnly, { organization: "tributary-demo" });
    expect(result.status).toBe("ok");
    expect(result.missing_scopes).toEqual(["repo"]);
    expect(result.warnings).toEqual([
      "The token lacks the `repo` scope, so only public repositories are visible: private repositories will be skipped. Add the `repo` scope to mirror them.",
    ]);
  });

  it("requires `repo` when a configured private repository is hidden from a token without it", async () => {
    const error = await failureOf(
      validate(tokens.classicOrgOnly, { repositories: ["tributary-demo/website", "tributary-demo/platform"] }),
      tokens.classicOrgOnly,
    );
    expect(error.code).toBe("missing_scopes");
    expect(error.details.missingScopes).toEqual(["repo"]);
  });

  it("only checks the scopes of the selected streams", async () => {
    const result = await validate(tokens.classicRepoOnly, {}, ["issues", "commits"]);
    expect(result.missing_scopes).toEqual([]);
    expect(result.streams).toEqual(["issues", "commits"]);
  });

  it("names an organization that does not exist", async () => {
    const error = await failureOf(validate(githubDemoCredentials.token, { organization: "no-such-org" }));
    expect(error.code).toBe("missing_scopes");
    expect(error.details.missingScopes).toEqual(["org:no-such-org"]);
  });

  it("names an organization whose SAML SSO the token is not authorized for, and passes once it is", async () => {
    const error = await failureOf(validate(githubDemoCredentials.token, { organization: "sso-corp" }));
    expect(error.details.missingScopes).toEqual(["sso:sso-corp"]);
    const result = await validate(tokens.ssoAuthorized, { organization: "sso-corp", repositories: ["sso-corp/internal"] });
    expect(result.account.organization).toEqual({ id: "5002", name: "sso-corp" });
  });

  it("warns about a renamed repository that GitHub redirects", async () => {
    const result = await validate(githubDemoCredentials.token, { repositories: ["tributary-demo/homepage"] }, ["issues"]);
    expect(result.warnings).toEqual([
      'Repository "tributary-demo/homepage" has been renamed or moved to "tributary-demo/website": update `repositories`.',
    ]);
    expect(sim.requests.count("/repositories/70002")).toBe(1);
  });

  it("warns that the users stream stays empty without an organization", async () => {
    const result = await validate(githubDemoCredentials.token, {}, ["users"]);
    expect(result.warnings).toEqual([
      "The `users` stream reads the members of an organization, but no `organization` is configured: it will stay empty. Set `organization` to mirror its members.",
    ]);
  });

  it("warns when the token expires within a week", async () => {
    const result = await validate(tokens.expiringSoon, {}, ["issues"]);
    expect(result.warnings).toHaveLength(1);
    expect(result.warnings[0]).toMatch(/^The token expires at \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC: create a replacement/);
  });
});

describe("GitHub check: rate limits", () => {
  it("reports a spent primary window with the wait until x-ratelimit-reset", async () => {
    const error = await failureOf(validate(tokens.spentQuota), tokens.spentQuota);
    expect(error.code).toBe("rate_limited");
    expect(error.details.retryAfterMs).toBeGreaterThan(110_000);
    expect(error.details.retryAfterMs).toBeLessThanOrEqual(120_000);
    expect(error.message).toMatch(/^GitHub rate limit reached \(primary limit of 5000 requests an hour on "core" used up until .+\); retry in 1[12]\d s$/);
    expect(sim.requests.count("/user")).toBe(1);
  });

  it("reports an injected primary limit (403) without retrying", async () => {
    sim.faults.inject({ kind: "rate_limit", retryAfterSeconds: 30, pathPrefix: "/user" });
    const error = await failureOf(validate(githubDemoCredentials.token), githubDemoCredentials.token);
    expect(error.code).toBe("rate_limited");
    expect(error.details.retryAfterMs).toBeGreaterThan(25_000);
    expect(error.details.retryAfterMs).toBeLessThanOrEqual(30_000);
    expect(sim.requests.count("/user")).toBe(1);
  });

  it("reads the primary limit from a 429 as well", async () => {
    sim.faults.inject({ kind: "rate_limit", status: 429, retryAfterSeconds: 45, pathPrefix: "/user" });
    const error = await failureOf(validate(githubDemoCredentials.token));
    expect(error.code).toBe("rate_limited");
    expect(error.details.retryAfterMs).toBeGreaterThan(40_000);
    expect(error.details.retryAfterMs).toBeLessThanOrEqual(45_000);
  });

  it("reports a secondary limit with the wait from retry-after", async () => {
    sim.armSecondaryRateLimit({ retryAfterSeconds: 60, pathPrefix: "/user" });
    const error = await failureOf(validate(githubDemoCredentials.token), githubDemoCredentials.token);
    expect(error.code).toBe("rate_limited");
    expect(error.details.retryAfterMs).toBe(60_000);
    expect(error.message).toBe("GitHub rate limit reached (secondary rate limit); retry in 60 s");
  });
});

describe("GitHub check: provider failures", () => {
  it("retries 5xx answers and succeeds", async () => {
    sim.faults.inject({ kind: "server_error", status: 502, times: 2, pathPrefix: "/user" });
    const result = await validate(githubDemoCredentials.token, {}, ["issues"]);
    expect(result.account.name).toBe("octo-admin");
    const statuses = sim.requests.all().filter((request) => request.path === "/user").map((request) => request.status);
    expect(statuses).toEqual([502, 502, 200]);
  });

  it("gives up with provider_unavailable when 5xx lasts until the deadline", async () => {
    sim.faults.inject({ kind: "server_error", status: 503, times: Number.POSITIVE_INFINITY, pathPrefix: "/user" });
    const error = await failureOf(validate(githubDemoCredentials.token, {}, ["issues"], 1500), githubDemoCredentials.token);
    expect(error.code).toBe("provider_unavailable");
    expect(error.message).toMatch(/^GitHub did not answer successfully within 1\.5 s after \d+ attempts: HTTP 503$/);
    expect(error.details.providerStatus).toBe(503);
    expect(sim.requests.count("/user")).toBeGreaterThan(1);
  });

  it("retries a malformed body and succeeds", async () => {
    sim.faults.inject({ kind: "malformed", times: 1, pathPrefix: "/user" });
    const result = await validate(githubDemoCredentials.token, {}, ["issues"]);
    expect(result.token_type).toBe("classic_pat");
    expect(sim.requests.count("/user")).toBe(2);
  });

  it("ends provider_unavailable when every body is malformed", async () => {
    sim.faults.inject({ kind: "malformed", times: Number.POSITIVE_INFINITY, pathPrefix: "/user" });
    const error = await failureOf(validate(githubDemoCredentials.token, {}, ["issues"], 1500));
    expect(error.code).toBe("provider_unavailable");
    expect(error.message).toContain("malformed response body (HTTP 200)");
  });

  it("explains a base URL that is not the REST API root", async () => {
    const error = await failureOf(
      validateConnection(
        githubConnector,
        { credentials: { ...githubDemoCredentials }, config: { api_base_url: `${sim.url}/web` }, streams: ["issues"] },
        { deadlineMs: 5000, logger: silentLogger },
      ),
    );
    expect(error.code).toBe("provider_error");
    expect(error.message).toContain("api_base_url must be the REST API root");
  });
});

describe("GitHub check: input validation", () => {
  const badInputs: Array<[string, ValidateConnectionInput, string, string]> = [
    ["no token", { credentials: {}, config: {} }, "credentials.token", "credentials.token: must be a string"],
    ["a token that is not a string", { credentials: { token: 42 }, config: {} }, "credentials.token", "credentials.token: must be a string"],
    [
      "a token pasted with its scheme",
      { credentials: { token: "Bearer ghp_abc" }, config: {} },
      "credentials.token",
      "credentials.token: paste the token alone, without the `Bearer ` or `token ` prefix",
    ],
    [
      "a refresh token",
      { credentials: { token: "ghr_RefreshToken000000000000000000000000" }, config: {} },
      "credentials.token",
      "credentials.token: is a GitHub App refresh token (`ghr_…`), which the API does not accept; paste the user access token (`ghu_…`) it renews",
    ],
    [
      "the website instead of the API",
      { credentials: { token: "ghp_x" }, config: { api_base_url: "https://github.com" } },
      "config.api_base_url",
      "config.api_base_url: is the GitHub website; use the API address https://api.github.com (or https://HOSTNAME/api/v3 for GitHub Enterprise Server)",
    ],
    [
      "an organization URL",
      { credentials: { token: "ghp_x" }, config: { organization: "https://github.com/acme" } },
      "config.organization",
      "config.organization: must be a GitHub organization login (letters, digits and single hyphens, 39 characters at most), not a URL",
    ],
    [
      "a repository without owner",
      { credentials: { token: "ghp_x" }, config: { repositories: ["website"] } },
      "config.repositories.0",
      'config.repositories.0: must be "owner/name", e.g. "octo-org/octo-repo"',
    ],
    [
      "a duplicated repository",
      { credentials: { token: "ghp_x" }, config: { repositories: ["a/b", "A/B"] } },
      "config.repositories",
      "config.repositories: lists a repository twice (names are case-insensitive)",
    ],
  ];

  it.each(badInputs)("rejects %s as bad_request naming the field", async (_label, input, field, message) => {
    const error = await failureOf(validateConnection(githubConnector, input, { deadlineMs: 5000, logger: silentLogger }));
    expect(error.code).toBe("bad_request");
    expect(error.details.field).toBe(field);
    expect(error.message).toBe(message);
    expect(sim.requests.count()).toBe(0);
  });

  it("never echoes a malformed token in the message", async () => {
    const token = "ghp_secret value with spaces";
    const error = await failureOf(
      validateConnection(githubConnector, { credentials: { token }, config: {} }, { deadlineMs: 5000, logger: silentLogger }),
      token,
    );
    expect(error.details.field).toBe("credentials.token");
  });

  it("rejects an unknown stream as bad_request", async () => {
    const error = await failureOf(validate(githubDemoCredentials.token, {}, ["issues", "wikis"]));
    expect(error.code).toBe("bad_request");
    expect(error.details.field).toBe("streams.1");
    expect(error.message).toBe(
      'streams.1: unknown stream "wikis" (known: repositories, issues, pull_requests, issue_comments, pull_request_reviews, commits, releases, users)',
    );
    expect(sim.requests.count()).toBe(0);
  });
});
