import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { githubDemoToken, startGithubSimulator, type RunningGithubSimulator } from "../src/github/index.js";

let sim: RunningGithubSimulator;

const fineGrained = "github_pat_SimulatorTestFineGrained_0000000000000000000000000000000000000000000000000000000001";
const installation = "ghs_TributaryDemoInstallation00000000001";
const spent = "ghp_SimulatorSpentWindow000000000000000";

beforeAll(async () => {
  sim = await startGithubSimulator({ port: 0 });
  sim.addToken(fineGrained, { kind: "fine_grained_pat", user: "octo-admin", repositories: "all" });
  sim.addToken(spent, { kind: "classic_pat", user: "window-spender", scopes: [], rateLimit: { remaining: 0 } });
});

afterAll(async () => {
  await sim?.close();
});

beforeEach(() => {
  sim.faults.clear();
  sim.requests.clear();
});

async function get(path: string, token?: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${sim.url}${path}`, {
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    redirect: "manual",
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, body: text ? (JSON.parse(text) as unknown) : undefined };
}

const requestIdPattern = /^[0-9A-F]{4}:[0-9A-F]{6}:[0-9A-F]{6}:[0-9A-F]{6}:[0-9A-F]{8}$/;

describe("GitHub simulator: headers", () => {
  it("sends scopes, rate-limit, version and request-id headers to a classic token", async () => {
    const first = await get("/user", githubDemoToken, { "x-github-api-version": "2022-11-28" });
    expect(first.status).toBe(200);
    expect(first.headers.get("x-oauth-scopes")).toBe("repo, read:org");
    expect(first.headers.get("x-accepted-oauth-scopes")).toBe("");
    expect(first.headers.get("x-github-api-version-selected")).toBe("2022-11-28");
    expect(first.headers.get("x-github-media-type")).toBe("github.v3; format=json");
    expect(first.headers.get("x-github-request-id")).toMatch(requestIdPattern);
    expect(first.headers.get("x-ratelimit-limit")).toBe("5000");
    expect(first.headers.get("x-ratelimit-resource")).toBe("core");
    expect(Number(first.headers.get("x-ratelimit-reset"))).toBeGreaterThan(Date.now() / 1000);

    const second = await get("/user", githubDemoToken);
    const used = Number(first.headers.get("x-ratelimit-used"));
    expect(Number(second.headers.get("x-ratelimit-used"))).toBe(used + 1);
    expect(Number(second.headers.get("x-ratelimit-remaining"))).toBe(5000 - used - 1);
  });

  it("sends no scope header to fine-grained tokens", async () => {
    const response = await get("/repos/tributary-demo/docs", fineGrained);
    expect(response.status).toBe(200);
    expect(response.headers.has("x-oauth-scopes")).toBe(false);
    expect(response.headers.get("x-accepted-github-permissions")).toBe("metadata=read");
  });

  it("does not count /rate_limit against the window", async () => {
    const before = await get("/rate_limit", githubDemoToken);
    const after = await get("/rate_limit", githubDemoToken);
    const core = (body: unknown) => (body as { resources: { core: { used: number } } }).resources.core.used;
    expect(core(after.body)).toBe(core(before.body));
  });
});

describe("GitHub simulator: error bodies", () => {
  it("answers an unknown token with the bare 401 and no rate-limit headers", async () => {
    const response = await get("/user", "ghp_unknown000000000000000000000000000000");
    expect(response.status).toBe(401);
    expect(response.text).toBe('{"message":"Bad credentials","documentation_url":"https://docs.github.com/rest","status":"401"}');
    expect(response.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(response.headers.has("x-ratelimit-limit")).toBe(false);
    expect(response.headers.has("x-github-api-version-selected")).toBe(false);
    expect(response.headers.get("x-github-request-id")).toMatch(requestIdPattern);
  });

  it("answers /user without a credential with 'Requires authentication' and the anonymous window", async () => {
    const response = await get("/user");
    expect(response.status).toBe(401);
    expect(response.body).toEqual({
      message: "Requires authentication",
      documentation_url: "https://docs.github.com/rest/users/users#get-the-authenticated-user",
      status: "401",
    });
    expect(response.headers.get("x-ratelimit-limit")).toBe("60");
  });

  it("refuses /user to an installation token as GitHub does", async () => {
    const response = await get("/user", installation);
    expect(response.status).toBe(403);
    expect(response.body).toEqual({
      message: "Resource not accessible by integration",
      documentation_url: "https://docs.github.com/rest/users/users#get-the-authenticated-user",
      status: "403",
    });
  });

  it("lists an installation's repositories with total_count and a Link header", async () => {
    const response = await get("/installation/repositories?per_page=1", installation);
    expect(response.status).toBe(200);
    const body = response.body as { total_count: number; repository_selection: string; repositories: Array<{ full_name: string }> };
    expect(body.total_count).toBe(3);
    expect(body.repository_selection).toBe("all");
    expect(body.repositories.map((repository) => repository.full_name)).toEqual(["tributary-demo/platform"]);
    expect(response.headers.get("link")).toBe(
      `<${sim.url}/installation/repositories?per_page=1&page=2>; rel="next", <${sim.url}/installation/repositories?per_page=1&page=3>; rel="last"`,
    );
  });

  it("refuses the installation listing to a personal token", async () => {
    const response = await get("/installation/repositories", githubDemoToken);
    expect(response.status).toBe(403);
    expect((response.body as { message: string }).message).toBe(
      "You must authenticate with an installation access token in order to list repositories for an installation.",
    );
  });

  it("hides a private repository behind a 404 with the endpoint's docs anchor", async () => {
    const response = await get("/repos/mona/notes", fineGrained);
    expect(response.status).toBe(404);
    expect(response.text).toBe(
      '{"message":"Not Found","documentation_url":"https://docs.github.com/rest/repos/repos#get-a-repository","status":"404"}',
    );
  });

  it("redirects a renamed repository permanently", async () => {
    const response = await get("/repos/tributary-demo/homepage", githubDemoToken);
    expect(response.status).toBe(301);
    expect(response.headers.get("location")).toBe(`${sim.url}/repositories/70002`);
  });

  it("refuses an organization enforcing SAML SSO with a 403 naming where to authorize the token", async () => {
    const response = await get("/orgs/sso-corp", githubDemoToken);
    expect(response.status).toBe(403);
    expect(response.headers.get("x-github-sso")).toMatch(
      new RegExp(`^required; url=${sim.url}/orgs/sso-corp/sso\\?authorization_request=[0-9a-f]+$`),
    );
    expect((response.body as { message: string }).message).toMatch(/^Resource protected by organization SAML enforcement\./);
  });

  it("answers an unsupported API version with 400, but a bad credential first with 401", async () => {
    const version = await get("/user", githubDemoToken, { "x-github-api-version": "1999-01-01" });
    expect(version.status).toBe(400);
    expect((version.body as { message: string }).message).toContain('"1999-01-01", is not a supported version');
    const credential = await get("/user", "ghp_unknown000000000000000000000000000000", { "x-github-api-version": "1999-01-01" });
    expect(credential.status).toBe(401);
  });

  it("shows concealed members only to callers allowed to read them", async () => {
    const logins = (body: unknown) => (body as Array<{ login: string }>).map((member) => member.login);
    const withReadOrg = await get("/orgs/tributary-demo/members", githubDemoToken);
    expect(logins(withReadOrg.body)).toEqual(["octo-admin", "mona", "hubot"]);
    const anonymous = await get("/orgs/tributary-demo/members");
    expect(logins(anonymous.body)).toEqual(["octo-admin", "hubot"]);
  });
});

describe("GitHub simulator: rate limits and faults", () => {
  it("refuses a spent primary window with 403 and x-ratelimit-remaining 0", async () => {
    const response = await get("/user", spent);
    expect(response.status).toBe(403);
    expect(response.headers.get("x-ratelimit-remaining")).toBe("0");
    expect(response.body).toMatchObject({
      documentation_url: "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api",
      status: "403",
    });
    expect((response.body as { message: string }).message).toMatch(/^API rate limit exceeded for user ID \d+\.$/);
  });

  it("renders an injected rate_limit fault as the primary limit, reset retryAfterSeconds ahead", async () => {
    sim.faults.inject({ kind: "rate_limit", retryAfterSeconds: 90 });
    const response = await get("/user", installation);
    expect(response.status).toBe(403);
    expect(response.headers.get("x-ratelimit-remaining")).toBe("0");
    const reset = Number(response.headers.get("x-ratelimit-reset"));
    const nowSeconds = Math.floor(Date.now() / 1000);
    expect(reset).toBeGreaterThanOrEqual(nowSeconds + 89);
    expect(reset).toBeLessThanOrEqual(nowSeconds + 90);
    expect((response.body as { message: string }).message).toBe("API rate limit exceeded for installation ID 42001.");
  });

  it("arms the secondary limit with retry-after and GitHub's message", async () => {
    sim.armSecondaryRateLimit({ retryAfterSeconds: 60, status: 429 });
    const response = await get("/user", githubDemoToken);
    expect(response.status).toBe(429);
    expect(response.headers.get("retry-after")).toBe("60");
    expect(Number(response.headers.get("x-ratelimit-remaining"))).toBeGreaterThan(0);
    expect((response.body as { message: string }).message).toMatch(
      /^You have exceeded a secondary rate limit\. Please wait a few minutes before you try again\./,
    );
    expect((await get("/user", githubDemoToken)).status).toBe(200);
  });

  it("renders server_error and malformed faults", async () => {
    sim.faults.inject({ kind: "server_error", status: 502 });
    const failed = await get("/user", githubDemoToken);
    expect(failed.status).toBe(502);
    expect(failed.body).toEqual({ message: "Server Error", status: "502" });

    sim.faults.inject({ kind: "malformed" });
    const response = await fetch(`${sim.url}/user`, { headers: { authorization: `Bearer ${githubDemoToken}` } });
    expect(response.status).toBe(200);
    await expect(response.json()).rejects.toThrow();
    expect(sim.requests.count("/user")).toBe(2);
  });
});

describe("GitHub simulator: seeded dataset routes", () => {
  type Item = { id: number; number: number; updated_at: string; pull_request?: unknown };

  it("serves a small demo dataset on the fixture organization by default", async () => {
    const issues = await get("/repos/tributary-demo/platform/issues?state=all&per_page=100", githubDemoToken);
    expect(issues.status).toBe(200);
    const items = issues.body as Item[];
    expect(items).toHaveLength(30);
    expect(items.filter((item) => item.pull_request !== undefined)).toHaveLength(10);
    expect(sim.dataset?.counts()).toMatchObject({ repositories: 3, issues: 60, pull_requests: 30, users: 3 });
  });

  it("pages with GitHub's Link header, caps per_page at 100 and filters `since` inclusively", async () => {
    const first = await get("/repos/tributary-demo/docs/issues?state=all&sort=updated&direction=asc&per_page=7", githubDemoToken);
    expect(first.headers.get("link")).toBe(
      `<${sim.url}/repos/tributary-demo/docs/issues?state=all&sort=updated&direction=asc&per_page=7&page=2>; rel="next", ` +
        `<${sim.url}/repos/tributary-demo/docs/issues?state=all&sort=updated&direction=asc&per_page=7&page=5>; rel="last"`,
    );
    const page = first.body as Item[];
    const updated = page.map((item) => item.updated_at);
    expect([...updated].sort()).toEqual(updated);

    const capped = await get("/repos/tributary-demo/docs/issues?state=all&per_page=1000", githubDemoToken);
    expect((capped.body as Item[]).length).toBe(30);

    const boundary = page[3]?.updated_at ?? "";
    const since = await get(`/repos/tributary-demo/docs/issues?state=all&sort=updated&direction=asc&since=${boundary}`, githubDemoToken);
    const sinceItems = since.body as Item[];
    expect(sinceItems[0]?.updated_at).toBe(boundary);
    expect(sinceItems.every((item) => item.updated_at >= boundary)).toBe(true);

    const bad = await get("/repos/tributary-demo/docs/issues?since=yesterday", githubDemoToken);
    expect(bad.status).toBe(422);
  });

  it("answers If-None-Match with 304 and gives the request back to the rate limit", async () => {
    const path = "/repos/tributary-demo/website/pulls?state=all&sort=updated&direction=desc";
    const first = await get(path, githubDemoToken);
    const etag = first.headers.get("etag") ?? "";
    expect(etag).toMatch(/^W\/"[0-9a-f]+"$/);
    const used = Number(first.headers.get("x-ratelimit-used"));
    const second = await get(path, githubDemoToken, { "if-none-match": etag });
    expect(second.status).toBe(304);
    expect(second.text).toBe("");
    expect(Number(second.headers.get("x-ratelimit-used"))).toBe(used);
    expect((await get(path, githubDemoToken, { "if-none-match": 'W/"stale"' })).status).toBe(200);
  });

  it("answers 409 for the commits of a repository without commits, and lists a pull request's reviews", async () => {
    const empty = await get("/repos/octo-admin/dotfiles/commits", githubDemoToken);
    expect(empty.status).toBe(409);
    expect((empty.body as { message: string }).message).toBe("Git Repository is empty.");
    const pulls = (await get("/repos/tributary-demo/platform/pulls?state=all", githubDemoToken)).body as Item[];
    const reviews = await get(`/repos/tributary-demo/platform/pulls/${pulls[0]?.number}/reviews`, githubDemoToken);
    expect((reviews.body as unknown[]).length).toBe(2);
    const notAPull = (await get("/repos/tributary-demo/platform/issues?state=all", githubDemoToken)).body as Item[];
    const issue = notAPull.find((item) => item.pull_request === undefined);
    expect((await get(`/repos/tributary-demo/platform/pulls/${issue?.number}/reviews`, githubDemoToken)).status).toBe(404);
  });

  it("builds the same dataset from the same seed, and moves its clock forward with every change", async () => {
    const options = { seed: 9, organization: "determinism", repositories: 2, issuesPerRepository: 5, pullRequestsPerRepository: 2, maxPerPage: 10 };
    const [one, two] = await Promise.all([startGithubSimulator({ dataset: options }), startGithubSimulator({ dataset: options })]);
    try {
      const strip = (records: Record<string, unknown>[]) => JSON.stringify(records).replaceAll(/127\.0\.0\.1:\d+/g, "host");
      expect(strip(one.dataset?.groundTruth("issues") ?? [])).toBe(strip(two.dataset?.groundTruth("issues") ?? []));
      const latest = (records: Record<string, unknown>[]) => records.map((record) => String(record.updated_at)).sort().at(-1) ?? "";
      const before = latest(one.dataset?.groundTruth("issues") ?? []);
      const summary = one.dataset?.applyChanges({ seed: 1, changes: { issues: { updates: 1 } } });
      const [changed] = summary?.applied.issues?.updated ?? [];
      const record = one.dataset?.groundTruth("issues").find((candidate) => JSON.stringify({ id: candidate.id }) === changed);
      expect(String(record?.updated_at) > before).toBe(true);
      expect(() => one.dataset?.applyChanges({ seed: 1, changes: { pull_requests: { deletes: 1 } } })).toThrow(/does not delete/);
      const truth = await fetch(`${one.url}/_simulator/truth/issues`);
      expect(((await truth.json()) as { total: number }).total).toBe(10);
    } finally {
      await Promise.all([one.close(), two.close()]);
    }
  });
});
