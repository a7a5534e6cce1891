import { describe, it, expect, beforeAll, afterAll } from "vitest";
import {
  HubspotDataset,
  hubspotDatasetEpoch,
  hubspotDemoPortal,
  hubspotDemoToken,
  startHubspotSimulator,
  type HubspotPortal,
  type RunningHubspotSimulator,
} from "../src/hubspot/index.js";

const oauthToken = "CJT-sim-test-oauth-access-token-QYs-gDIIGOBii1hQIyGQAf3";
const expiredOauthToken = "CJT-sim-test-expired-oauth-token-QIyGQAf3xBKEgsYjY";
const freePortal: HubspotPortal = { ...hubspotDemoPortal, portalId: 1_000_001, tier: "free" };
const freeTierToken = "pat-na1-sim-test-free-tier";
const dailyLimitToken = "pat-na1-sim-test-daily-limit-used-up";

let sim: RunningHubspotSimulator;
let clock = Date.UTC(2026, 5, 1, 12);

beforeAll(async () => {
  // A clock that only moves when a test moves it keeps the 10-second window still.
  sim = await startHubspotSimulator({ now: () => clock });
  sim.addToken(oauthToken, { kind: "oauth", scopes: ["oauth", "crm.objects.contacts.read"], userEmail: "ana@example.com", expiresAt: clock + 1_800_000 });
  sim.addToken(expiredOauthToken, { kind: "oauth", expiresAt: clock - 5 * 3_600_000 });
  sim.addToken(freeTierToken, { portal: freePortal });
  sim.addToken(dailyLimitToken, { dailyCallsLeft: 0 });
});

afterAll(async () => {
  await sim.close();
});

function get(path: string, authorization?: string) {
  return fetch(`${sim.url}${path}`, { headers: authorization ? { authorization } : {} });
}

function tokenInfo(tokenKey: unknown, authorization = `Bearer ${hubspotDemoToken}`) {
  return fetch(`${sim.url}/oauth/v2/private-apps/get/access-token-info`, {
    method: "POST",
    headers: { authorization, "content-type": "application/json" },
    body: JSON.stringify({ tokenKey }),
  });
}

describe("hubspot simulator: account details", () => {
  it("answers with the portal and HubSpot's headers", async () => {
    const response = await get("/account-info/v3/details", `Bearer ${hubspotDemoToken}`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/json;charset=utf-8");
    expect(response.headers.get("x-hubspot-correlation-id")).toMatch(/^[0-9a-f-]{36}$/);
    expect(await response.json()).toEqual({
      portalId: 24681357,
      accountType: "STANDARD",
      timeZone: "America/New_York",
      companyCurrency: "USD",
      additionalCurrencies: ["EUR", "GBP"],
      utcOffset: "-04:00",
      utcOffsetMilliseconds: -14_400_000,
      uiDomain: "app.hubspot.com",
      dataHostingLocation: "na1",
    });
  });

  it("sends every rate-limit header to a private app, and counts the window down", async () => {
    const first = await get("/account-info/v3/details", `Bearer ${freeTierToken}`);
    const second = await get("/account-info/v3/details", `Bearer ${freeTierToken}`);
    expect(Object.fromEntries([...first.headers].filter(([name]) => name.startsWith("x-hubspot-ratelimit")))).toEqual({
      "x-hubspot-ratelimit-daily": "250000",
      "x-hubspot-ratelimit-daily-remaining": "249999",
      "x-hubspot-ratelimit-interval-milliseconds": "10000",
      "x-hubspot-ratelimit-max": "100",
      "x-hubspot-ratelimit-remaining": "99",
      "x-hubspot-ratelimit-secondly": "10",
      "x-hubspot-ratelimit-secondly-remaining": "9",
    });
    expect(second.headers.get("x-hubspot-ratelimit-remaining")).toBe("98");
    expect(second.headers.get("x-hubspot-ratelimit-daily-remaining")).toBe("249998");
  });

  it("sends no daily headers to OAuth calls, which have no daily limit", async () => {
    const response = await get("/account-info/v3/details", `Bearer ${oauthToken}`);
    expect(response.status).toBe(200);
    expect(response.headers.get("x-hubspot-ratelimit-max")).toBe("110");
    expect(response.headers.has("x-hubspot-ratelimit-daily")).toBe(false);
    expect(response.headers.has("x-hubspot-ratelimit-daily-remaining")).toBe(false);
  });
});

describe("hubspot simulator: authentication errors", () => {
  it("answers an unknown token with HubSpot's 401 body and auth-failure header", async () => {
    const response = await get("/account-info/v3/details", "Bearer pat-na1-sim-test-never-issued");
    expect(response.status).toBe(401);
    expect(response.headers.get("x-hubspot-auth-failure")).toBe("401 Unauthorized");
    const body = (await response.json()) as { correlationId: string };
    expect(body).toEqual({
      status: "error",
      message:
        "Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview",
      correlationId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      category: "INVALID_AUTHENTICATION",
    });
    expect(response.headers.get("x-hubspot-correlation-id")).toBe(body.correlationId);
  });

  it("only takes a Bearer token", async () => {
    expect((await get("/account-info/v3/details", hubspotDemoToken)).status).toBe(401);
    expect((await get("/account-info/v3/details", `token ${hubspotDemoToken}`)).status).toBe(401);
    expect((await get("/account-info/v3/details")).status).toBe(401);
  });

  it("says how long ago an OAuth token expired", async () => {
    const response = await get("/account-info/v3/details", `Bearer ${expiredOauthToken}`);
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({
      message: "The OAuth token used to make this call expired 5 hour(s) ago.",
      category: "EXPIRED_AUTHENTICATION",
      context: { "expire time": [new Date(clock - 5 * 3_600_000).toISOString()] },
    });
  });

  it("answers 403 MISSING_SCOPES naming the granular scopes", async () => {
    const token = "CJT-sim-test-oauth-without-oauth-scope";
    sim.addToken(token, { kind: "oauth", scopes: ["crm.objects.contacts.read"] });
    const response = await get("/account-info/v3/details", `Bearer ${token}`);
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({
      status: "error",
      message:
        "This app hasn't been granted all required scopes to make this call. Read more about required scopes here: https://developers.hubspot.com/scopes.",
      correlationId: expect.any(String),
      errors: [{ message: "One or more of the following scopes are required.", context: { requiredGranularScopes: ["oauth"] } }],
      links: { scopes: "https://developers.hubspot.com/scopes" },
      category: "MISSING_SCOPES",
    });
  });
});

describe("hubspot simulator: token metadata", () => {
  it("describes a private app token given in the body", async () => {
    const response = await tokenInfo(hubspotDemoToken);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      userId: 7700101,
      hubId: 24681357,
      appId: 3141592,
      scopes: expect.arrayContaining(["crm.objects.contacts.read", "crm.objects.owners.read"]),
    });
  });

  it("requires tokenKey", async () => {
    const response = await tokenInfo(undefined);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ status: "error", category: "VALIDATION_ERROR" });
  });

  it("describes an OAuth token given in the path", async () => {
    const response = await get(`/oauth/v1/access-tokens/${oauthToken}`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      token: oauthToken,
      user: "ana@example.com",
      hub_domain: "tributary-demo.example.com",
      scopes: ["oauth", "crm.objects.contacts.read"],
      hub_id: 24681357,
      app_id: expect.any(Number),
      expires_in: 1800,
      user_id: expect.any(Number),
      token_type: "access",
      is_private_distribution: false,
    });
  });

  it("refuses to describe a private app token on the OAuth endpoint", async () => {
    const response = await get(`/oauth/v1/access-tokens/${hubspotDemoToken}`);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ status: "error", message: "The access token must have the correct format" });
  });
});

describe("hubspot simulator: rate limits", () => {
  it("refuses the request past the 10-second burst with TEN_SECONDLY_ROLLING, and admits again when the window moves", async () => {
    const token = "pat-na1-sim-test-burst";
    sim.addToken(token, { portal: { ...freePortal, portalId: 1_000_002 } });
    for (let call = 0; call < 100; call += 1) {
      expect((await get("/account-info/v3/details", `Bearer ${token}`)).status).toBe(200);
    }
    const refused = await get("/account-info/v3/details", `Bearer ${token}`);
    expect(refused.status).toBe(429);
    expect(refused.headers.get("x-hubspot-ratelimit-remaining")).toBe("0");
    expect(refused.headers.has("retry-after")).toBe(false);
    expect(await refused.json()).toEqual({
      status: "error",
      message: "You have reached your ten_secondly_rolling limit.",
      errorType: "RATE_LIMIT",
      correlationId: expect.any(String),
      policyName: "TEN_SECONDLY_ROLLING",
      requestId: expect.any(String),
    });
    clock += 10_001;
    expect((await get("/account-info/v3/details", `Bearer ${token}`)).status).toBe(200);
  });

  it("refuses every call once the daily allowance is used up", async () => {
    const response = await get("/account-info/v3/details", `Bearer ${dailyLimitToken}`);
    expect(response.status).toBe(429);
    expect(response.headers.get("x-hubspot-ratelimit-daily-remaining")).toBe("0");
    expect(await response.json()).toMatchObject({ message: "You have reached your daily limit.", policyName: "DAILY" });
  });

  it("renders an injected rate limit as HubSpot does: no Retry-After, the window in the headers", async () => {
    sim.faults.inject({ kind: "rate_limit", retryAfterSeconds: 42 });
    const response = await get("/account-info/v3/details", `Bearer ${hubspotDemoToken}`);
    expect(response.status).toBe(429);
    expect(response.headers.has("retry-after")).toBe(false);
    expect(response.headers.get("x-hubspot-ratelimit-interval-milliseconds")).toBe("10000");
    expect(response.headers.get("x-hubspot-ratelimit-max")).toBe("190");
    expect(response.headers.get("x-hubspot-ratelimit-remaining")).toBe("0");
    expect(await response.json()).toMatchObject({ errorType: "RATE_LIMIT", policyName: "TEN_SECONDLY_ROLLING" });
  });
});

describe("hubspot simulator: injected failures", () => {
  it("answers a 500 with HubSpot's JSON and a 502 with Cloudflare's HTML page", async () => {
    sim.faults.inject({ kind: "server_error" });
    const internal = await get("/account-info/v3/details", `Bearer ${hubspotDemoToken}`);
    expect(internal.status).toBe(500);
    expect(await internal.json()).toEqual({ status: "error", message: "internal error", correlationId: expect.any(String) });
    expect(internal.headers.get("x-hubspot-ratelimit-max")).toBe("190");

    sim.faults.inject({ kind: "server_error", status: 502 });
    const gateway = await get("/account-info/v3/details", `Bearer ${hubspotDemoToken}`);
    expect(gateway.status).toBe(502);
    expect(gateway.headers.get("content-type")).toMatch(/^text\/html/);
  });

  it("cuts a body short when asked for a malformed answer", async () => {
    sim.faults.inject({ kind: "malformed" });
    const response = await get("/account-info/v3/details", `Bearer ${hubspotDemoToken}`);
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(() => JSON.parse(text)).toThrow();
  });
});

describe("hubspot simulator: CRM data", () => {
  let crm: RunningHubspotSimulator;
  const auth = { authorization: `Bearer ${hubspotDemoToken}`, "content-type": "application/json" };
  const searchBody = (extra: Record<string, unknown>) => ({
    filterGroups: [{ filters: [{ propertyName: "lastmodifieddate", operator: "GTE", value: "0" }] }],
    sorts: [{ propertyName: "lastmodifieddate", direction: "ASCENDING" }],
    ...extra,
  });

  beforeAll(async () => {
    crm = await startHubspotSimulator({
      dataset: { seed: 42, contacts: 230, companies: 12, deals: 9, owners: 4, archivedOwners: 1, associationsPerDeal: 2 },
      rateLimits: { searchPerSecond: 2 },
      now: () => clock,
    });
    crm.addToken("pat-na1-sim-test-contacts-only", { scopes: ["crm.objects.contacts.read"] });
  });

  afterAll(async () => {
    await crm.close();
  });

  it("builds the same account from the same seed, and the same changes from the same change seed", async () => {
    const again = new HubspotDataset({ seed: 42, contacts: 230, companies: 12, deals: 9, owners: 4, archivedOwners: 1, associationsPerDeal: 2 });
    const first = new HubspotDataset({ seed: 42, contacts: 230, companies: 12, deals: 9, owners: 4, archivedOwners: 1, associationsPerDeal: 2 });
    for (const stream of ["contacts", "companies", "deals", "owners", "contact_companies", "deal_contacts", "deal_companies"]) {
      expect(again.groundTruth(stream)).toEqual(first.groundTruth(stream));
      expect(crm.dataset.groundTruth(stream)).toEqual(first.groundTruth(stream));
    }
    const spec = { seed: 3, changes: { contacts: { inserts: 2, updates: 2, deletes: 1 }, deal_contacts: { inserts: 1 } } };
    expect(again.applyChanges(spec)).toEqual(first.applyChanges(spec));
    expect(again.groundTruth("contacts")).toEqual(first.groundTruth("contacts"));
    expect(first.clock).toBeGreaterThan(hubspotDatasetEpoch);
  });

  it("lists records in id order, 100 at most per page, with paging.next.after and HubSpot's clock in the Date header", async () => {
    const page = await fetch(`${crm.url}/crm/v3/objects/contacts?limit=100&properties=email,lastmodifieddate`, { headers: auth });
    expect(page.status).toBe(200);
    expect(page.headers.get("date")).toBe(new Date(crm.dataset.clock).toUTCString());
    expect(page.headers.get("x-hubspot-ratelimit-max")).toBe("190");
    const body = (await page.json()) as { results: Array<{ id: string; properties: Record<string, string> }>; paging: { next: { after: string } } };
    expect(body.results).toHaveLength(100);
    expect(Object.keys(body.results[0]!.properties)).toEqual(["email", "lastmodifieddate"]);
    const ids = body.results.map((record) => Number(record.id));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    const next = await fetch(`${crm.url}/crm/v3/objects/contacts?limit=100&after=${body.paging.next.after}`, { headers: auth });
    const nextBody = (await next.json()) as { results: Array<{ id: string }> };
    expect(Number(nextBody.results[0]!.id)).toBeGreaterThan(ids[99]!);

    const tooMany = await fetch(`${crm.url}/crm/v3/objects/contacts?limit=101`, { headers: auth });
    expect(tooMany.status).toBe(400);
    expect(await tooMany.json()).toMatchObject({ category: "VALIDATION_ERROR", context: { limit: ["Must be less than or equal to 100"] } });
  });

  it("refuses a token without the object's scope", async () => {
    const response = await fetch(`${crm.url}/crm/v3/objects/deals`, { headers: { authorization: "Bearer pat-na1-sim-test-contacts-only" } });
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ category: "MISSING_SCOPES", errors: [{ context: { requiredGranularScopes: ["crm.objects.deals.read"] } }] });
  });

  it("searches on the last-modified date, sorted, 200 at most, without rate-limit headers, and caps paging at 10,000 results", async () => {
    const response = await fetch(`${crm.url}/crm/v3/objects/contacts/search`, { method: "POST", headers: auth, body: JSON.stringify(searchBody({ limit: 200 })) });
    expect(response.status).toBe(200);
    expect([...response.headers.keys()].some((name) => name.startsWith("x-hubspot-ratelimit"))).toBe(false);
    const body = (await response.json()) as { total: number; results: Array<{ updatedAt: string }>; paging: { next: { after: string } } };
    expect(body.total).toBe(230);
    expect(body.paging.next.after).toBe("200");
    const times = body.results.map((record) => Date.parse(record.updatedAt));
    expect(times).toEqual([...times].sort((a, b) => a - b));

    clock += 2_000;
    const tooBig = await fetch(`${crm.url}/crm/v3/objects/contacts/search`, { method: "POST", headers: auth, body: JSON.stringify(searchBody({ limit: 201 })) });
    expect(tooBig.status).toBe(400);
    const beyond = await fetch(`${crm.url}/crm/v3/objects/contacts/search`, { method: "POST", headers: auth, body: JSON.stringify(searchBody({ after: 10_000 })) });
    expect(beyond.status).toBe(400);
    expect(await beyond.json()).toMatchObject({ status: "error", category: "VALIDATION_ERROR" });
  });

  it("limits searches per second with a SECONDLY 429", async () => {
    clock += 2_000;
    const statuses: number[] = [];
    for (let call = 0; call < 3; call += 1) {
      const response = await fetch(`${crm.url}/crm/v3/objects/deals/search`, { method: "POST", headers: auth, body: JSON.stringify({ limit: 1 }) });
      statuses.push(response.status);
      if (response.status === 429) expect(await response.json()).toMatchObject({ policyName: "SECONDLY", errorType: "RATE_LIMIT" });
    }
    expect(statuses).toEqual([200, 200, 429]);
    clock += 1_001;
  });

  it("lists owners 500 at most per page, archived ones apart", async () => {
    const active = (await (await fetch(`${crm.url}/crm/v3/owners?limit=500`, { headers: auth })).json()) as { results: Array<{ archived: boolean }> };
    const archived = (await (await fetch(`${crm.url}/crm/v3/owners?archived=true`, { headers: auth })).json()) as {
      results: Array<{ archived: boolean; userId: number | null }>;
    };
    expect(active.results.every((owner) => !owner.archived)).toBe(true);
    expect(archived.results).toHaveLength(1);
    expect(archived.results[0]).toMatchObject({ archived: true, userId: null });
    expect((await fetch(`${crm.url}/crm/v3/owners?limit=501`, { headers: auth })).status).toBe(400);
  });

  it("batch-reads associations: 207 with NO_ASSOCIATIONS_FOUND for inputs without any, 1,000 inputs at most", async () => {
    const deal = crm.dataset.groundTruth("deal_contacts")[0]!;
    const response = await fetch(`${crm.url}/crm/v4/associations/deals/contacts/batch/read`, {
      method: "POST",
      headers: auth,
      body: JSON.stringify({ inputs: [{ id: String(deal.deal_id) }, { id: "1" }] }),
    });
    expect(response.status).toBe(207);
    expect(await response.json()).toMatchObject({
      status: "COMPLETE",
      results: [{ from: { id: deal.deal_id }, to: expect.arrayContaining([{ toObjectId: Number(deal.contact_id), associationTypes: [{ category: "HUBSPOT_DEFINED", typeId: 3, label: null }] }]) }],
      numErrors: 1,
      errors: [{ category: "OBJECT_NOT_FOUND", subCategory: "crm.associations.NO_ASSOCIATIONS_FOUND", message: "No contact is associated with deal 1." }],
    });
    const tooMany = await fetch(`${crm.url}/crm/v4/associations/deals/contacts/batch/read`, {
      method: "POST",
      headers: auth,
      body: JSON.stringify({ inputs: Array.from({ length: 1_001 }, (_, index) => ({ id: String(index) })) }),
    });
    expect(tooMany.status).toBe(400);
  });

  it("lists a deleted record with archived=true and archivedAt, and its changes come after the clock", async () => {
    const before = crm.dataset.clock;
    const summary = crm.dataset.applyChanges({ seed: 8, changes: { contacts: { deletes: 1 } } });
    const id = (JSON.parse(summary.applied.contacts!.deleted[0]!) as { id: string }).id;
    const archived = (await (await fetch(`${crm.url}/crm/v3/objects/contacts?archived=true`, { headers: auth })).json()) as {
      results: Array<{ id: string; archived: boolean; archivedAt: string }>;
    };
    expect(archived.results).toEqual([expect.objectContaining({ id, archived: true })]);
    expect(Date.parse(archived.results[0]!.archivedAt)).toBeGreaterThan(before);
    expect(crm.dataset.groundTruth("contacts").some((record) => record.id === id)).toBe(false);
  });

  it("serves the admin API's ground truth and change routes", async () => {
    const truth = (await (await fetch(`${crm.url}/_simulator/truth/owners`)).json()) as { total: number };
    expect(truth.total).toBe(crm.dataset.groundTruth("owners").length);
    const changes = await fetch(`${crm.url}/_simulator/changes`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ seed: 1, changes: { owners: { inserts: 1 } } }),
    });
    expect(await changes.json()).toMatchObject({ applied: { owners: { inserted: [expect.any(String)] } } });
  });
});
