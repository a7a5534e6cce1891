import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  slackAllReadScopes,
  slackDemoCredentials,
  slackDemoUserToken,
  startSlackSimulator,
  type SlackSimulator,
} from "../src/slack/index.js";

let sim: SlackSimulator;

beforeAll(async () => {
  sim = await startSlackSimulator();
  sim.addToken("xoxb-sim-test-read-only", { kind: "bot", scopes: ["channels:read"] });
  sim.addToken("xoxp-sim-test-public-only", { kind: "user", scopes: ["channels:read", "channels:history", "users:read"] });
  sim.addToken("xoxb-sim-test-revoked", { kind: "bot", scopes: ["channels:read"], refusal: "token_revoked" });
});

afterAll(async () => {
  await sim.close();
});

afterEach(() => {
  sim.faults.clear();
  sim.clearPlatformErrors();
});

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface ChannelsBody {
  channels: { id: string; is_private: boolean }[];
  response_metadata: { next_cursor: string };
}
interface UsersBody {
  members: { id: string; profile: { email?: string } }[];
}
interface MessagesBody {
  messages: ({ ts: string } & Record<string, unknown>)[];
  has_more: boolean;
}

/** The JSON body of a call, typed as the test expects it. */
async function json<T>(response: Promise<Response>): Promise<T> {
  return (await (await response).json()) as T;
}

function call(method: string, token: string | undefined, args: Record<string, string> = {}) {
  return fetch(`${sim.url}/${method}`, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: new URLSearchParams(args).toString(),
  });
}

describe("slack simulator: auth.test", () => {
  it("answers a bot token with Slack's body and headers", async () => {
    const response = await call("auth.test", slackDemoCredentials.token);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      ok: true,
      url: "https://tributary-demo.slack.com/",
      team: "Tributary Demo",
      user: "tributary",
      team_id: "T07TRIBDEMO",
      user_id: "U07TRIBBOT",
      bot_id: "B07TRIBBOT",
      is_enterprise_install: false,
    });
    expect(response.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(response.headers.get("x-oauth-scopes")).toBe(slackAllReadScopes.join(","));
    // auth.test needs no scope, so Slack names none as accepted.
    expect(response.headers.get("x-accepted-oauth-scopes")).toBeNull();
    expect(response.headers.get("x-slack-req-id")).toMatch(uuid);
    expect(response.headers.get("access-control-expose-headers")).toBe("x-slack-req-id, retry-after");
    // Slack sends no rate-limit counters on successful answers.
    expect(response.headers.get("x-ratelimit-remaining")).toBeNull();
  });

  it("takes the token as a form argument as well as a header, and answers under /api too", async () => {
    const response = await fetch(`${sim.url}/api/auth.test`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token: slackDemoUserToken }).toString(),
    });
    expect(await response.json()).toMatchObject({ ok: true, user_id: "U07ADA", is_enterprise_install: false });
  });

  it("answers refusals with HTTP 200 and ok:false, without scope headers", async () => {
    const unknown = await call("auth.test", "xoxb-nobody-knows-this");
    expect(unknown.status).toBe(200);
    expect(await unknown.json()).toEqual({ ok: false, error: "invalid_auth" });
    expect(unknown.headers.get("x-oauth-scopes")).toBeNull();
    expect(unknown.headers.get("x-slack-req-id")).toMatch(uuid);

    const none = await call("auth.test", undefined);
    expect(await none.json()).toEqual({ ok: false, error: "not_authed" });

    const revoked = await call("auth.test", "xoxb-sim-test-revoked");
    expect(await revoked.json()).toEqual({ ok: false, error: "token_revoked" });
  });
});

describe("slack simulator: faults in Slack's wire format", () => {
  it("renders a rate limit as 429 with Retry-After and ok:false ratelimited", async () => {
    sim.faults.inject({ kind: "rate_limit", retryAfterSeconds: 42 });
    const response = await call("auth.test", slackDemoCredentials.token);
    expect(response.status).toBe(429);
    expect(response.headers.get("retry-after")).toBe("42");
    expect(response.headers.get("x-slack-req-id")).toMatch(uuid);
    expect(await response.json()).toEqual({ ok: false, error: "ratelimited" });
  });

  it("renders server errors with the status and Slack's transient error codes", async () => {
    sim.faults.inject({ kind: "server_error", status: 503 });
    sim.faults.inject({ kind: "server_error" });
    const unavailable = await call("auth.test", slackDemoCredentials.token);
    expect(unavailable.status).toBe(503);
    expect(await unavailable.json()).toEqual({ ok: false, error: "service_unavailable" });
    const internal = await call("auth.test", slackDemoCredentials.token);
    expect(internal.status).toBe(500);
    expect(await internal.json()).toEqual({ ok: false, error: "internal_error" });
  });

  it("renders a malformed answer as a cut JSON body with HTTP 200", async () => {
    sim.faults.inject({ kind: "malformed" });
    const response = await call("auth.test", slackDemoCredentials.token);
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(() => JSON.parse(text)).toThrow();
  });

  it("arms platform errors: HTTP 200 with ok:false and the given code", async () => {
    sim.injectPlatformError({ error: "fatal_error" });
    const failed = await call("auth.test", slackDemoCredentials.token);
    expect(failed.status).toBe(200);
    expect(await failed.json()).toEqual({ ok: false, error: "fatal_error" });
    const next = await json<{ ok: boolean }>(call("auth.test", slackDemoCredentials.token));
    expect(next.ok).toBe(true);
  });
});

describe("slack simulator: scopes on data methods", () => {
  it("answers missing_scope with needed and provided, and the accepted-scopes header", async () => {
    const response = await call("conversations.history", "xoxb-sim-test-read-only", { channel: "C07GENERAL" });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      ok: false,
      error: "missing_scope",
      needed: "channels:history,groups:history,mpim:history,im:history",
      provided: "channels:read",
    });
    expect(response.headers.get("x-oauth-scopes")).toBe("channels:read");
    expect(response.headers.get("x-accepted-oauth-scopes")).toBe("channels:history,groups:history,mpim:history,im:history");
  });

  it("refuses to list private channels without groups:read", async () => {
    const response = await call("conversations.list", "xoxp-sim-test-public-only", { types: "public_channel,private_channel" });
    expect(await response.json()).toMatchObject({ ok: false, error: "missing_scope", needed: "groups:read" });
  });

  it("lists channels page by page with Slack's cursor, private ones only to members", async () => {
    const first = await json<ChannelsBody>(call("conversations.list", slackDemoCredentials.token, { types: "public_channel,private_channel", limit: "3" }));
    expect(first.channels.map((channel) => channel.id)).toEqual(["C07GENERAL", "C07ENGINEER", "C07RANDOM"]);
    expect(first.response_metadata.next_cursor).not.toBe("");
    const second = await json<ChannelsBody>(
      call("conversations.list", slackDemoCredentials.token, {
        types: "public_channel,private_channel",
        limit: "3",
        cursor: first.response_metadata.next_cursor,
      }),
    );
    expect(second.channels.map((channel) => [channel.id, channel.is_private])).toEqual([
      ["C07LEADS", true],
      ["C07OLDPROJ", false],
    ]);
    expect(second.response_metadata.next_cursor).toBe("");

    const invalid = await call("conversations.list", slackDemoCredentials.token, { cursor: "bm9wZQ==" });
    expect(await invalid.json()).toEqual({ ok: false, error: "invalid_cursor" });
  });

  it("gives emails only to tokens holding users:read.email", async () => {
    const withEmail = await json<UsersBody>(call("users.list", slackDemoUserToken));
    expect(withEmail.members.find((user) => user.id === "U07ADA")?.profile.email).toBe("ada@tributary-demo.example");
    const withoutEmail = await json<UsersBody>(call("users.list", "xoxp-sim-test-public-only"));
    expect(withoutEmail.members.find((user) => user.id === "U07ADA")?.profile).not.toHaveProperty("email");
  });
});

describe("slack simulator: history", () => {
  it("refuses a bot outside the channel with not_in_channel", async () => {
    const response = await call("conversations.history", slackDemoCredentials.token, { channel: "C07RANDOM" });
    expect(await response.json()).toEqual({ ok: false, error: "not_in_channel" });
  });

  it("returns top-level messages newest first, after an exclusive oldest", async () => {
    const all = await json<MessagesBody>(call("conversations.history", slackDemoUserToken, { channel: "C07GENERAL" }));
    expect(all.messages.map((message) => message.ts)).toEqual([
      "1704074400.000100",
      "1704070800.000100",
      "1704067200.000100",
    ]);
    expect(all.messages[1]).toMatchObject({ reply_count: 2, thread_ts: "1704070800.000100", latest_reply: "1704070920.000100" });
    expect(all.has_more).toBe(false);

    const newer = await json<MessagesBody>(
      call("conversations.history", slackDemoUserToken, { channel: "C07GENERAL", oldest: "1704070800.000100" }),
    );
    expect(newer.messages.map((message) => message.ts)).toEqual(["1704074400.000100"]);
  });

  it("returns a thread parent first, then its replies oldest first", async () => {
    const thread = await json<MessagesBody>(
      call("conversations.replies", slackDemoUserToken, { channel: "C07GENERAL", ts: "1704070800.000100" }),
    );
    expect(thread.messages.map((message) => message.ts)).toEqual([
      "1704070800.000100",
      "1704070860.000100",
      "1704070920.000100",
    ]);
    expect(thread.messages[1]).toMatchObject({ thread_ts: "1704070800.000100", parent_user_id: "U07GRACE" });
  });
});
