import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { ReadMessage, SourceRecord, StreamState } from "../src/core/connector-types.js";
import { silentLogger } from "../src/core/logger-types.js";
import { recordsOfMessage } from "../src/core/read-helpers.js";
import { githubConnector } from "../src/github/index.js";
import { nextLink } from "../src/github/github-read-client.js";
import { mergeGenerators } from "../src/github/github-read-state.js";
import { githubDemoToken, startGithubSimulator, type RunningGithubSimulator } from "@tributary/simulators";

/**
 * Drives `githubConnector.read()` against the simulator's seeded dataset: three repositories in a
 * fresh organization, pages capped at 10 so every listing spans several pages.
 */
const organization = "acme-data";
const partitions = ["acme-data/repo-0001", "acme-data/repo-0002", "acme-data/repo-0003"];
const streams = ["repositories", "users", "issues", "pull_requests", "issue_comments", "pull_request_reviews", "commits", "releases"];
const incrementalStreams = ["repositories", "issues", "pull_requests", "issue_comments", "pull_request_reviews", "commits"];

let sim: RunningGithubSimulator;

beforeAll(async () => {
  sim = await startGithubSimulator({
    port: 0,
    dataset: {
      seed: 11,
      organization,
      repositories: 3,
      issuesPerRepository: 24,
      pullRequestsPerRepository: 8,
      commentsPerIssue: 2,
      reviewsPerPullRequest: 2,
      commitsPerRepository: 14,
      releasesPerRepository: 3,
      members: 5,
      maxPerPage: 10,
    },
  });
});

afterAll(async () => {
  await sim?.close();
});

beforeEach(() => {
  sim.faults.clear();
  sim.requests.clear();
});

interface ReadResult {
  records: SourceRecord[];
  messages: ReadMessage[];
  state: StreamState | undefined;
  calls: number;
}

type GithubReadContext = Parameters<typeof githubConnector.read>[0];

function context(
  stream: string,
  syncMode: "full_refresh" | "incremental",
  state: StreamState | undefined,
  config: Record<string, unknown> = {},
): GithubReadContext {
  const declaration = githubConnector.streams.find((candidate) => candidate.name === stream);
  if (!declaration) throw new Error(`no stream ${stream}`);
  return {
    credentials: githubConnector.credentialsSchema.parse({ token: githubDemoToken }),
    config: githubConnector.configSchema.parse({ api_base_url: sim.url, organization, ...config }),
    stream: declaration,
    syncMode,
    state,
    deadlineAt: Date.now() + 60_000,
    signal: new AbortController().signal,
    logger: silentLogger,
    onResponse: () => undefined,
    shared: new Map<string, Promise<unknown>>(),
  };
}

async function read(
  stream: string,
  syncMode: "full_refresh" | "incremental",
  state?: StreamState,
  options: { config?: Record<string, unknown>; afterFirstRecords?: () => void } = {},
): Promise<ReadResult> {
  const ctx = context(stream, syncMode, state, options.config);
  let calls = 0;
  ctx.onResponse = () => {
    calls += 1;
  };
  const result: ReadResult = { records: [], messages: [], state: undefined, calls: 0 };
  let armed = false;
  for await (const message of githubConnector.read(ctx)) {
    result.messages.push(message);
    if (message.type === "records" || message.type === "raw_records") {
      result.records.push(...recordsOfMessage(message));
      if (!armed && options.afterFirstRecords) {
        armed = true;
        options.afterFirstRecords();
      }
    }
    if (message.type === "state") result.state = message.state;
  }
  result.calls = calls;
  return result;
}

/** Primary key as the stream declares it. */
function keyOf(stream: string, record: Record<string, unknown>): string {
  return stream === "commits" ? `${String(record.repository)}@${String(record.sha)}` : String(record.id);
}

function keyOfSummary(stream: string, text: string): string {
  return keyOf(stream, JSON.parse(text) as Record<string, unknown>);
}

function byKey(stream: string, records: Record<string, unknown>[]): Map<string, Record<string, unknown>> {
  return new Map(records.map((record) => [keyOf(stream, record), record]));
}

function truth(stream: string): Map<string, Record<string, unknown>> {
  const dataset = sim.dataset;
  if (!dataset) throw new Error("the simulator has no dataset");
  return byKey(stream, dataset.groundTruth(stream));
}

function cursorOf(stream: string, record: Record<string, unknown>): unknown {
  if (stream === "commits") return (record.commit as { committer: { date: string } }).committer.date;
  return record.updated_at;
}

/** The mirror each stream holds after the runs of this file; later tests build on it. */
const mirror = new Map<string, Map<string, Record<string, unknown>>>();
const states = new Map<string, StreamState | undefined>();

describe("GitHub read: full read", () => {
  it("yields exactly the ground truth for every stream, paging through 10-item pages", async () => {
    for (const stream of streams) {
      const result = await read(stream, "incremental");
      const expected = truth(stream);
      expect(result.records.length, stream).toBe(expected.size);
      const got = byKey(stream, result.records);
      expect(got.size, `${stream}: no record twice`).toBe(result.records.length);
      expect(got, stream).toEqual(expected);
      expect(result.messages.at(-1)?.type, `${stream} ends with a state`).toBe("state");
      expect(result.messages.some((message) => message.type === "deletions")).toBe(false);
      mirror.set(stream, got);
      states.set(stream, result.state);
    }
    // Every listing the connector starts asks for GitHub's largest page; the simulator's cap of 10 made
    // them span pages (the Link header's next pages carry the size GitHub applied).
    const starts = sim.requests.all().filter((request) => request.query.page === undefined);
    expect(new Set(starts.map((request) => request.query.per_page))).toEqual(new Set(["100"]));
    expect(sim.requests.all().some((request) => request.path.endsWith("/commits") && request.query.page === "2")).toBe(true);
    // Issues and comments page by `since` (keyset): the next request restarts from the last timestamp seen.
    const issueRequests = sim.requests.all().filter((request) => request.path === "/repos/acme-data/repo-0001/issues");
    expect(issueRequests.length).toBeGreaterThan(2);
    expect(issueRequests.slice(1).every((request) => request.query.since !== undefined)).toBe(true);
    expect(states.get("issues")?.partitions && Object.keys(states.get("issues")?.partitions ?? {}).sort()).toEqual(partitions);
  });

  it("reads the same records in full-refresh mode, ignoring the saved state", async () => {
    const result = await read("issues", "full_refresh", states.get("issues"));
    expect(byKey("issues", result.records)).toEqual(truth("issues"));
  });
});

describe("GitHub read: incremental after changes", () => {
  it("yields the changed records (and only re-reads of boundary records besides)", async () => {
    const dataset = sim.dataset;
    if (!dataset) throw new Error("no dataset");
    const summary = dataset.applyChanges({
      seed: 5,
      changes: {
        repositories: { updates: 1 },
        users: { inserts: 1, deletes: 1 },
        issues: { inserts: 2, updates: 2, deletes: 1 },
        pull_requests: { inserts: 1, updates: 2 },
        issue_comments: { inserts: 2, updates: 1, deletes: 1 },
        pull_request_reviews: { inserts: 1, updates: 1 },
        commits: { inserts: 2 },
        releases: { inserts: 1, updates: 1, deletes: 1 },
      },
    });
    const oldPulls = mirror.get("pull_requests") ?? new Map();

    for (const stream of streams) {
      const applied = summary.applied[stream] ?? { inserted: [], updated: [], deleted: [] };
      const changed = new Set([...applied.inserted, ...applied.updated].map((text) => keyOfSummary(stream, text)));
      const deleted = new Set(applied.deleted.map((text) => keyOfSummary(stream, text)));
      const previousState = states.get(stream);
      const result = await read(stream, incrementalStreams.includes(stream) ? "incremental" : "full_refresh", previousState);
      const expected = truth(stream);
      const got = byKey(stream, result.records);

      // GitHub's listings expose no deletions.
      expect(result.messages.some((message) => message.type === "deletions"), stream).toBe(false);
      for (const key of changed) expect(got.get(key), `${stream} ${key}`).toEqual(expected.get(key));
      for (const key of deleted) expect(got.has(key), `${stream}: deleted ${key} not yielded`).toBe(false);

      const previous = mirror.get(stream) ?? new Map();
      if (!incrementalStreams.includes(stream)) {
        // Full-refresh streams: the new read is the whole truth.
        expect(got, stream).toEqual(expected);
        mirror.set(stream, got);
        states.set(stream, result.state);
        continue;
      }
      for (const [key, record] of got) {
        if (changed.has(key)) continue;
        // Anything else is a harmless re-read: unchanged, and at the saved boundary.
        expect(record, `${stream} ${key} re-read unchanged`).toEqual(previous.get(key));
        if (stream === "pull_request_reviews") {
          // Reviews are listed for pull requests updated since the partition's cursor.
          const number = Number(String(record.pull_request_url).split("/").pop());
          const pull = [...(truth("pull_requests").values())].find(
            (candidate) => candidate.repository === record.repository && candidate.number === number,
          );
          const cursor = previousState?.partitions?.[String(record.repository)];
          expect(String(pull?.updated_at) >= String(cursor), `${key} belongs to a pull request listed again`).toBe(true);
        } else if (stream === "repositories") {
          expect(cursorOf(stream, record)).toBe(previousState?.cursor);
        } else {
          expect(cursorOf(stream, record), `${stream} ${key} sits at the saved cursor`).toBe(
            previousState?.partitions?.[String(record.repository)],
          );
        }
      }
      // Upserting the read into the mirror gives the truth, but for deletions GitHub never reports.
      const merged = new Map(previous);
      for (const [key, record] of got) merged.set(key, record);
      for (const key of deleted) {
        expect(merged.has(key), `${stream}: ${key} stays in an incremental mirror`).toBe(true);
        merged.delete(key);
      }
      expect(merged, stream).toEqual(expected);
      mirror.set(stream, merged);
      states.set(stream, result.state);
    }
    expect(oldPulls.size).toBeGreaterThan(0);
  });
});

describe("GitHub read: no-change incremental reads", () => {
  /**
   * The minimum per stream with R repositories (R ≤ 100, so the organization's repositories fit one page):
   * repositories 1 (first page, sorted by updated_at); issues, pull_requests, issue_comments,
   * pull_request_reviews, commits: 1 listing + R (one conditional request per repository, answered 304);
   * releases: 1 + R × pages (no filter); users: member pages (no filter).
   */
  const minimum: Record<string, { total: number; conditional: number }> = {
    repositories: { total: 1, conditional: 0 },
    users: { total: 1, conditional: 0 },
    issues: { total: 4, conditional: 3 },
    pull_requests: { total: 4, conditional: 3 },
    issue_comments: { total: 4, conditional: 3 },
    pull_request_reviews: { total: 4, conditional: 3 },
    commits: { total: 4, conditional: 3 },
    releases: { total: 4, conditional: 0 },
  };

  it("makes the minimum number of calls, and from the second run on every per-repository call is a free 304", async () => {
    for (const run of [1, 2]) {
      for (const stream of streams) {
        sim.requests.clear();
        const mode = incrementalStreams.includes(stream) ? "incremental" : "full_refresh";
        const result = await read(stream, mode, states.get(stream));
        const expected = minimum[stream];
        expect(sim.requests.count(), `run ${run}: ${stream} calls`).toBe(expected?.total);
        expect(result.calls).toBe(expected?.total);
        const notModified = sim.requests.all().filter((request) => request.status === 304).length;
        if (run === 2) {
          expect(notModified, `run ${run}: ${stream} 304s`).toBe(expected?.conditional);
          if (incrementalStreams.includes(stream) && stream !== "repositories") expect(result.records, stream).toEqual([]);
        }
        states.set(stream, result.state);
      }
    }
    // 304 answers were given back to the rate limit: the window counts only the 200s.
    sim.requests.clear();
    const before = await fetch(`${sim.url}/rate_limit`, { headers: { authorization: `Bearer ${githubDemoToken}` } });
    const used = Number(before.headers.get("x-ratelimit-used"));
    await read("issues", "incremental", states.get("issues"));
    const after = await fetch(`${sim.url}/rate_limit`, { headers: { authorization: `Bearer ${githubDemoToken}` } });
    expect(Number(after.headers.get("x-ratelimit-used"))).toBe(used + 1);
  });

  it("reads configured repositories without a listing, with conditional requests, and skips one it cannot see", async () => {
    const config = { repositories: ["acme-data/repo-0002", "acme-data/missing"] };
    const first = await read("repositories", "incremental", undefined, { config });
    expect(first.records.map((record) => record.full_name)).toEqual(["acme-data/repo-0002"]);
    sim.requests.clear();
    const second = await read("repositories", "incremental", first.state, { config });
    expect(second.records).toEqual([]);
    expect(sim.requests.all().map((request) => request.status).sort()).toEqual([304, 404]);

    sim.requests.clear();
    const issues = await read("issues", "incremental", undefined, { config });
    expect(sim.requests.count("/orgs/*")).toBe(0);
    expect(new Set(issues.records.map((record) => record.repository))).toEqual(new Set(["acme-data/repo-0002"]));
    expect(Object.keys(issues.state?.partitions ?? {}).sort()).toEqual(["acme-data/missing", "acme-data/repo-0002"]);
  });
});

describe("GitHub read: failures mid-read", () => {
  it("waits out a primary rate limit met mid-read and yields the same records", async () => {
    const result = await read("issue_comments", "full_refresh", undefined, {
      afterFirstRecords: () => sim.faults.inject({ kind: "rate_limit", retryAfterSeconds: 1, pathPrefix: "/repos/", times: 1 }),
    });
    expect(sim.requests.all().some((request) => request.status === 403)).toBe(true);
    expect(byKey("issue_comments", result.records)).toEqual(truth("issue_comments"));
  });

  it("retries a body cut short on a listing read unparsed (issues), and yields the same records", async () => {
    const result = await read("issues", "full_refresh", undefined, {
      afterFirstRecords: () => sim.faults.inject({ kind: "malformed", pathPrefix: "/repos/", times: 2 }),
    });
    expect(result.messages.some((message) => message.type === "raw_records")).toBe(true);
    expect(byKey("issues", result.records)).toEqual(truth("issues"));
  });

  it("retries 5xx answers met mid-read", async () => {
    const result = await read("pull_request_reviews", "full_refresh", undefined, {
      afterFirstRecords: () => sim.faults.inject({ kind: "server_error", status: 502, pathPrefix: "/repos/", times: 2 }),
    });
    expect(sim.requests.all().filter((request) => request.status === 502)).toHaveLength(2);
    expect(byKey("pull_request_reviews", result.records)).toEqual(truth("pull_request_reviews"));
  });

  it("waits for a spent hourly window to reset (a 1-second window here)", async () => {
    const limited = await startGithubSimulator({
      port: 0,
      rateLimit: { limit: 3, windowSeconds: 1 },
      dataset: { seed: 3, organization: "tiny", repositories: 1, issuesPerRepository: 30, pullRequestsPerRepository: 0, maxPerPage: 10 },
    });
    try {
      const ctx = context("issues", "full_refresh", undefined, { organization: "tiny" });
      ctx.config = githubConnector.configSchema.parse({ api_base_url: limited.url, organization: "tiny" });
      const records: SourceRecord[] = [];
      for await (const message of githubConnector.read(ctx)) records.push(...recordsOfMessage(message));
      const dataset = limited.dataset;
      expect(byKey("issues", records)).toEqual(byKey("issues", dataset?.groundTruth("issues") ?? []));
      expect(limited.requests.all().some((request) => request.status === 403)).toBe(true);
    } finally {
      await limited.close();
    }
  });
});

describe("GitHub read: helpers", () => {
  it("reads the next page from GitHub's Link header", () => {
    expect(nextLink('<https://api.github.com/repositories/1/issues?page=2>; rel="next", <https://api.github.com/repositories/1/issues?page=5>; rel="last"')).toBe(
      "https://api.github.com/repositories/1/issues?page=2",
    );
    expect(nextLink('<https://api.github.com/x?page=1>; rel="prev", <https://api.github.com/x?page=1>; rel="first"')).toBeUndefined();
    expect(nextLink(null)).toBeUndefined();
  });

  it("merges generators with bounded concurrency and closes them when the consumer stops", async () => {
    let running = 0;
    let peak = 0;
    const closed: number[] = [];
    const source = (id: number) =>
      async function* () {
        running += 1;
        peak = Math.max(peak, running);
        try {
          for (let step = 0; step < 3; step += 1) {
            await Promise.resolve();
            yield `${id}:${step}`;
          }
        } finally {
          running -= 1;
          closed.push(id);
        }
      };
    const all: string[] = [];
    for await (const value of mergeGenerators([0, 1, 2, 3, 4, 5].map(source), 2)) all.push(value);
    expect(all).toHaveLength(18);
    expect(peak).toBeLessThanOrEqual(2);

    closed.length = 0;
    for await (const value of mergeGenerators([0, 1, 2].map(source), 3)) if (value) break;
    expect(closed.sort()).toEqual([0, 1, 2]);
  });
});

describe("GitHub read: repositories without an organization", () => {
  it("lists an installation's repositories, or a user token's own and organizations' ones", async () => {
    const installation = "ghs_TributaryDemoInstallation00000000001";
    const ctx = context("repositories", "full_refresh", undefined);
    ctx.credentials = githubConnector.credentialsSchema.parse({ token: installation });
    ctx.config = githubConnector.configSchema.parse({ api_base_url: sim.url });
    const names: unknown[] = [];
    for await (const message of githubConnector.read(ctx)) if (message.type === "records") names.push(...message.records.map((record) => record.full_name));
    expect(names.sort()).toEqual(["tributary-demo/docs", "tributary-demo/platform", "tributary-demo/website"]);
    expect(sim.requests.count("/installation/repositories")).toBe(1);

    const user = await read("issues", "full_refresh", undefined, { config: { organization: undefined } });
    expect(sim.requests.count("/user/repos")).toBe(1);
    expect(new Set(user.records.map((record) => record.repository))).toEqual(new Set(partitions));
  });
});
