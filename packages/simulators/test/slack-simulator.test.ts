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

describe("slack simulator: seeded dataset", () => {
  const options = {
    dataset: { seed: 42, channels: 3, privateChannels: 1, archivedChannels: 1, users: 8, messagesPerChannel: 30, threadedRatio: 0.2, repliesPerThread: 4 },
    pageCaps: { "conversations.history": 20 },
    rateLimits: { "users.list": { limit: 2, windowMs: 60_000 } },
  };
  let seeded: SlackSimulator;

  beforeAll(async () => {
    seeded = await startSlackSimulator(options);
  });
  afterAll(async () => {
    await seeded.close();
  });

  function seededCall(method: string, args: Record<string, string> = {}) {
    return fetch(`${seeded.url}/${method}?${new URLSearchParams(args).toString()}`, {
      headers: { authorization: `Bearer ${slackDemoCredentials.token}` },
    });
  }

  it("builds the same workspace from the same seed, of the requested sizes", async () => {
    const twin = await startSlackSimulator(options);
    try {
      for (const stream of ["channels", "users", "messages", "thread_replies"]) {
        expect(twin.dataset.groundTruth(stream)).toEqual(seeded.dataset.groundTruth(stream));
      }
    } finally {
      await twin.close();
    }
    // The archived channel is left out of the truth (default config); the private one is the bot's.
    expect(seeded.dataset.groundTruth("channels")).toHaveLength(3);
    expect(seeded.dataset.groundTruth("channels").filter((channel) => channel.is_private)).toHaveLength(1);
    expect(seeded.dataset.groundTruth("users")).toHaveLength(8 + 2);
    expect(seeded.dataset.groundTruth("messages")).toHaveLength(3 * 30);
    expect(seeded.dataset.groundTruth("thread_replies")).toHaveLength(3 * 6 * 4);
    const message = seeded.dataset.groundTruth("messages")[0] as Record<string, unknown>;
    expect(Object.keys(message)).toEqual(expect.arrayContaining(["user", "type", "ts", "client_msg_id", "text", "team", "blocks", "channel_id"]));
    expect(() => seeded.dataset.groundTruth("reactions")).toThrow(/unknown Slack stream/);
  });

  it("pages history newest first with a ts cursor that survives new messages, capped per method", async () => {
    const channel = seeded.dataset.groundTruth("channels")[0]?.id as string;
    const expected = seeded.dataset
      .groundTruth("messages")
      .filter((message) => message.channel_id === channel)
      .map((message) => message.ts as string)
      .reverse();
    const first = await json<MessagesBody & { response_metadata?: { next_cursor: string } }>(
      seededCall("conversations.history", { channel, limit: "12" }),
    );
    expect(first.messages.map((message) => message.ts)).toEqual(expected.slice(0, 12));
    expect(first.has_more).toBe(true);
    // A message posted between two pages does not shift the next one.
    seeded.dataset.applyChanges({ seed: 1, changes: { messages: { inserts: 3 } } });
    const second = await json<MessagesBody>(
      seededCall("conversations.history", { channel, limit: "12", cursor: first.response_metadata?.next_cursor ?? "" }),
    );
    expect(second.messages.map((message) => message.ts)).toEqual(expected.slice(12, 24));
    // Asking for more than the cap gets the cap (20 here; 999 by default).
    const capped = await json<MessagesBody>(seededCall("conversations.history", { channel, limit: "5000" }));
    expect(capped.messages).toHaveLength(20);
    expect(capped.has_more).toBe(true);
    // `oldest` is exclusive, `inclusive` makes it inclusive.
    const pivot = expected[5] as string;
    const after = await json<MessagesBody>(seededCall("conversations.history", { channel, oldest: pivot }));
    expect(after.messages.at(-1)?.ts).not.toBe(pivot);
    const including = await json<MessagesBody>(seededCall("conversations.history", { channel, oldest: pivot, inclusive: "true" }));
    expect(including.messages.at(-1)?.ts).toBe(pivot);
    expect(await json(seededCall("conversations.history", { channel, oldest: "yesterday" }))).toEqual({ ok: false, error: "invalid_ts_oldest" });
  });

  it("answers a thread with its parent on the first page only, replies filtered by oldest", async () => {
    const parent = seeded.dataset.groundTruth("messages").find((message) => Number(message.reply_count) > 0) as Record<string, unknown>;
    const channel = parent.channel_id as string;
    const replies = seeded.dataset
      .groundTruth("thread_replies")
      .filter((reply) => reply.thread_ts === parent.ts)
      .map((reply) => reply.ts as string);
    expect(replies.length).toBeGreaterThanOrEqual(4);
    const first = await json<MessagesBody & { response_metadata?: { next_cursor: string } }>(
      seededCall("conversations.replies", { channel, ts: parent.ts as string, limit: "3" }),
    );
    expect(first.messages.map((message) => message.ts)).toEqual([parent.ts, ...replies.slice(0, 2)]);
    const rest = await json<MessagesBody>(
      seededCall("conversations.replies", { channel, ts: parent.ts as string, limit: "3", cursor: first.response_metadata?.next_cursor ?? "" }),
    );
    expect(rest.messages.map((message) => message.ts)).toEqual(replies.slice(2, 5));
    const newer = await json<MessagesBody>(seededCall("conversations.replies", { channel, ts: parent.ts as string, oldest: replies[1] as string }));
    expect(newer.messages.map((message) => message.ts)).toEqual([parent.ts, ...replies.slice(2)]);
    // A reply's ts names its thread too.
    const viaReply = await json<MessagesBody>(seededCall("conversations.replies", { channel, ts: replies[0] as string }));
    expect(viaReply.messages[0]?.ts).toBe(parent.ts);
  });

  it("filters archived channels after cutting the page, as Slack does", async () => {
    const all = await json<ChannelsBody>(seededCall("conversations.list", { types: "public_channel,private_channel", limit: "10" }));
    expect(all.channels).toHaveLength(4);
    const archivedIndex = all.channels.findIndex((channel) => (channel as { is_archived?: boolean }).is_archived);
    expect(archivedIndex).toBe(3);
    const page = await json<ChannelsBody>(
      seededCall("conversations.list", { types: "public_channel,private_channel", limit: "2", exclude_archived: "true", cursor: Buffer.from("next_offset:2").toString("base64") }),
    );
    expect(page.channels).toHaveLength(1);
    expect(page.response_metadata.next_cursor).toBe("");
  });

  it("enforces per-method rate limits with 429, Retry-After and ratelimited", async () => {
    expect((await seededCall("users.list")).status).toBe(200);
    expect((await seededCall("users.list")).status).toBe(200);
    const limited = await seededCall("users.list");
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(await limited.json()).toEqual({ ok: false, error: "ratelimited" });
    // Other methods have their own window.
    expect((await seededCall("conversations.list")).status).toBe(200);
  });

  it("exposes changes and ground truth on the admin API", async () => {
    const before = await json<{ total: number }>(fetch(`${seeded.url}/_simulator/truth/thread_replies`));
    const response = await fetch(`${seeded.url}/_simulator/changes`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ seed: 5, changes: { thread_replies: { inserts: 2, deletes: 1 } } }),
    });
    const summary = (await response.json()) as { applied: Record<string, { inserted: string[]; deleted: string[]; updated: string[] }> };
    expect(summary.applied.thread_replies?.inserted).toHaveLength(2);
    expect(summary.applied.thread_replies?.deleted).toHaveLength(1);
    expect(summary.applied.messages?.updated.length).toBeGreaterThan(0);
    const after = await json<{ total: number }>(fetch(`${seeded.url}/_simulator/truth/thread_replies`));
    expect(after.total).toBe(before.total + 1);
    expect(() => seeded.dataset.applyChanges({ seed: 1, changes: { reactions: { inserts: 1 } } })).toThrow(/unknown Slack stream/);
  });
});
