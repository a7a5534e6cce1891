import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ConnectorError } from "../src/core/connector-errors.js";
import { silentLogger } from "../src/core/logger-types.js";
import { validateConnection, type ValidateConnectionInput } from "../src/core/validate-connection.js";
import { slackConnector } from "../src/slack/index.js";
import {
  slackAllReadScopes,
  slackDemoCredentials,
  slackDemoUserToken,
  startSlackSimulator,
  type SlackSimulator,
  type SlackTokenGrantInput,
} from "@tributary/simulators";

let sim: SlackSimulator;

beforeAll(async () => {
  sim = await startSlackSimulator();
});

afterAll(async () => {
  await sim.close();
});

afterEach(() => {
  sim.faults.clear();
  sim.clearPlatformErrors();
  sim.requests.clear();
});

const botMembershipWarning =
  "A bot token reads messages only in channels the bot is a member of: add the app to each channel to mirror (for example with /invite @your-app).";

let tokenCounter = 0;
/** A fresh token of the given prefix granted the given scopes; the body is unique per test. */
function addToken(prefix: string, grant: SlackTokenGrantInput): string {
  tokenCounter += 1;
  const token = `${prefix}test-${tokenCounter}-Zq8w3ErT5yU7iO9p`;
  sim.addToken(token, grant);
  return token;
}

function validate(
  token: string,
  options: { config?: Record<string, unknown>; streams?: string[]; deadlineMs?: number; credentials?: Record<string, unknown> } = {},
) {
  const input: ValidateConnectionInput = {
    credentials: options.credentials ?? { token },
    config: { api_base_url: sim.url, ...options.config },
    ...(options.streams ? { streams: options.streams } : {}),
  };
  return validateConnection(slackConnector, input, { deadlineMs: options.deadlineMs ?? 10_000, logger: silentLogger });
}

/** The ConnectorError a validation fails with, after checking that it does not leak the token. */
async function failure(promise: Promise<unknown>, token: string): Promise<ConnectorError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ConnectorError);
  const connectorError = error as ConnectorError;
  expect(connectorError.message).not.toContain(token);
  expect(JSON.stringify(connectorError.details)).not.toContain(token);
  return connectorError;
}

describe("slack check: success", () => {
  it("resolves the demo bot token to its bot user, workspace and scopes with one auth.test call", async () => {
    const result = await validate(slackDemoCredentials.token);
    expect(result).toEqual({
      status: "ok",
      connector: "slack",
      account: {
        id: "U07TRIBBOT",
        name: "tributary",
        email: null,
        kind: "bot",
        organization: { id: "T07TRIBDEMO", name: "Tributary Demo" },
      },
      token_type: "bot",
      granted_scopes: [...slackAllReadScopes],
      missing_scopes: [],
      warnings: [botMembershipWarning],
      streams: ["channels", "users", "messages", "thread_replies"],
    });
    expect(sim.requests.count()).toBe(1);
    expect(sim.requests.all()[0]).toMatchObject({ method: "POST", path: "/auth.test", status: 200, authenticated: true });
  });

  it("accepts a user token (xoxp-) and reports the human user without the bot warning", async () => {
    const result = await validate(slackDemoUserToken);
    expect(result.token_type).toBe("user");
    expect(result.account).toEqual({
      id: "U07ADA",
      name: "ada",
      email: null,
      kind: "user",
      organization: { id: "T07TRIBDEMO", name: "Tributary Demo" },
    });
    expect(result.missing_scopes).toEqual([]);
    expect(result.warnings).toEqual([]);
  });

  it("accepts a rotating bot token (xoxe.xoxb-) and warns that it expires", async () => {
    const token = addToken("xoxe.xoxb-1-", { kind: "bot", scopes: [...slackAllReadScopes], expiresInSeconds: 43_200 });
    const result = await validate(token, { streams: ["channels", "users"] });
    expect(result.token_type).toBe("bot_rotating");
    expect(result.account.kind).toBe("bot");
    expect(result.warnings).toEqual([
      "This token expires in about 12 hours (token rotation is on) and connect is not given its refresh token: runs after that fail with invalid credentials. Turn token rotation off for the app to get a token that does not expire.",
    ]);
  });

  it("accepts a rotating user token (xoxe.xoxp-)", async () => {
    const token = addToken("xoxe.xoxp-1-", { kind: "user", scopes: [...slackAllReadScopes], expiresInSeconds: 1_800 });
    const result = await validate(token);
    expect(result.token_type).toBe("user_rotating");
    expect(result.account.kind).toBe("user");
    expect(result.warnings).toEqual([
      expect.stringMatching(/^This token expires in about 1 hour \(token rotation is on\)/),
    ]);
  });

  it("does not warn a bot about channel membership when no history stream is selected", async () => {
    const result = await validate(slackDemoCredentials.token, { streams: ["channels", "users"] });
    expect(result.warnings).toEqual([]);
    expect(result.streams).toEqual(["channels", "users"]);
  });

  it("serves the same check when api_base_url ends in /api, as slack.com's does", async () => {
    const result = await validate(slackDemoUserToken, { config: { api_base_url: `${sim.url}/api` } });
    expect(result.account.id).toBe("U07ADA");
    expect(sim.requests.all().map((request) => request.path)).toEqual(["/api/auth.test"]);
  });
});

describe("slack check: scopes", () => {
  it("fails with missing_scopes naming the required scopes the token lacks", async () => {
    const token = addToken("xoxb-", { kind: "bot", scopes: ["channels:read", "users:read"] });
    const error = await failure(validate(token), token);
    expect(error.code).toBe("missing_scopes");
    expect(error.details.missingScopes).toEqual(["channels:history"]);
    expect(error.message).toBe("The Slack credentials lack the scopes the selected streams need: channels:history");
    expect(error.details.account).toMatchObject({ id: "U07TRIBBOT", kind: "bot" });
  });

  it("only requires the scopes of the selected streams", async () => {
    const token = addToken("xoxp-", { kind: "user", scopes: ["users:read", "users:read.email"] });
    const result = await validate(token, { streams: ["users"] });
    expect(result.missing_scopes).toEqual([]);
    expect(result.granted_scopes).toEqual(["users:read", "users:read.email"]);

    const error = await failure(validate(token, { streams: ["users", "channels"] }), token);
    expect(error.code).toBe("missing_scopes");
    expect(error.details.missingScopes).toEqual(["channels:read"]);
  });

  it("passes without the private-channel scopes, warning that private channels will be skipped", async () => {
    const token = addToken("xoxb-", {
      kind: "bot",
      scopes: ["channels:read", "channels:history", "users:read", "users:read.email"],
    });
    const result = await validate(token);
    expect(result.missing_scopes).toEqual(["groups:read", "groups:history"]);
    expect(result.warnings).toEqual([
      "Private channels will be skipped: the token lacks groups:read and groups:history. Add them under Bot Token Scopes on the app's OAuth & Permissions page and reinstall the app, or set include_private_channels to false.",
      botMembershipWarning,
    ]);
  });

  it("neither reports nor warns about private-channel scopes when include_private_channels is false", async () => {
    const token = addToken("xoxp-", {
      kind: "user",
      scopes: ["channels:read", "channels:history", "users:read", "users:read.email"],
    });
    const result = await validate(token, { config: { include_private_channels: false } });
    expect(result.missing_scopes).toEqual([]);
    expect(result.warnings).toEqual([]);
  });

  it("warns that emails will be empty without users:read.email", async () => {
    const token = addToken("xoxp-", { kind: "user", scopes: ["users:read"] });
    const result = await validate(token, { streams: ["users"] });
    expect(result.missing_scopes).toEqual(["users:read.email"]);
    expect(result.warnings).toEqual([
      "User emails will be empty: the token lacks users:read.email. Add it under User Token Scopes and reinstall the app to mirror them.",
    ]);
  });
});

describe("slack check: refused tokens", () => {
  it("answers invalid_credentials for a token Slack does not know (HTTP 200, ok:false invalid_auth)", async () => {
    const token = "xoxb-not-a-known-token-4f2a";
    const error = await failure(validate(token), token);
    expect(error.code).toBe("invalid_credentials");
    expect(error.message).toMatch(/^Slack did not accept the token \(invalid_auth\)/);
    expect(error.details.providerStatus).toBe(200);
    expect(sim.requests.count("/auth.test")).toBe(1);
  });

  it.each([
    ["token_revoked", /^The token was revoked, or the app was uninstalled from the workspace \(token_revoked\)/],
    ["token_expired", /^The token has expired \(token_expired\)/],
    ["account_inactive", /^The token belongs to a deactivated user or a deleted workspace \(account_inactive\)/],
  ] as const)("answers invalid_credentials for %s, without retrying", async (refusal, message) => {
    const token = addToken("xoxp-", { kind: "user", scopes: [...slackAllReadScopes], refusal });
    const error = await failure(validate(token), token);
    expect(error.code).toBe("invalid_credentials");
    expect(error.message).toMatch(message);
    expect(sim.requests.count("/auth.test")).toBe(1);
  });

  it("answers invalid_credentials when Slack says the request carried no token (not_authed)", async () => {
    sim.injectPlatformError({ error: "not_authed" });
    const error = await failure(validate(slackDemoUserToken), slackDemoUserToken);
    expect(error.code).toBe("invalid_credentials");
    expect(error.message).toMatch(/\(not_authed\)/);
  });
});

describe("slack check: credentials and config shape", () => {
  it.each([
    ["xapp-1-A0123-4567-abcdef", "credentials.token: is an app-level token (xapp-)"],
    ["xoxe-1-refreshrefresh", "credentials.token: is a refresh token (xoxe-); paste the access token issued with it"],
    ["xoxc-1234-browser", "credentials.token: is a browser session token (xoxc-)"],
    ["Bearer xoxb-pasted-with-prefix", 'credentials.token: must be the token alone, without the "Bearer " in front'],
    ["ghp_notslackatall123", "credentials.token: is not a Slack bot or user token: it should start with xoxb- (bot) or xoxp- (user)"],
  ])("refuses %s as bad_request naming credentials.token, before any request", async (token, message) => {
    const error = await failure(validate(token), token);
    expect(error.code).toBe("bad_request");
    expect(error.details.field).toBe("credentials.token");
    expect(error.message.startsWith(message)).toBe(true);
    expect(sim.requests.count()).toBe(0);
  });

  it("refuses a missing or empty token as bad_request naming credentials.token", async () => {
    const missing = await failure(validate("", { credentials: {} }), "unused-token-value");
    expect(missing).toMatchObject({ code: "bad_request", details: { field: "credentials.token" } });
    const empty = await failure(validate("", { credentials: { token: "   " } }), "unused-token-value");
    expect(empty.code).toBe("bad_request");
    expect(empty.message).toBe("credentials.token: must not be empty");
  });

  it("refuses a malformed config field as bad_request naming it", async () => {
    const badUrl = await failure(validate(slackDemoUserToken, { config: { api_base_url: "ftp://slack.com/api" } }), slackDemoUserToken);
    expect(badUrl).toMatchObject({ code: "bad_request", details: { field: "config.api_base_url" } });
    const badChannel = await failure(validate(slackDemoUserToken, { config: { channel_ids: ["general"] } }), slackDemoUserToken);
    expect(badChannel).toMatchObject({ code: "bad_request", details: { field: "config.channel_ids.0" } });
    expect(badChannel.message).toBe("config.channel_ids.0: must be a channel ID such as C0123ABCD");
  });

  it("refuses an unknown stream as bad_request naming its position", async () => {
    const error = await failure(validate(slackDemoUserToken, { streams: ["users", "reactions"] }), slackDemoUserToken);
    expect(error.code).toBe("bad_request");
    expect(error.details.field).toBe("streams.1");
    expect(error.message).toBe('streams.1: unknown stream "reactions" (known: channels, users, messages, thread_replies)');
    expect(sim.requests.count()).toBe(0);
  });

  it("asks for team_id when the token is an org-wide Enterprise Grid installation", async () => {
    const token = addToken("xoxb-", { kind: "bot", scopes: [...slackAllReadScopes], enterpriseInstall: true });
    const error = await failure(validate(token), token);
    expect(error.code).toBe("bad_request");
    expect(error.details.field).toBe("config.team_id");
    expect(error.message).toMatch(/^config\.team_id: the token belongs to an org-wide Enterprise Grid installation/);

    const result = await validate(token, { config: { team_id: "T07TRIBDEMO" } });
    expect(result.status).toBe("ok");
  });

  it("reports provider_error when api_base_url does not point at a Slack Web API", async () => {
    const error = await failure(validate(slackDemoUserToken, { config: { api_base_url: `${sim.url}/_simulator` } }), slackDemoUserToken);
    expect(error.code).toBe("provider_error");
    expect(error.message).toMatch(/is not a Slack Web API response; check that api_base_url points at the Web API/);
  });
});

describe("slack check: rate limits and outages", () => {
  it("reports rate_limited with Retry-After's delay, without waiting or retrying", async () => {
    sim.faults.inject({ kind: "rate_limit", retryAfterSeconds: 42 });
    const error = await failure(validate(slackDemoCredentials.token), slackDemoCredentials.token);
    expect(error.code).toBe("rate_limited");
    expect(error.details.retryAfterMs).toBe(42_000);
    expect(error.message).toBe("Slack rate limit reached (HTTP 429 ratelimited); retry in 42 s");
    expect(sim.requests.count("/auth.test")).toBe(1);
    expect(sim.requests.all()[0]?.status).toBe(429);
  });

  it("retries 5xx answers and succeeds", async () => {
    sim.faults.inject({ kind: "server_error", status: 500, times: 2 });
    const result = await validate(slackDemoCredentials.token);
    expect(result.account.id).toBe("U07TRIBBOT");
    expect(sim.requests.all().map((request) => request.status)).toEqual([500, 500, 200]);
  });

  it("ends provider_unavailable when 5xx answers last until the deadline", async () => {
    sim.faults.inject({ kind: "server_error", status: 503, times: Number.POSITIVE_INFINITY });
    const error = await failure(validate(slackDemoCredentials.token, { deadlineMs: 1500 }), slackDemoCredentials.token);
    expect(error.code).toBe("provider_unavailable");
    expect(error.message).toMatch(/^Slack did not answer successfully within 1\.5 s after \d+ attempts: HTTP 503 service_unavailable$/);
    expect(error.details.providerStatus).toBe(503);
    expect(sim.requests.count("/auth.test")).toBeGreaterThan(1);
  });

  it.each(["internal_error", "fatal_error", "service_unavailable", "request_timeout"])(
    "retries an HTTP 200 ok:false %s (Slack's transient errors) and succeeds",
    async (code) => {
      sim.injectPlatformError({ error: code });
      const result = await validate(slackDemoUserToken);
      expect(result.account.id).toBe("U07ADA");
      expect(sim.requests.count("/auth.test")).toBe(2);
    },
  );

  it("retries a malformed body and succeeds", async () => {
    sim.faults.inject({ kind: "malformed" });
    const result = await validate(slackDemoUserToken);
    expect(result.status).toBe("ok");
    expect(sim.requests.count("/auth.test")).toBe(2);
  });

  it("ends provider_unavailable when every body is malformed until the deadline", async () => {
    sim.faults.inject({ kind: "malformed", times: Number.POSITIVE_INFINITY });
    const error = await failure(validate(slackDemoUserToken, { deadlineMs: 1500 }), slackDemoUserToken);
    expect(error.code).toBe("provider_unavailable");
    expect(error.message).toMatch(/malformed response body \(HTTP 200\)$/);
    expect(sim.requests.count("/auth.test")).toBeGreaterThan(1);
  });
});
