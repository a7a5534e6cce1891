import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ReadMessage, SourceRecord, StreamState } from "../src/core/connector-types.js";
import { silentLogger } from "../src/core/logger-types.js";
import { slackConnector } from "../src/slack/index.js";
import { microsPerDay, tsMicros } from "../src/slack/slack-ts.js";
import {
  slackDemoCredentials,
  slackDemoUserToken,
  startSlackSimulator,
  type ChangeSummary,
  type SlackSimulator,
} from "@tributary/simulators";

type StreamName = "channels" | "users" | "messages" | "thread_replies";
const streamNames: StreamName[] = ["channels", "users", "messages", "thread_replies"];

interface ReadOptions {
  syncMode?: "full_refresh" | "incremental";
  state?: StreamState;
  shared?: Map<string, Promise<unknown>>;
  config?: Record<string, unknown>;
  token?: string;
  /** Stops consuming after this many state messages (a run cut short). */
  stopAfterStates?: number;
}

interface ReadResult {
  records: SourceRecord[];
  deletions: SourceRecord[];
  states: StreamState[];
  finalState: StreamState | undefined;
  responses: number;
}

async function read(sim: SlackSimulator, stream: StreamName, options: ReadOptions = {}): Promise<ReadResult> {
  const declaration = slackConnector.streams.find((candidate) => candidate.name === stream);
  if (!declaration) throw new Error(`no stream ${stream}`);
  let responses = 0;
  const context: Parameters<typeof slackConnector.read>[0] = {
    credentials: slackConnector.credentialsSchema.parse({ token: options.token ?? slackDemoCredentials.token }),
    config: slackConnector.configSchema.parse({ api_base_url: sim.url, ...options.config }),
    stream: declaration,
    syncMode: options.syncMode ?? "full_refresh",
    state: options.state,
    deadlineAt: Date.now() + 60_000,
    signal: new AbortController().signal,
    logger: silentLogger,
    onResponse: () => {
      responses += 1;
    },
    shared: options.shared ?? new Map(),
  };
  const result: ReadResult = { records: [], deletions: [], states: [], finalState: undefined, responses: 0 };
  const messages: AsyncIterable<ReadMessage> = slackConnector.read(context);
  for await (const message of messages) {
    if (message.type === "records") result.records.push(...message.records);
    else if (message.type === "deletions") result.deletions.push(...message.keys);
    else if (message.type === "state") {
      result.states.push(message.state);
      result.finalState = message.state;
      if (options.stopAfterStates !== undefined && result.states.length >= options.stopAfterStates) break;
    }
  }
  result.responses = responses;
  return result;
}

/** Reads every stream in declared order with one shared map, as one run does. */
async function readAll(sim: SlackSimulator, options: { syncMode: "full_refresh" | "incremental"; states?: Record<string, StreamState | undefined>; config?: Record<string, unknown> }) {
  const shared = new Map<string, Promise<unknown>>();
  const results = {} as Record<StreamName, ReadResult>;
  for (const stream of streamNames) {
    results[stream] = await read(sim, stream, { syncMode: options.syncMode, state: options.states?.[stream], shared, config: options.config });
  }
  return results;
}

const keyOf = (record: SourceRecord) => (record.channel_id === undefined ? String(record.id) : `${String(record.channel_id)}|${String(record.ts)}`);
const byKey = (records: readonly SourceRecord[]) => new Map(records.map((record) => [keyOf(record), record]));
const sorted = (records: readonly SourceRecord[]) => [...records].sort((a, b) => keyOf(a).localeCompare(keyOf(b)));
const summaryKeys = (keys: readonly string[]) =>
  keys.map((key) => {
    const parsed = JSON.parse(key) as { id?: string; channel_id?: string; ts?: string };
    return parsed.id ?? `${parsed.channel_id}|${parsed.ts}`;
  });

function countBy(sim: SlackSimulator, method: string, status = 200): number {
  return sim.requests.all().filter((request) => request.path === `/${method}` && request.status === status).length;
}

function pages(items: number, cap: number): number {
  return Math.max(1, Math.ceil(items / cap));
}

// Small page caps so that every method pages: 5 listed channels (one archived, left out after paging,
// as Slack filters), 14 users, 24 top-level messages per channel, threads of a parent and 8 replies.
const caps = { "conversations.list": 2, "users.list": 5, "conversations.history": 10, "conversations.replies": 5 } as const;
const dataset = {
  seed: 7,
  channels: 4,
  privateChannels: 1,
  archivedChannels: 1,
  users: 12,
  messagesPerChannel: 24,
  threadedRatio: 0.25,
  repliesPerThread: 8,
  messageIntervalSeconds: 3 * 86_400,
};

describe("slack read: seeded workspace", () => {
  let sim: SlackSimulator;
  let full: Record<StreamName, ReadResult>;
  let mirror: Record<StreamName, Map<string, SourceRecord>>;
  let states: Record<string, StreamState | undefined>;

  beforeAll(async () => {
    sim = await startSlackSimulator({ dataset, pageCaps: caps });
  });
  afterAll(async () => {
    await sim.close();
  });

  it("reads every stream in full, exactly the ground truth, with the minimum calls", async () => {
    sim.requests.clear();
    full = await readAll(sim, { syncMode: "full_refresh" });
    for (const stream of streamNames) {
      const truth = sim.dataset.groundTruth(stream);
      expect(full[stream].records).toHaveLength(truth.length);
      expect(sorted(full[stream].records)).toEqual(sorted(truth));
      expect(full[stream].deletions).toEqual([]);
    }
    const messages = sim.dataset.groundTruth("messages");
    const threads = messages.filter((message) => typeof message.reply_count === "number" && message.reply_count > 0);
    expect(threads.length).toBe(4 * 6);
    // Listed once per run (the channels stream's calls), shared by the per-channel streams.
    expect(countBy(sim, "conversations.list")).toBe(pages(5, caps["conversations.list"]));
    expect(full.channels.responses).toBe(3);
    expect(countBy(sim, "users.list")).toBe(pages(14, caps["users.list"]));
    // One history scan per channel, reused by thread_replies: it makes replies calls only.
    expect(countBy(sim, "conversations.history")).toBe(4 * pages(24, caps["conversations.history"]));
    expect(full.thread_replies.responses).toBe(threads.length * pages(1 + 8, caps["conversations.replies"]));
    expect(countBy(sim, "conversations.replies")).toBe(threads.length * 2);
    expect(sim.requests.count()).toBe(3 + 3 + 12 + 48);

    // A state after each channel, then a final one; partitions hold each channel's newest ts.
    expect(full.messages.states).toHaveLength(4 + 1);
    const channelIds = [...new Set(messages.map((message) => message.channel_id as string))];
    const newest = (id: string) =>
      messages.filter((message) => message.channel_id === id).map((message) => message.ts as string).sort().at(-1);
    expect(full.messages.finalState).toEqual({ partitions: Object.fromEntries(channelIds.map((id) => [id, newest(id)])) });
    mirror = Object.fromEntries(streamNames.map((stream) => [stream, byKey(full[stream].records)])) as typeof mirror;
    states = Object.fromEntries(streamNames.map((stream) => [stream, full[stream].finalState]));
  });

  it("makes the theoretical minimum calls in a no-change incremental run", async () => {
    // lookback_days 0: one history call per channel, nothing re-read, no thread fetched.
    sim.requests.clear();
    const strict = await readAll(sim, { syncMode: "incremental", states, config: { lookback_days: 0 } });
    expect(countBy(sim, "conversations.list")).toBe(3);
    expect(countBy(sim, "users.list")).toBe(3);
    expect(countBy(sim, "conversations.history")).toBe(4);
    expect(countBy(sim, "conversations.replies")).toBe(0);
    expect(sim.requests.count()).toBe(3 + 3 + 4);
    expect(strict.messages.records).toEqual([]);
    expect(strict.thread_replies.records).toEqual([]);
    expect(strict.messages.finalState).toEqual(states.messages);
    expect(strict.thread_replies.finalState).toEqual(states.thread_replies);

    // The default 7-day lookback re-reads each channel's last week, in as few pages as that takes.
    sim.requests.clear();
    const lookback = await readAll(sim, { syncMode: "incremental", states });
    const inWindow = (record: SourceRecord, partitions: Record<string, unknown>) =>
      (tsMicros(record.ts) as number) > (tsMicros(partitions[record.channel_id as string]) as number) - 7 * microsPerDay;
    const expected = sim.dataset.groundTruth("messages").filter((record) => inWindow(record, states.messages?.partitions ?? {}));
    expect(sorted(lookback.messages.records)).toEqual(sorted(expected));
    const perChannel = new Map<string, number>();
    for (const record of expected) perChannel.set(record.channel_id as string, (perChannel.get(record.channel_id as string) ?? 0) + 1);
    const historyCalls = Object.keys(states.messages?.partitions ?? {}).reduce(
      (sum, id) => sum + pages(perChannel.get(id) ?? 0, caps["conversations.history"]),
      0,
    );
    expect(countBy(sim, "conversations.history")).toBe(historyCalls);
    expect(countBy(sim, "conversations.replies")).toBe(0);
    expect(lookback.thread_replies.records).toEqual([]);

    // thread_replies alone (no messages scan to reuse) scans its windows itself: the parents posted from
    // 7 days before the newest ts it saw in the channel (its partition).
    sim.requests.clear();
    const alone = await read(sim, "thread_replies", { syncMode: "incremental", state: states.thread_replies });
    expect(alone.records).toEqual([]);
    const threadWindow = sim.dataset.groundTruth("messages").filter((record) => inWindow(record, states.thread_replies?.partitions ?? {}));
    const scanCalls = Object.keys(states.thread_replies?.partitions ?? {}).reduce(
      (sum, id) => sum + pages(threadWindow.filter((record) => record.channel_id === id).length, caps["conversations.history"]),
      0,
    );
    expect(countBy(sim, "conversations.history")).toBe(scanCalls);
    expect(countBy(sim, "conversations.replies")).toBe(0);
  });

  it("after changes, an incremental run reads what Slack's filters expose, and nothing else", async () => {
    const summary: ChangeSummary = sim.dataset.applyChanges({
      seed: 11,
      changes: {
        users: { inserts: 2, updates: 2, deletes: 1 },
        channels: { inserts: 1, updates: 1 },
        messages: { inserts: 6, updates: 4, deletes: 2 },
        thread_replies: { inserts: 8, updates: 2, deletes: 1 },
      },
    });
    const lookbackDays = 20;
    const config = { lookback_days: lookbackDays };
    sim.requests.clear();
    const incremental = await readAll(sim, { syncMode: "incremental", states, config });
    for (const stream of streamNames) expect(incremental[stream].deletions).toEqual([]);

    // Full-refresh streams: the new snapshot is the truth (deactivated users stay, with deleted: true).
    for (const stream of ["users", "channels"] as const) {
      expect(sorted(incremental[stream].records)).toEqual(sorted(sim.dataset.groundTruth(stream)));
    }
    const deactivated = summaryKeys(summary.applied.users?.deleted ?? []);
    expect(incremental.users.records.filter((user) => deactivated.includes(user.id as string)).map((user) => user.deleted)).toEqual([true]);

    const windowOf = (partitions: Record<string, unknown> | undefined, channelId: string) => {
      const last = tsMicros(partitions?.[channelId]);
      return last === undefined ? Number.NEGATIVE_INFINITY : last - lookbackDays * microsPerDay;
    };
    const micros = (key: string) => tsMicros(key.split("|")[1]) as number;
    const channelOf = (key: string) => key.split("|")[0] as string;

    // messages: exactly the window's messages (new ones included), as they are now.
    const truthMessages = sim.dataset.groundTruth("messages");
    const messageWindow = (key: string) => micros(key) > windowOf(states.messages?.partitions, channelOf(key));
    expect(sorted(incremental.messages.records)).toEqual(sorted(truthMessages.filter((record) => messageWindow(keyOf(record)))));
    const inserted = summaryKeys(summary.applied.messages?.inserted ?? []);
    expect(inserted).toHaveLength(6);
    expect(inserted.every((key) => byKey(incremental.messages.records).has(key))).toBe(true);

    // thread_replies: the new replies of threads whose parent is in the window, nothing else.
    const truthReplies = sim.dataset.groundTruth("thread_replies");
    const replyRead = (record: SourceRecord) => {
      const channelId = record.channel_id as string;
      // A channel without a partition (created since) is read in full.
      const readUpTo = tsMicros(states.thread_replies?.partitions?.[channelId]) ?? Number.NEGATIVE_INFINITY;
      return (tsMicros(record.ts) as number) > readUpTo && (tsMicros(record.thread_ts) as number) > windowOf(states.thread_replies?.partitions, channelId);
    };
    expect(sorted(incremental.thread_replies.records)).toEqual(sorted(truthReplies.filter(replyRead)));
    const truthReplyByKey = byKey(truthReplies);
    const insertedReplies = summaryKeys(summary.applied.thread_replies?.inserted ?? []).filter((key) => truthReplyByKey.has(key));
    const seen = insertedReplies.filter((key) => replyRead(truthReplyByKey.get(key) as SourceRecord));
    // The seed gives both cases: replies to threads in the window, and to older ones (missed).
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.length).toBeLessThan(insertedReplies.length);
    // Only the changed threads were fetched: one call each (their new replies fit a page).
    const changedThreads = new Set(incremental.thread_replies.records.map((record) => `${String(record.channel_id)}|${String(record.thread_ts)}`));
    expect(countBy(sim, "conversations.replies")).toBe(changedThreads.size);

    // The mirror (latest wins per key) now differs from the truth exactly where Slack exposes nothing to
    // an incremental read: deleted messages and replies, edits and reply counts outside the window,
    // edited replies, and replies to threads older than the window.
    for (const stream of ["messages", "thread_replies"] as const) {
      for (const record of incremental[stream].records) mirror[stream].set(keyOf(record), record);
    }
    const stale = (stream: "messages" | "thread_replies") => {
      const truth = byKey(sim.dataset.groundTruth(stream));
      const differing = new Set<string>();
      for (const [key, record] of mirror[stream]) if (JSON.stringify(truth.get(key)) !== JSON.stringify(record)) differing.add(key);
      for (const key of truth.keys()) if (!mirror[stream].has(key)) differing.add(key);
      return [...differing].sort();
    };
    const messageChanges = summary.applied.messages ?? { inserted: [], updated: [], deleted: [] };
    const expectedStaleMessages = [
      ...summaryKeys(messageChanges.deleted).filter((key) => mirror.messages.has(key)),
      ...summaryKeys(messageChanges.updated).filter((key) => !messageWindow(key)),
    ].sort();
    expect(stale("messages")).toEqual(expectedStaleMessages);
    const replyChanges = summary.applied.thread_replies ?? { inserted: [], updated: [], deleted: [] };
    const expectedStaleReplies = [
      ...summaryKeys(replyChanges.deleted).filter((key) => mirror.thread_replies.has(key)),
      ...summaryKeys(replyChanges.updated),
      ...insertedReplies.filter((key) => !seen.includes(key)),
    ].sort();
    expect(stale("thread_replies")).toEqual(expectedStaleReplies);
    states = Object.fromEntries(streamNames.map((stream) => [stream, incremental[stream].finalState]));
  });

  it("a full refresh after changes equals the ground truth again", async () => {
    const refreshed = await readAll(sim, { syncMode: "full_refresh" });
    for (const stream of streamNames) expect(sorted(refreshed[stream].records)).toEqual(sorted(sim.dataset.groundTruth(stream)));
  });

  it("resumes from a checkpoint taken mid-read without losing a record", async () => {
    const cut = await read(sim, "messages", { syncMode: "full_refresh", config: { lookback_days: 0 }, stopAfterStates: 2 });
    expect(cut.finalState?.partitions && Object.keys(cut.finalState.partitions)).toHaveLength(2);
    const resumed = await read(sim, "messages", { syncMode: "incremental", state: cut.finalState, config: { lookback_days: 0 } });
    const union = byKey([...cut.records, ...resumed.records]);
    expect(sorted([...union.values()])).toEqual(sorted(sim.dataset.groundTruth("messages")));
    // The two finished channels cost one call each (nothing newer); the others are read in full again.
    // (Counted by the resumed read itself: the cut read's prefetched pages may still be answered.)
    const finished = Object.keys(cut.finalState?.partitions ?? {});
    const truth = sim.dataset.groundTruth("messages");
    const channels = sim.dataset.groundTruth("channels").map((channel) => channel.id as string);
    expect(channels).toHaveLength(5);
    const expectedCalls = channels.reduce(
      (sum, id) => sum + (finished.includes(id) ? 1 : pages(truth.filter((record) => record.channel_id === id).length, caps["conversations.history"])),
      0,
    );
    expect(resumed.responses).toBe(pages(channels.length, caps["conversations.list"]) + expectedCalls);
    expect(Object.keys(resumed.finalState?.partitions ?? {}).sort()).toEqual([...channels].sort());
  });

  it("leaves private channels out when configured, and reads only channel_ids when given", async () => {
    const publicOnly = await read(sim, "channels", { config: { include_private_channels: false } });
    expect(publicOnly.records.some((channel) => channel.is_private === true)).toBe(false);
    expect(publicOnly.records.length).toBe(sim.dataset.groundTruth("channels").filter((channel) => channel.is_private !== true).length);
    const one = sim.dataset.groundTruth("channels")[1]?.id as string;
    sim.requests.clear();
    const only = await read(sim, "messages", { config: { channel_ids: [one] } });
    expect(new Set(only.records.map((record) => record.channel_id))).toEqual(new Set([one]));
    expect(sim.requests.all().filter((request) => request.path === "/conversations.history").every((request) => request.query.channel === one)).toBe(true);
  });
});

describe("slack read: demo workspace", () => {
  let sim: SlackSimulator;
  beforeAll(async () => {
    sim = await startSlackSimulator();
  });
  afterAll(async () => {
    await sim.close();
  });

  it("reads what a bot is a member of; a user token reads every public channel", async () => {
    const shared = new Map<string, Promise<unknown>>();
    const botMessages = await read(sim, "messages", { shared });
    expect(sorted(botMessages.records)).toEqual(sorted(sim.dataset.groundTruth("messages")));
    expect(new Set(botMessages.records.map((record) => record.channel_id))).toEqual(new Set(["C07GENERAL", "C07ENGINEER", "C07LEADS"]));
    const botReplies = await read(sim, "thread_replies", { shared });
    expect(sorted(botReplies.records)).toEqual(sorted(sim.dataset.groundTruth("thread_replies")));

    const userMessages = await read(sim, "messages", { token: slackDemoUserToken });
    expect(new Set(userMessages.records.map((record) => record.channel_id))).toEqual(
      new Set(["C07GENERAL", "C07ENGINEER", "C07RANDOM", "C07LEADS"]),
    );
    // Archived channels only when asked for.
    const archived = await read(sim, "channels", { token: slackDemoUserToken, config: { include_archived_channels: true } });
    expect(archived.records.map((channel) => channel.id)).toContain("C07OLDPROJ");
  });

  it("falls back to public channels when the token lacks groups:read", async () => {
    sim.addToken("xoxp-read-test-public-only", { kind: "user", scopes: ["channels:read", "channels:history", "users:read"] });
    sim.requests.clear();
    const channels = await read(sim, "channels", { token: "xoxp-read-test-public-only" });
    expect(channels.records.map((channel) => channel.id)).toEqual(["C07GENERAL", "C07ENGINEER", "C07RANDOM"]);
    expect(sim.requests.all().map((request) => request.query.types)).toEqual(["public_channel,private_channel", "public_channel"]);
  });
});

describe("slack read: rate limits and outages", () => {
  let sim: SlackSimulator;
  beforeAll(async () => {
    sim = await startSlackSimulator({
      dataset: { seed: 3, channels: 3, users: 4, messagesPerChannel: 6, threadedRatio: 0.5, repliesPerThread: 2 },
      // Two history calls per second: the third channel's call is answered 429 with Retry-After: 1.
      rateLimits: { "conversations.history": { limit: 2, windowMs: 1000 } },
    });
  });
  afterAll(async () => {
    await sim.close();
  });

  it("waits out a rate limit mid-read and completes with the same records", async () => {
    sim.requests.clear();
    const result = await read(sim, "messages");
    expect(sorted(result.records)).toEqual(sorted(sim.dataset.groundTruth("messages")));
    expect(countBy(sim, "conversations.history", 429)).toBeGreaterThan(0);
    expect(countBy(sim, "conversations.history")).toBe(3);
    const limited = sim.requests.all().find((request) => request.status === 429);
    expect(limited?.path).toBe("/conversations.history");
  });

  it("retries a 5xx mid-read", async () => {
    sim.faults.inject({ kind: "server_error", status: 503, times: 2, pathPrefix: "/conversations.replies" });
    sim.requests.clear();
    const result = await read(sim, "thread_replies");
    expect(sorted(result.records)).toEqual(sorted(sim.dataset.groundTruth("thread_replies")));
    expect(countBy(sim, "conversations.replies", 503)).toBe(2);
    expect(countBy(sim, "conversations.replies")).toBe(3 * 3);
  });
});
