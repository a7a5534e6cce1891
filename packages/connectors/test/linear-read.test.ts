import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ConnectorError } from "../src/core/connector-errors.js";
import type { ReadMessage, SourceRecord, StreamState } from "../src/core/connector-types.js";
import { silentLogger } from "../src/core/logger-types.js";
import { linearConnector } from "../src/linear/index.js";
import { linearPageSize, streamPageQuery, type LinearStreamName } from "../src/linear/linear-read-queries.js";
import {
  demoUserIds,
  linearDemoApiKey,
  linearDemoCredentials,
  startLinearSimulator,
  type LinearSimulator,
} from "@tributary/simulators";

const streams: LinearStreamName[] = ["teams", "users", "projects", "cycles", "issues", "comments"];
/** Small pages, so every stream spans several of them. */
const pageCap = 7;
const dataset = { seed: 3, teams: 22, users: 12, projects: 6, cyclesPerTeam: 6, issues: 60, commentsPerIssue: 2 };

let sim: LinearSimulator;

beforeAll(async () => {
  sim = await startLinearSimulator({ dataset, maxPageSize: pageCap });
});

afterAll(async () => {
  await sim.close();
});

beforeEach(() => {
  sim.faults.clear();
  sim.requests.clear();
});

interface ReadOptions {
  syncMode?: "full_refresh" | "incremental";
  state?: StreamState;
  target?: LinearSimulator;
  credentials?: Record<string, unknown>;
  /** Called after each HTTP answer with the number of answers so far. */
  onAnswer?: (count: number) => void;
  /** Stops reading after this many state messages (an interrupted run). */
  stopAfterStates?: number;
}

interface ReadResult {
  messages: ReadMessage[];
  calls: number;
  statuses: number[];
}

async function read(stream: LinearStreamName, options: ReadOptions = {}): Promise<ReadResult> {
  const target = options.target ?? sim;
  const declaration = linearConnector.streams.find((candidate) => candidate.name === stream);
  if (!declaration) throw new Error(`no stream ${stream}`);
  const statuses: number[] = [];
  const messages: ReadMessage[] = [];
  let states = 0;
  const iterable = linearConnector.read({
    credentials: linearConnector.credentialsSchema.parse(options.credentials ?? linearDemoCredentials),
    config: linearConnector.configSchema.parse({ api_base_url: target.url }),
    stream: declaration,
    syncMode: options.syncMode ?? (options.state ? "incremental" : "full_refresh"),
    state: options.state,
    deadlineAt: Date.now() + 60_000,
    signal: new AbortController().signal,
    logger: silentLogger,
    onResponse: ({ status }) => {
      statuses.push(status);
      options.onAnswer?.(statuses.length);
    },
    shared: new Map(),
  });
  for await (const message of iterable) {
    messages.push(message);
    if (message.type === "state") {
      states += 1;
      if (options.stopAfterStates !== undefined && states >= options.stopAfterStates) break;
    }
  }
  return { messages, calls: statuses.length, statuses };
}

/** What the engine keeps: one row per id, latest wins, deletions applied, in message order. */
function applyTo(mirror: Map<string, SourceRecord>, messages: ReadMessage[]): Map<string, SourceRecord> {
  for (const message of messages) {
    if (message.type === "records") for (const record of message.records) mirror.set(String(record.id), record);
    if (message.type === "deletions") for (const key of message.keys) mirror.delete(String(key.id));
  }
  return mirror;
}

function sorted(records: Iterable<SourceRecord>): SourceRecord[] {
  return [...records].sort((a, b) => (String(a.id) < String(b.id) ? -1 : 1));
}

function lastState(messages: ReadMessage[]): StreamState {
  const states = messages.filter((message): message is Extract<ReadMessage, { type: "state" }> => message.type === "state");
  const state = states.at(-1)?.state;
  if (!state) throw new Error("no state message");
  return state;
}

function recordIds(messages: ReadMessage[]): string[] {
  return messages.flatMap((message) => (message.type === "records" ? message.records.map((record) => String(record.id)) : [])).sort();
}

function deletedIds(messages: ReadMessage[]): string[] {
  return messages.flatMap((message) => (message.type === "deletions" ? message.keys.map((key) => String(key.id)) : [])).sort();
}

function idsOf(keys: string[]): string[] {
  return keys.map((key) => String((JSON.parse(key) as { id: string }).id)).sort();
}

/** Requests a project page plus its `project(id:)` follow-ups make, for projects in more teams than a page. */
function projectTeamCalls(truth: SourceRecord[]): number {
  return truth.reduce((calls, project) => {
    const teams = (project.teams as { nodes: unknown[] }).nodes.length;
    return calls + Math.max(0, Math.ceil((teams - pageCap) / pageCap));
  }, 0);
}

describe("linear read: full refresh", () => {
  it.each(streams)("reads every %s record, page by page, exactly as the ground truth", async (stream) => {
    const truth = sim.dataset.groundTruth(stream);
    const { messages, calls } = await read(stream);
    const mirror = applyTo(new Map(), messages);
    expect(sorted(mirror.values())).toEqual(truth);

    // Every row Linear served is a record or (trashed) a deletion; pages are full but the last.
    const served = recordIds(messages).length + deletedIds(messages).length;
    const followUps = stream === "projects" ? projectTeamCalls(truth) : 0;
    expect(calls).toBe(Math.max(1, Math.ceil(served / pageCap)) + followUps);

    // Checkpoints between pages carry the read window; the last one moves the cursor to the newest change.
    const states = messages.filter((message) => message.type === "state");
    expect(states).toHaveLength(Math.max(1, Math.ceil(served / pageCap)));
    for (const message of states.slice(0, -1)) expect(message.state.extra?.windowEnd).toEqual(expect.any(String));
    const newest = truth.reduce((latest, record) => (String(record.updatedAt) > latest ? String(record.updatedAt) : latest), "");
    expect(String(lastState(messages).cursor) >= newest).toBe(true);
    expect(lastState(messages).extra).toBeUndefined();
  });

  it("keeps archived rows with archivedAt and turns trashed issues into deletions", async () => {
    const { messages } = await read("issues");
    const records = messages.flatMap((message) => (message.type === "records" ? message.records : []));
    expect(records.some((record) => record.archivedAt !== null && record.trashed === false)).toBe(true);
    expect(records.every((record) => record.trashed !== true)).toBe(true);
    expect(deletedIds(messages).length).toBeGreaterThan(0);
    const truthIds = new Set(sim.dataset.groundTruth("issues").map((record) => String(record.id)));
    for (const id of deletedIds(messages)) expect(truthIds.has(id)).toBe(false);

    const users = applyTo(new Map(), (await read("users")).messages);
    expect([...users.values()].some((user) => user.active === false)).toBe(true);
    expect(users.get(demoUserIds.alan)).toMatchObject({ active: false, guest: true });
  });

  it("asks for 250 rows a page, newest change first, archived and deactivated rows included", async () => {
    for (const stream of streams) {
      const document = streamPageQuery(stream);
      expect(document).toContain("orderBy: updatedAt");
      expect(document).toContain("includeArchived: true");
      expect(document).toContain("pageInfo { hasNextPage endCursor }");
    }
    expect(streamPageQuery("users")).toContain("includeDisabled: true");
    expect(linearPageSize).toBe(250);
  });

  it("keeps every page under Linear's 10,000-point complexity cap at 250 rows", async () => {
    const wide = await startLinearSimulator({ dataset: { seed: 1, issues: 5 } });
    try {
      for (const stream of streams) {
        const answer = await fetch(`${wide.url}/graphql`, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: linearDemoApiKey },
          body: JSON.stringify({ query: streamPageQuery(stream), variables: { first: linearPageSize } }),
        });
        expect(answer.status).toBe(200);
        expect(Number(answer.headers.get("x-complexity"))).toBeLessThanOrEqual(10_000);
      }
      const tooBig = await fetch(`${wide.url}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: linearDemoApiKey },
        body: JSON.stringify({ query: streamPageQuery("projects"), variables: { first: 400 } }),
      });
      expect(tooBig.status).toBe(400);
      expect(await tooBig.json()).toMatchObject({
        errors: [{ message: "Query too complex", extensions: { code: "INPUT_ERROR", type: "invalid input" } }],
      });
    } finally {
      await wide.close();
    }
  });
});

describe("linear read: incremental", () => {
  it("after inserts, updates and deletes reads exactly the changed records, then nothing", async () => {
    const mirrors = new Map<LinearStreamName, Map<string, SourceRecord>>();
    const states = new Map<LinearStreamName, StreamState>();
    for (const stream of streams) {
      const { messages } = await read(stream);
      mirrors.set(stream, applyTo(new Map(), messages));
      states.set(stream, lastState(messages));
    }

    const summary = sim.dataset.applyChanges({
      seed: 11,
      changes: {
        teams: { inserts: 1, updates: 2, deletes: 1 },
        users: { inserts: 2, updates: 2, deletes: 1 },
        projects: { inserts: 1, updates: 1, deletes: 1 },
        cycles: { inserts: 2, updates: 3, deletes: 1 },
        issues: { inserts: 5, updates: 6, deletes: 2 },
        comments: { inserts: 6, updates: 3, deletes: 2 },
      },
    });

    for (const stream of streams) {
      const applied = summary.applied[stream];
      if (!applied) throw new Error(`no summary for ${stream}`);
      sim.requests.clear();
      const { messages, calls } = await read(stream, { state: states.get(stream) });
      const changed = idsOf([...applied.inserted, ...applied.updated]);
      const trashed = stream === "issues" || stream === "projects" ? idsOf(applied.deleted) : [];
      expect(recordIds(messages)).toEqual(changed);
      expect(deletedIds(messages)).toEqual(trashed);
      const changedSet = new Set(changed);
      const truth = sim.dataset.groundTruth(stream);
      const followUps = stream === "projects" ? projectTeamCalls(truth.filter((record) => changedSet.has(String(record.id)))) : 0;
      expect(calls).toBe(Math.max(1, Math.ceil((changed.length + trashed.length) / pageCap)) + followUps);
      expect(sim.requests.count("/graphql")).toBe(calls);

      const mirror = applyTo(mirrors.get(stream) as Map<string, SourceRecord>, messages);
      if (stream === "comments") {
        // Linear deletes comments for good and says nothing about it: the mirror keeps them until a full refresh.
        const gone = new Set(idsOf(applied.deleted));
        expect([...gone].every((id) => mirror.has(id))).toBe(true);
        expect(sorted([...mirror.values()].filter((record) => !gone.has(String(record.id))))).toEqual(truth);
        const refreshed = applyTo(new Map(), (await read(stream)).messages);
        expect(sorted(refreshed.values())).toEqual(truth);
      } else {
        expect(sorted(mirror.values())).toEqual(truth);
      }
      states.set(stream, lastState(messages));
    }

    // Nothing changed since: one request per stream, no rows, the cursor where it was.
    for (const stream of streams) {
      sim.requests.clear();
      const state = states.get(stream) as StreamState;
      const { messages, calls } = await read(stream, { state });
      expect(calls).toBe(1);
      expect(sim.requests.count("/graphql")).toBe(1);
      expect(messages).toEqual([{ type: "state", state: { cursor: state.cursor } }]);
    }
  });

  it("resumes from a checkpoint in the middle of a read without losing a record", async () => {
    const fresh = await startLinearSimulator({ dataset: { ...dataset, seed: 5 }, maxPageSize: pageCap });
    try {
      const first = await read("issues", { target: fresh, stopAfterStates: 3 });
      const checkpoint = lastState(first.messages);
      expect(checkpoint.extra).toMatchObject({ windowEnd: expect.any(String), highWater: expect.any(String) });
      expect(recordIds(first.messages)).toHaveLength(3 * pageCap);

      // Activity between the interrupted run and the next one.
      const summary = fresh.dataset.applyChanges({ seed: 2, changes: { issues: { inserts: 2, updates: 3, deletes: 1 } } });
      const resumed = await read("issues", { target: fresh, state: checkpoint });
      // The resumed read asks only for the unread window: no row of the first three pages comes again.
      // (Rows changed since are newer than the window and wait for the next run; rows updated at the
      // window's edge itself are read again, which the mirror absorbs.)
      const seen = new Set(recordIds(first.messages));
      const again = resumed.messages
        .flatMap((message) => (message.type === "records" ? message.records : []))
        .filter((record) => seen.has(String(record.id)));
      expect(again.every((record) => record.updatedAt === checkpoint.extra?.windowEnd)).toBe(true);
      const changed = idsOf([...(summary.applied.issues?.inserted ?? []), ...(summary.applied.issues?.updated ?? [])]);
      expect(recordIds(resumed.messages).filter((id) => changed.includes(id))).toEqual([]);

      const next = await read("issues", { target: fresh, state: lastState(resumed.messages) });
      const mirror = applyTo(applyTo(applyTo(new Map(), first.messages), resumed.messages), next.messages);
      expect(sorted(mirror.values())).toEqual(fresh.dataset.groundTruth("issues"));
      expect(recordIds(next.messages)).toEqual(expect.arrayContaining(idsOf(summary.applied.issues?.inserted ?? [])));
    } finally {
      await fresh.close();
    }
  });

  it("does not lose rows that change while a read is under way: the next run picks them up", async () => {
    const fresh = await startLinearSimulator({ dataset: { ...dataset, seed: 6 }, maxPageSize: pageCap });
    try {
      const during = await read("issues", {
        target: fresh,
        onAnswer: (count) => {
          if (count === 2) fresh.dataset.applyChanges({ seed: 9, changes: { issues: { inserts: 2, updates: 8, deletes: 2 } } });
        },
      });
      const next = await read("issues", { target: fresh, state: lastState(during.messages) });
      const mirror = applyTo(applyTo(new Map(), during.messages), next.messages);
      expect(sorted(mirror.values())).toEqual(fresh.dataset.groundTruth("issues"));
    } finally {
      await fresh.close();
    }
  });

  it("rejects a state whose cursor is not a timestamp, naming the field", async () => {
    const error = await read("issues", { state: { cursor: "yesterday" } }).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(ConnectorError);
    expect(error).toMatchObject({ code: "bad_request", details: { field: "state.cursor" } });
  });
});

describe("linear read: failures mid-read", () => {
  it("waits out a rate limit and completes with the same records", async () => {
    const truth = sim.dataset.groundTruth("comments");
    const { messages, statuses } = await read("comments", {
      onAnswer: (count) => {
        if (count === 2) sim.faults.inject({ kind: "rate_limit", retryAfterSeconds: 1 });
      },
    });
    expect(sorted(applyTo(new Map(), messages).values())).toEqual(truth);
    expect(statuses.filter((status) => status === 400)).toHaveLength(1);
    expect(statuses.at(2)).toBe(400);
  });

  it("retries a 5xx answer and completes with the same records", async () => {
    const truth = sim.dataset.groundTruth("issues");
    const { messages, statuses } = await read("issues", {
      onAnswer: (count) => {
        if (count === 1) sim.faults.inject({ kind: "server_error", status: 502 });
        if (count === 4) sim.faults.inject({ kind: "server_error", status: 500 });
      },
    });
    expect(sorted(applyTo(new Map(), messages).values())).toEqual(truth);
    expect(statuses.filter((status) => status >= 500)).toEqual([502, 500]);
  });

  it("reports missing scopes when the key may not read", async () => {
    const token = "lin_api_readTestWriteOnly000000000000000000000001";
    sim.addToken(token, { kind: "api_key", userId: demoUserIds.ada, scopes: ["write"] });
    const error = await read("teams", { credentials: { api_key: token } }).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toMatchObject({ code: "missing_scopes", details: { missingScopes: ["read"] } });
  });
});

describe("linear simulator dataset", () => {
  it("is deterministic by seed and serves the demo workspace by default", async () => {
    const [again, other, demo] = await Promise.all([
      startLinearSimulator({ dataset }),
      startLinearSimulator({ dataset: { ...dataset, seed: 4 } }),
      startLinearSimulator(),
    ]);
    try {
      const twin = await startLinearSimulator({ dataset });
      try {
        expect(twin.dataset.groundTruth("issues")).toEqual(again.dataset.groundTruth("issues"));
      } finally {
        await twin.close();
      }
      expect(other.dataset.groundTruth("issues")).not.toEqual(again.dataset.groundTruth("issues"));
      const issues = applyTo(new Map(), (await read("issues", { target: demo })).messages);
      expect([...issues.values()].map((issue) => issue.identifier).sort()).toEqual(["CORE-1", "CORE-2", "CORE-3", "GRO-1", "GRO-2"]);
      expect([...issues.values()].find((issue) => issue.identifier === "GRO-2")).toMatchObject({
        archivedAt: "2024-12-20T10:00:00.000Z",
        state: { name: "Canceled", type: "canceled" },
      });
    } finally {
      await Promise.all([again.close(), other.close(), demo.close()]);
    }
  });
});
