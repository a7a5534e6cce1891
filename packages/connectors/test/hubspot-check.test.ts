import { describe, it, expect, beforeAll, afterAll } from "vitest";
import {
  hubspotDemoCredentials,
  hubspotDemoToken,
  startHubspotSimulator,
  type HubspotPortal,
  type RunningHubspotSimulator,
} from "@tributary/simulators";
import { ConnectorError } from "../src/core/connector-errors.js";
import { silentLogger, type ConnectorLogger } from "../src/core/logger-types.js";
import { validateConnection, type ValidateConnectionInput } from "../src/core/validate-connection.js";
import { hubspotConnector, nextMidnightIn } from "../src/hubspot/index.js";

const requiredReadScopes = [
  "crm.objects.contacts.read",
  "crm.objects.companies.read",
  "crm.objects.deals.read",
  "crm.objects.owners.read",
];

const euPortal: HubspotPortal = {
  portalId: 139_000_42,
  accountType: "STANDARD",
  timeZone: "Europe/Berlin",
  companyCurrency: "EUR",
  additionalCurrencies: [],
  uiDomain: "app-eu1.hubspot.com",
  dataHostingLocation: "eu1",
  hubDomain: "beispiel.example.de",
  tier: "starter",
};

// Test tokens, shaped like HubSpot's but not like real ones.
const tokens = {
  euPrivateApp: "pat-eu1-test-token-for-eu-portal",
  oauth: "CJT-test-oauth-access-token-QYs-gDIIGOBii1hQIyGQAf3xBKEgsYjYMJVvlHEz9tF",
  expiredOauth: "CJT-test-expired-oauth-token-5zQIyGQAf3xBKEgsYjYMJVvlH",
  oauthWithoutOauthScope: "CJT-test-oauth-token-without-oauth-scope-QIyGQAf3",
  contactsAndOwnersOnly: "pat-na1-test-contacts-and-owners-only",
  requiredOnly: "pat-na1-test-required-scopes-only",
  legacySensitiveName: "pat-na1-test-legacy-sensitive-scope-name",
  dailyExhausted: "pat-na1-test-daily-limit-used-up",
  dailyLastCall: "pat-na1-test-daily-limit-one-call-left",
  undescribed: "legacy-private-token-without-pat-prefix",
  unknown: "pat-na1-test-token-hubspot-never-issued",
  apiKey: "6a2f41a3-c54c-4ce8-92d2-0324e1c32e22",
};

let sim: RunningHubspotSimulator;
const everyMessage: string[] = [];

beforeAll(async () => {
  sim = await startHubspotSimulator();
  sim.addToken(tokens.euPrivateApp, { portal: euPortal, appId: 5_550_001 });
  sim.addToken(tokens.oauth, {
    kind: "oauth",
    appId: 888_001,
    userId: 4_242,
    userEmail: "ana@example.com",
    scopes: ["oauth", ...requiredReadScopes],
  });
  sim.addToken(tokens.expiredOauth, { kind: "oauth", expiresAt: Date.now() - 3_600_000 });
  sim.addToken(tokens.oauthWithoutOauthScope, { kind: "oauth", scopes: requiredReadScopes });
  sim.addToken(tokens.contactsAndOwnersOnly, { scopes: ["crm.objects.contacts.read", "crm.objects.owners.read"] });
  sim.addToken(tokens.requiredOnly, { scopes: requiredReadScopes });
  sim.addToken(tokens.legacySensitiveName, { scopes: [...requiredReadScopes, "crm.objects.contacts.sensitive.read"] });
  sim.addToken(tokens.dailyExhausted, { dailyCallsLeft: 0 });
  sim.addToken(tokens.dailyLastCall, { dailyCallsLeft: 1 });
  sim.addToken(tokens.undescribed, { kind: "private_app", appId: 6_000_001 });
});

afterAll(async () => {
  // No message a test saw may contain any credential it used.
  const secrets = [hubspotDemoToken, ...Object.values(tokens)];
  for (const message of everyMessage) for (const secret of secrets) expect(message).not.toContain(secret);
  await sim.close();
});

function validate(input: Partial<ValidateConnectionInput> & { token?: string }, options: { deadlineMs?: number; logger?: ConnectorLogger } = {}) {
  const { token, ...rest } = input;
  return validateConnection(
    hubspotConnector,
    {
      credentials: token === undefined ? hubspotDemoCredentials : { access_token: token },
      config: { api_base_url: sim.url },
      ...rest,
    },
    { deadlineMs: options.deadlineMs ?? 5_000, logger: options.logger ?? silentLogger },
  ).then((result) => {
    everyMessage.push(JSON.stringify(result));
    return result;
  });
}

async function failure(promise: Promise<unknown>): Promise<ConnectorError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ConnectorError);
  const connectorError = error as ConnectorError;
  everyMessage.push(connectorError.message, JSON.stringify(connectorError.details));
  return connectorError;
}

function recordingLogger(lines: string[]): ConnectorLogger {
  const record = (obj: object, msg?: string) => void lines.push(JSON.stringify({ ...obj, msg }));
  return { debug: record, info: record, warn: record };
}

describe("hubspot check: success", () => {
  it("resolves the demo private app, its portal and every scope", async () => {
    const result = await validate({});
    expect(result).toEqual({
      status: "ok",
      connector: "hubspot",
      account: {
        id: "3141592",
        name: "Private app 3141592",
        email: null,
        kind: "private_app",
        organization: { id: "24681357", name: "HubSpot account 24681357" },
      },
      token_type: "private_app",
      granted_scopes: [
        ...requiredReadScopes,
        "crm.objects.contacts.sensitive.read.v2",
        "crm.objects.companies.sensitive.read.v2",
        "crm.objects.deals.sensitive.read.v2",
      ],
      missing_scopes: [],
      warnings: [],
      streams: ["contacts", "companies", "deals", "owners", "contact_companies", "deal_contacts", "deal_companies"],
    });
  });

  it("asks HubSpot twice: account details, then the private app's token info", async () => {
    sim.requests.clear();
    await validate({});
    expect(sim.requests.all().map((entry) => `${entry.method} ${entry.path}`)).toEqual([
      "GET /account-info/v3/details",
      "POST /oauth/v2/private-apps/get/access-token-info",
    ]);
  });

  it("accepts a private app token of an EU-hosted account", async () => {
    const result = await validate({ token: tokens.euPrivateApp, streams: ["contacts"] });
    expect(result.token_type).toBe("private_app");
    expect(result.account).toMatchObject({ id: "5550001", kind: "private_app", organization: { id: "13900042" } });
  });

  it("accepts an OAuth access token, resolving the installing user, and warns that it expires", async () => {
    const result = await validate({ token: tokens.oauth, streams: ["owners", "deals"] });
    expect(result).toMatchObject({
      token_type: "oauth",
      account: {
        id: "4242",
        name: "ana@example.com",
        email: "ana@example.com",
        kind: "user",
        organization: { id: "24681357", name: "tributary-demo.example.com" },
      },
      granted_scopes: ["oauth", ...requiredReadScopes],
      missing_scopes: ["crm.objects.deals.sensitive.read.v2"],
    });
    expect(result.warnings).toContain(
      "This OAuth access token expires in 30 min; later ingestion runs need a fresh token. A private app access token does not expire",
    );
  });

  it("keeps the OAuth token out of the log although HubSpot's metadata URL carries it", async () => {
    const lines: string[] = [];
    await validate({ token: tokens.oauth, streams: ["owners"] }, { logger: recordingLogger(lines) });
    expect(lines.some((line) => line.includes('"path":"/oauth/v1/access-tokens/{token}"'))).toBe(true);
    for (const line of lines) expect(line).not.toContain(tokens.oauth);
  });

  it("reports unchecked scopes when HubSpot cannot describe a token that works", async () => {
    const result = await validate({ token: tokens.undescribed, streams: ["contacts"] });
    expect(result).toMatchObject({ token_type: "oauth", granted_scopes: null, missing_scopes: [] });
    expect(result.account).toMatchObject({ id: "24681357", kind: "portal" });
    expect(result.warnings).toEqual([
      "HubSpot did not describe this token (its token-metadata endpoint answered HTTP 400), so its scopes could not " +
        "be checked; a stream whose scope is missing will fail when it is read",
    ]);
  });
});

describe("hubspot check: scopes", () => {
  it("fails with missing_scopes naming the required scopes the selected streams lack", async () => {
    const error = await failure(validate({ token: tokens.contactsAndOwnersOnly }));
    expect(error.code).toBe("missing_scopes");
    expect(error.details.missingScopes).toEqual(["crm.objects.companies.read", "crm.objects.deals.read"]);
    expect(error.message).toBe(
      "The HubSpot credentials lack the scopes the selected streams need: crm.objects.companies.read, crm.objects.deals.read",
    );
    expect(error.details.account).toMatchObject({ kind: "private_app", organization: { id: "24681357" } });
  });

  it("passes when the lacking scopes only matter to streams that were not selected", async () => {
    const result = await validate({ token: tokens.contactsAndOwnersOnly, streams: ["owners"] });
    expect(result.missing_scopes).toEqual([]);
  });

  it("passes with missing_scopes and a warning when only optional scopes are missing", async () => {
    const result = await validate({ token: tokens.requiredOnly, streams: ["contacts", "owners"] });
    expect(result.missing_scopes).toEqual(["crm.objects.contacts.sensitive.read.v2"]);
    expect(result.warnings).toEqual([
      "contacts: Sensitive Data properties (Enterprise accounts) will be left out; add the crm.objects.contacts.sensitive.read.v2 scope to include them",
    ]);
  });

  it("accepts the pre-v2 name of a sensitive scope", async () => {
    const result = await validate({ token: tokens.legacySensitiveName, streams: ["contacts"] });
    expect(result.missing_scopes).toEqual([]);
    expect(result.warnings).toEqual([]);
  });

  it("turns HubSpot's 403 MISSING_SCOPES into missing_scopes with the scopes it names", async () => {
    const error = await failure(validate({ token: tokens.oauthWithoutOauthScope, streams: ["contacts"] }));
    expect(error.code).toBe("missing_scopes");
    expect(error.details).toMatchObject({ missingScopes: ["oauth"], providerStatus: 403 });
    expect(error.message).toMatch(/^The HubSpot token lacks one of these scopes: oauth\. Add it to the app's scopes/);
  });
});

describe("hubspot check: rejected credentials", () => {
  it("answers invalid_credentials for a token HubSpot does not know", async () => {
    const error = await failure(validate({ token: tokens.unknown }));
    expect(error.code).toBe("invalid_credentials");
    expect(error.details.providerStatus).toBe(401);
    expect(error.message).toMatch(/^HubSpot rejected the access token: it is mistyped, revoked, or was rotated\. Paste the access token shown on the Auth tab of a HubSpot private app/);
    expect(error.message).toMatch(/\(HubSpot correlation id [0-9a-f-]{36}\)$/);
  });

  it("says an expired OAuth token expired, and how to get a working one", async () => {
    const error = await failure(validate({ token: tokens.expiredOauth }));
    expect(error.code).toBe("invalid_credentials");
    expect(error.message).toMatch(/^The HubSpot OAuth access token has expired \(they last 30 minutes\)\./);
  });

  it("recognises a retired API key and points to private apps", async () => {
    const error = await failure(validate({ token: tokens.apiKey }));
    expect(error.code).toBe("invalid_credentials");
    expect(error.message).toMatch(/looks like a HubSpot API key, and API keys were retired in 2022/);
  });

  it("does not retry a rejected token", async () => {
    sim.requests.clear();
    await failure(validate({ token: tokens.unknown }));
    expect(sim.requests.count()).toBe(1);
  });
});

describe("hubspot check: rate limits", () => {
  it("reports rate_limited with the window HubSpot's interval header gives, without waiting or retrying", async () => {
    sim.requests.clear();
    sim.faults.inject({ kind: "rate_limit" });
    const error = await failure(validate({}));
    expect(error.code).toBe("rate_limited");
    expect(error.details.retryAfterMs).toBe(10_000);
    expect(error.message).toBe("HubSpot rate limit reached (limit of 190 requests per 10 s); retry in 10 s");
    expect(sim.requests.count()).toBe(1);
  });

  it("waits for the daily reset at midnight UTC when the account's time zone is still unknown", async () => {
    const before = Date.now();
    const error = await failure(validate({ token: tokens.dailyExhausted }));
    const after = Date.now();
    expect(error.code).toBe("rate_limited");
    expect(error.message).toMatch(/daily API request limit of this HubSpot account used up; it resets at midnight in the account's time zone, which HubSpot did not tell us \(midnight UTC assumed\)/);
    const resetAt = before + (error.details.retryAfterMs ?? 0);
    expect(resetAt).toBeGreaterThanOrEqual(nextMidnightIn("UTC", before) - (after - before));
    expect(resetAt).toBeLessThanOrEqual(nextMidnightIn("UTC", after));
  });

  it("waits for midnight in the account's time zone once the account details told it", async () => {
    const before = Date.now();
    const error = await failure(validate({ token: tokens.dailyLastCall }));
    const after = Date.now();
    expect(error.code).toBe("rate_limited");
    expect(error.message).toMatch(/it resets at midnight America\/New_York time\); retry in \d+ s$/);
    const resetAt = before + (error.details.retryAfterMs ?? 0);
    expect(resetAt).toBeGreaterThanOrEqual(nextMidnightIn("America/New_York", before) - (after - before));
    expect(resetAt).toBeLessThanOrEqual(nextMidnightIn("America/New_York", after));
  });
});

describe("hubspot check: unreliable answers", () => {
  it("retries a 500 and succeeds", async () => {
    sim.requests.clear();
    sim.faults.inject({ kind: "server_error", times: 2, pathPrefix: "/account-info/" });
    const result = await validate({});
    expect(result.status).toBe("ok");
    expect(sim.requests.count("/account-info/v3/details")).toBe(3);
  });

  it("retries Cloudflare's HTML 502 page and succeeds", async () => {
    sim.requests.clear();
    sim.faults.inject({ kind: "server_error", status: 502, pathPrefix: "/oauth/v2/" });
    const result = await validate({});
    expect(result.status).toBe("ok");
    expect(sim.requests.count("/oauth/v2/private-apps/get/access-token-info")).toBe(2);
  });

  it("gives up with provider_unavailable when HubSpot keeps failing until the deadline", async () => {
    sim.faults.inject({ kind: "server_error", status: 503, times: Infinity });
    try {
      const error = await failure(validate({}, { deadlineMs: 1_500 }));
      expect(error.code).toBe("provider_unavailable");
      expect(error.message).toMatch(/^HubSpot did not answer successfully within 1\.5 s after \d+ attempts: HTTP 503$/);
      expect(error.details.providerStatus).toBe(503);
    } finally {
      sim.faults.clear();
    }
  });

  it("retries a truncated body and succeeds", async () => {
    sim.requests.clear();
    sim.faults.inject({ kind: "malformed" });
    const result = await validate({});
    expect(result.status).toBe("ok");
    expect(sim.requests.count("/account-info/v3/details")).toBe(2);
  });

  it("ends with provider_unavailable when every body is truncated", async () => {
    sim.faults.inject({ kind: "malformed", times: Infinity });
    try {
      const error = await failure(validate({}, { deadlineMs: 1_500 }));
      expect(error.code).toBe("provider_unavailable");
      expect(error.message).toMatch(/malformed response body \(HTTP 200\)$/);
    } finally {
      sim.faults.clear();
    }
  });
});

describe("hubspot check: bad input", () => {
  it("names the missing credential field", async () => {
    const error = await failure(validateConnection(hubspotConnector, { credentials: {}, config: { api_base_url: sim.url } }, { deadlineMs: 1_500, logger: silentLogger }));
    expect(error.code).toBe("bad_request");
    expect(error.details.field).toBe("credentials.access_token");
    expect(error.message).toBe("credentials.access_token: must be a string");
  });

  it("rejects an empty token without calling HubSpot", async () => {
    sim.requests.clear();
    const error = await failure(validate({ token: "   " }));
    expect(error).toMatchObject({ code: "bad_request", message: "credentials.access_token: must not be empty" });
    expect(sim.requests.count()).toBe(0);
  });

  it("rejects a credential field it does not know", async () => {
    const error = await failure(
      validateConnection(
        hubspotConnector,
        { credentials: { access_token: hubspotDemoToken, refresh_token: "x" }, config: { api_base_url: sim.url } },
        { deadlineMs: 1_500, logger: silentLogger },
      ),
    );
    expect(error).toMatchObject({ code: "bad_request", message: 'credentials: Unrecognized key: "refresh_token"' });
  });

  it("names a bad API base URL", async () => {
    const error = await failure(validate({ config: { api_base_url: "ftp://api.hubapi.com" } }));
    expect(error.code).toBe("bad_request");
    expect(error.details.field).toBe("config.api_base_url");
  });

  it("rejects an unknown stream, naming its position and the known ones", async () => {
    const error = await failure(validate({ streams: ["contacts", "tickets"] }));
    expect(error.code).toBe("bad_request");
    expect(error.details.field).toBe("streams.1");
    expect(error.message).toBe(
      'streams.1: unknown stream "tickets" (known: contacts, companies, deals, owners, contact_companies, deal_contacts, deal_companies)',
    );
  });
});

describe("nextMidnightIn", () => {
  it("finds the next local midnight west of UTC", () => {
    // 2024-03-09 12:00 UTC is 07:00 in New York (UTC-5): midnight is 05:00 UTC the next day.
    expect(nextMidnightIn("America/New_York", Date.UTC(2024, 2, 9, 12))).toBe(Date.UTC(2024, 2, 10, 5));
  });

  it("follows daylight saving time", () => {
    // On 2024-03-10 New York moved to UTC-4: the next midnight is 04:00 UTC.
    expect(nextMidnightIn("America/New_York", Date.UTC(2024, 2, 10, 12))).toBe(Date.UTC(2024, 2, 11, 4));
  });

  it("finds the next local midnight east of UTC, past the UTC date line", () => {
    // 2024-06-01 20:00 UTC is already 05:00 on 2 June in Tokyo: midnight is 15:00 UTC on 2 June.
    expect(nextMidnightIn("Asia/Tokyo", Date.UTC(2024, 5, 1, 20))).toBe(Date.UTC(2024, 5, 2, 15));
  });

  it("at exactly midnight, waits for the next one", () => {
    expect(nextMidnightIn("UTC", Date.UTC(2024, 0, 1))).toBe(Date.UTC(2024, 0, 2));
  });
});
