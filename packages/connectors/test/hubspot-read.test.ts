import { describe, it, expect, beforeAll, afterAll } from "vitest";
import {
  hubspotDatasetEpoch,
  hubspotDemoToken,
  startHubspotSimulator,
  type LoggedRequest,
  type RunningHubspotSimulator,
} from "@tributary/simulators";
import type { ReadMessage, SourceRecord, StreamState } from "../src/core/connector-types.js";
import { silentLogger } from "../src/core/logger-types.js";
import { hubspotConnector } from "../src/hubspot/index.js";

const objectStreams = ["contacts", "companies", "deals"] as const;
const associationStreams = ["contact_companies", "deal_contacts", "deal_companies"] as const;
const allStreams = [...objectStreams, "owners", ...associationStreams] as const;
type StreamName = (typeof allStreams)[number];

interface ReadOutcome {
  records: SourceRecord[];
  deletions: SourceRecord[];
  states: StreamState[];
  final: StreamState;
  calls: number;
}

function contextFor(sim: RunningHubspotSimulator, stream: StreamName, state: StreamState | undefined, onCall: () => void) {
  const declaration = hubspotConnector.streams.find((candidate) => candidate.name === stream);
  if (!declaration) throw new Error(`no stream ${stream}`);
  return {
    credentials: hubspotConnector.credentialsSchema.parse({ access_token: hubspotDemoToken }),
    config: hubspotConnector.configSchema.parse({ api_base_url: sim.url }),
    stream: declaration,
    syncMode: state === undefined ? ("full_refresh" as const) : ("incremental" as const),
    state,
    deadlineAt: Date.now() + 60_000,
    signal: new AbortController().signal,
    logger: silentLogger,
    onResponse: onCall,
    shared: new Map<string, Promise<unknown>>(),
  };
}

/** Reads a stream to its end; `between` runs after the first records message (to inject a fault mid-read). */
async function read(
  sim: RunningHubspotSimulator,
  stream: StreamName,
  state?: StreamState,
  between?: () => void,
): Promise<ReadOutcome> {
  let calls = 0;
  const outcome: ReadOutcome = { records: [], deletions: [], states: [], final: {}, calls: 0 };
  let injected = false;
  for await (const message of hubspotConnector.read(contextFor(sim, stream, state, () => (calls += 1))) as AsyncIterable<ReadMessage>) {
    if (message.type === "records") {
      outcome.records.push(...message.records);
      if (!injected && between) {
        injected = true;
        between();
      }
    } else if (message.type === "deletions") {
      outcome.deletions.push(...message.keys);
    } else if (message.type === "state") {
      outcome.states.push(message.state);
    }
  }
  outcome.final = outcome.states[outcome.states.length - 1] ?? {};
  outcome.calls = calls;
  return outcome;
}

function keyOf(stream: StreamName, record: SourceRecord): string {
  const declaration = hubspotConnector.streams.find((candidate) => candidate.name === stream)!;
  return JSON.stringify(declaration.primaryKey.map((field) => record[field]));
}

/** A mirror: one row per primary key, latest wins, deletions applied. */
class Mirror {
  private readonly rows = new Map<string, SourceRecord>();

  constructor(private readonly stream: StreamName) {}

  apply(outcome: ReadOutcome): this {
    for (const record of outcome.records) this.rows.set(keyOf(this.stream, record), record);
    for (const key of outcome.deletions) this.rows.delete(keyOf(this.stream, key));
    return this;
  }

  sorted(): SourceRecord[] {
    return [...this.rows.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, record]) => record);
  }
}

function sortedTruth(sim: RunningHubspotSimulator, stream: StreamName): SourceRecord[] {
  return [...sim.dataset.groundTruth(stream)]
    .map((record) => [keyOf(stream, record), record] as const)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([, record]) => record);
}

function requestsSince(sim: RunningHubspotSimulator, mark: number): readonly LoggedRequest[] {
  return sim.requests.all().slice(mark);
}

const summarize = (requests: readonly LoggedRequest[]) =>
  requests.map((request) => `${request.method} ${request.path}${request.query.archived === "true" ? "?archived" : ""} ${request.status}`);

describe("hubspot read: a seeded account", () => {
  let sim: RunningHubspotSimulator;
  const mirrors = new Map<StreamName, Mirror>();
  const states = new Map<StreamName, StreamState>();

  beforeAll(async () => {
    sim = await startHubspotSimulator({
      dataset: { seed: 7, contacts: 250, companies: 40, deals: 120, owners: 8, archivedOwners: 2, associationsPerDeal: 3 },
      // A 1-second window keeps a rate-limited read short; the limits themselves are out of reach.
      rateLimits: { burst: 100_000, windowMs: 1_000, searchPerSecond: 10_000 },
    });
  });

  afterAll(async () => {
    await sim.close();
  });

  it("a full read of every stream yields exactly the ground truth, through every page", async () => {
    const expectedCalls: Record<StreamName, string[]> = {
      // 250 contacts: three list pages of 100.
      contacts: ["GET /crm/v3/objects/contacts 200", "GET /crm/v3/objects/contacts 200", "GET /crm/v3/objects/contacts 200"],
      companies: ["GET /crm/v3/objects/companies 200"],
      deals: ["GET /crm/v3/objects/deals 200", "GET /crm/v3/objects/deals 200"],
      // Active owners, then archived ones.
      owners: ["GET /crm/v3/owners 200", "GET /crm/v3/owners?archived 200"],
      // The parents, then one batch read for up to 1,000 of them (207: some have no company).
      contact_companies: [
        "GET /crm/v3/objects/contacts 200",
        "GET /crm/v3/objects/contacts 200",
        "GET /crm/v3/objects/contacts 200",
        "POST /crm/v4/associations/contacts/companies/batch/read 207",
      ],
      deal_contacts: ["GET /crm/v3/objects/deals 200", "GET /crm/v3/objects/deals 200", "POST /crm/v4/associations/deals/contacts/batch/read 200"],
      deal_companies: ["GET /crm/v3/objects/deals 200", "GET /crm/v3/objects/deals 200", "POST /crm/v4/associations/deals/companies/batch/read 200"],
    };
    for (const stream of allStreams) {
      const mark = sim.requests.all().length;
      const outcome = await read(sim, stream);
      expect(summarize(requestsSince(sim, mark)), stream).toEqual(expectedCalls[stream]);
      expect(outcome.calls).toBe(expectedCalls[stream].length);
      const mirror = new Mirror(stream).apply(outcome);
      expect(outcome.records.length, stream).toBe(sim.dataset.groundTruth(stream).length);
      expect(mirror.sorted(), stream).toEqual(sortedTruth(sim, stream));
      mirrors.set(stream, mirror);
      states.set(stream, outcome.final);
    }
    expect(sortedTruth(sim, "contacts")).toHaveLength(250);
    expect(sortedTruth(sim, "owners")).toHaveLength(10);
    // The records are the API's objects: properties, dates, the archived flag.
    expect(sortedTruth(sim, "contacts")[0]).toMatchObject({ id: "101", archived: false, properties: { hs_object_id: "101" } });
    // A full pass ends with the cursor at its start on HubSpot's clock (the Date header) less the index lag.
    expect(states.get("contacts")).toEqual({
      cursor: new Date(hubspotDatasetEpoch - 60_000).toISOString(),
      extra: { archivedSince: new Date(hubspotDatasetEpoch - 60_000).toISOString() },
    });
  });

  it("a no-change incremental read makes the minimum number of calls and yields nothing", async () => {
    const minimum: Record<StreamName, string[]> = {
      // One search (nothing changed) and one page of the recycle bin, which has no date filter.
      contacts: ["POST /crm/v3/objects/contacts/search 200", "GET /crm/v3/objects/contacts?archived 200"],
      companies: ["POST /crm/v3/objects/companies/search 200", "GET /crm/v3/objects/companies?archived 200"],
      deals: ["POST /crm/v3/objects/deals/search 200", "GET /crm/v3/objects/deals?archived 200"],
      // No date filter at all: every owner is listed again, and filtered here.
      owners: ["GET /crm/v3/owners 200", "GET /crm/v3/owners?archived 200"],
      contact_companies: ["POST /crm/v3/objects/contacts/search 200"],
      deal_contacts: ["POST /crm/v3/objects/deals/search 200"],
      deal_companies: ["POST /crm/v3/objects/deals/search 200"],
    };
    for (const stream of allStreams) {
      const mark = sim.requests.all().length;
      const outcome = await read(sim, stream, states.get(stream));
      expect(summarize(requestsSince(sim, mark)), stream).toEqual(minimum[stream]);
      expect(outcome.records, stream).toEqual([]);
      expect(outcome.deletions, stream).toEqual([]);
      expect(outcome.final, stream).toEqual(states.get(stream));
    }
  });

  it("after inserts, updates and deletes, an incremental read yields exactly the changes and the mirror matches", async () => {
    const summary = sim.dataset.applyChanges({
      seed: 11,
      changes: {
        contacts: { inserts: 5, updates: 7, deletes: 3 },
        companies: { inserts: 2, updates: 3, deletes: 1 },
        deals: { inserts: 4, updates: 5, deletes: 2 },
        owners: { inserts: 1, updates: 1, deletes: 1 },
      },
    });
    for (const stream of [...objectStreams, "owners"] as const) {
      const applied = summary.applied[stream]!;
      const changedIds = [...applied.inserted, ...applied.updated].map((key) => (JSON.parse(key) as { id: string }).id).sort();
      const outcome = await read(sim, stream, states.get(stream));
      if (stream === "owners") {
        // A deactivated owner stays a record, archived.
        changedIds.push(...applied.deleted.map((key) => (JSON.parse(key) as { id: string }).id));
        expect(outcome.records.map((record) => record.id).sort(), stream).toEqual(changedIds.sort());
        expect(outcome.deletions).toEqual([]);
      } else {
        expect(outcome.records.map((record) => record.id).sort(), stream).toEqual(changedIds);
        expect(outcome.deletions.map((key) => key.id).sort(), stream).toEqual(
          applied.deleted.map((key) => (JSON.parse(key) as { id: string }).id).sort(),
        );
      }
      const mirror = mirrors.get(stream)!.apply(outcome);
      expect(mirror.sorted(), stream).toEqual(sortedTruth(sim, stream));
      states.set(stream, outcome.final);

      // And a second run right after finds nothing new: the cursor moved past the changes.
      const again = await read(sim, stream, outcome.final);
      expect(again.records, stream).toEqual([]);
      expect(again.deletions, stream).toEqual([]);
    }
  });

  it("association streams follow their parents: new associations arrive with the parent's next change", async () => {
    // Fresh association mirrors (deleted parents' rows only leave on a full refresh, see the docs).
    for (const stream of associationStreams) {
      const outcome = await read(sim, stream);
      mirrors.set(stream, new Mirror(stream).apply(outcome));
      states.set(stream, outcome.final);
    }
    const summary = sim.dataset.applyChanges({
      seed: 12,
      changes: {
        contact_companies: { inserts: 4 },
        deal_contacts: { inserts: 5 },
        deal_companies: { inserts: 2 },
        contacts: { inserts: 3, updates: 2 },
        deals: { inserts: 2, updates: 2 },
      },
    });
    for (const stream of associationStreams) {
      const outcome = await read(sim, stream, states.get(stream));
      const keys = new Set(outcome.records.map((record) => keyOf(stream, record)));
      for (const inserted of summary.applied[stream]!.inserted) {
        const row = JSON.parse(inserted) as SourceRecord;
        expect(keys.has(keyOf(stream, row)), `${stream} ${inserted}`).toBe(true);
      }
      const mirror = mirrors.get(stream)!.apply(outcome);
      expect(mirror.sorted(), stream).toEqual(sortedTruth(sim, stream));
      states.set(stream, outcome.final);
    }
  });

  it("waits out a rate limit mid-read (HubSpot's window, here 1 s) and yields the same records", async () => {
    const mark = sim.requests.all().length;
    const outcome = await read(sim, "contacts", undefined, () => sim.faults.inject({ kind: "rate_limit", pathPrefix: "/crm/v3/objects/contacts" }));
    expect(summarize(requestsSince(sim, mark))).toEqual([
      "GET /crm/v3/objects/contacts 200",
      "GET /crm/v3/objects/contacts 429",
      "GET /crm/v3/objects/contacts 200",
      "GET /crm/v3/objects/contacts 200",
    ]);
    expect(new Mirror("contacts").apply(outcome).sorted()).toEqual(sortedTruth(sim, "contacts"));
  });

  it("waits out the search API's per-second limit", async () => {
    sim.dataset.applyChanges({ seed: 13, changes: { contacts: { updates: 3 } } });
    sim.faults.inject({ kind: "rate_limit", pathPrefix: "/crm/v3/objects/contacts/search" });
    const mark = sim.requests.all().length;
    const outcome = await read(sim, "contacts", states.get("contacts"));
    expect(summarize(requestsSince(sim, mark)).slice(0, 2)).toEqual([
      "POST /crm/v3/objects/contacts/search 429",
      "POST /crm/v3/objects/contacts/search 200",
    ]);
    // Everything modified since the last contacts read: these three, and the contacts the
    // association changes touched.
    const since = Date.parse(String(states.get("contacts")!.cursor));
    const expected = sortedTruth(sim, "contacts").filter((record) => Date.parse(String(record.updatedAt)) >= since);
    expect(expected.length).toBeGreaterThan(3);
    expect(new Mirror("contacts").apply(outcome).sorted()).toEqual(expected);
    mirrors.get("contacts")!.apply(outcome);
    states.set("contacts", outcome.final);
  });

  it("loses nothing when records already read are modified during the read", async () => {
    // With `after` offsets, every record modified behind the read moves to the end of the order and
    // the next page skips one unread record; the keyset walk reads the moved records again instead.
    sim.dataset.applyChanges({ seed: 14, changes: { contacts: { updates: 220 } } });
    let modifiedDuringRead: string[] = [];
    const outcome = await read(sim, "contacts", states.get("contacts"), () => {
      const summary = sim.dataset.applyChanges({ seed: 15, changes: { contacts: { updates: 40 } } });
      modifiedDuringRead = summary.applied.contacts!.updated.map((key) => (JSON.parse(key) as { id: string }).id);
    });
    expect(modifiedDuringRead).toHaveLength(40);
    const mirror = mirrors.get("contacts")!.apply(outcome);
    expect(mirror.sorted()).toEqual(sortedTruth(sim, "contacts"));
    states.set("contacts", outcome.final);
  });

  it("retries a 500 and a Cloudflare 502 mid-read", async () => {
    const mark = sim.requests.all().length;
    const outcome = await read(sim, "contacts", undefined, () => {
      sim.faults.inject({ kind: "server_error", pathPrefix: "/crm/v3/objects/contacts" });
      sim.faults.inject({ kind: "server_error", status: 502, pathPrefix: "/crm/v3/objects/contacts" });
    });
    expect(summarize(requestsSince(sim, mark))).toEqual([
      "GET /crm/v3/objects/contacts 200",
      "GET /crm/v3/objects/contacts 500",
      "GET /crm/v3/objects/contacts 502",
      "GET /crm/v3/objects/contacts 200",
      "GET /crm/v3/objects/contacts 200",
    ]);
    expect(new Mirror("contacts").apply(outcome).sorted()).toEqual(sortedTruth(sim, "contacts"));

    sim.faults.inject({ kind: "server_error", pathPrefix: "/crm/v4/associations/deals/contacts" });
    const associations = await read(sim, "deal_contacts");
    expect(new Mirror("deal_contacts").apply(associations).sorted()).toEqual(sortedTruth(sim, "deal_contacts"));
  });
});

describe("hubspot read: search beyond HubSpot's 10,000-result cap", () => {
  let sim: RunningHubspotSimulator;

  beforeAll(async () => {
    sim = await startHubspotSimulator({ dataset: { seed: 3, contacts: 10_300, companies: 0, deals: 0, owners: 1, archivedOwners: 0 } });
  });

  afterAll(async () => {
    await sim.close();
  });

  it("the simulator refuses to page a search past 10,000 results, as HubSpot does", async () => {
    const search = (after: number) =>
      fetch(`${sim.url}/crm/v3/objects/contacts/search`, {
        method: "POST",
        headers: { authorization: `Bearer ${hubspotDemoToken}`, "content-type": "application/json" },
        body: JSON.stringify({ limit: 200, after }),
      });
    const last = await search(9_800);
    expect(last.status).toBe(200);
    expect(await last.json()).toMatchObject({ total: 10_300, paging: { next: { after: "10000" } } });
    const beyond = await search(10_000);
    expect(beyond.status).toBe(400);
    expect(await beyond.json()).toMatchObject({ status: "error", category: "VALIDATION_ERROR" });
  });

  it("reads 10,100 changed records in one run without reaching the cap, and resumes a full pass from a checkpoint", async () => {
    const full = await read(sim, "contacts");
    expect(full.records).toHaveLength(10_300);
    expect(full.calls).toBe(103);
    // A checkpoint every ten pages; resuming from the last one reads only the pages after it.
    expect(full.states).toHaveLength(11);
    const checkpoint = full.states[9]!;
    expect(checkpoint).toMatchObject({ cursor: null, extra: { list: { after: expect.any(String) } } });
    const resumed = await read(sim, "contacts", checkpoint);
    expect(resumed.calls).toBe(3);
    expect(resumed.final).toEqual(full.final);
    expect(resumed.records.map((record) => record.id)).toEqual(full.records.slice(10_000).map((record) => record.id));

    const summary = sim.dataset.applyChanges({ seed: 5, changes: { contacts: { updates: 10_100 } } });
    const mark = sim.requests.all().length;
    const outcome = await read(sim, "contacts", full.final);
    const searches = requestsSince(sim, mark).filter((request) => request.path.endsWith("/search"));
    expect(searches.every((request) => request.status === 200)).toBe(true);
    // About 200 new records per search, keyset-paged: never an `after` offset, so never near the cap.
    expect(searches.length).toBeGreaterThanOrEqual(51);
    expect(searches.length).toBeLessThanOrEqual(54);
    const updated = summary.applied.contacts!.updated.map((key) => (JSON.parse(key) as { id: string }).id);
    expect(outcome.records).toHaveLength(10_100);
    expect(new Set(outcome.records.map((record) => record.id))).toEqual(new Set(updated));
    const mirror = new Mirror("contacts").apply(full).apply(outcome);
    expect(mirror.sorted()).toEqual(sortedTruth(sim, "contacts"));
  });
});

describe("hubspot read: many records in one millisecond, and associations past one page", () => {
  let sim: RunningHubspotSimulator;

  beforeAll(async () => {
    // Every change of a batch in the same millisecond, as a bulk edit in HubSpot leaves them; and
    // deals with more contacts than one batch-read answer holds per deal.
    sim = await startHubspotSimulator({
      dataset: { seed: 9, contacts: 700, companies: 3, deals: 2, owners: 2, associationsPerDeal: 620, changeStepMs: 0 },
    });
  });

  afterAll(async () => {
    await sim.close();
  });

  it("drains a millisecond shared by 450 records by id, then moves on", async () => {
    const full = await read(sim, "contacts");
    const summary = sim.dataset.applyChanges({ seed: 1, changes: { contacts: { updates: 450 } } });
    const mark = sim.requests.all().length;
    const outcome = await read(sim, "contacts", full.final);
    const searches = requestsSince(sim, mark).filter((request) => request.path.endsWith("/search"));
    // One search finds a page all in one millisecond; three more drain it by id (200 + 200 + 50),
    // and a last one confirms nothing follows it.
    expect(searches.map((request) => request.status)).toEqual([200, 200, 200, 200, 200]);
    expect(outcome.records).toHaveLength(450);
    expect(new Set(outcome.records.map((record) => record.id))).toEqual(
      new Set(summary.applied.contacts!.updated.map((key) => (JSON.parse(key) as { id: string }).id)),
    );
    expect(new Mirror("contacts").apply(full).apply(outcome).sorted()).toEqual(sortedTruth(sim, "contacts"));
    const again = await read(sim, "contacts", outcome.final);
    expect(again.records).toEqual([]);
  });

  it("follows a deal's own association paging past 500 contacts", async () => {
    const mark = sim.requests.all().length;
    const outcome = await read(sim, "deal_contacts");
    expect(summarize(requestsSince(sim, mark))).toEqual([
      "GET /crm/v3/objects/deals 200",
      "POST /crm/v4/associations/deals/contacts/batch/read 200",
      "POST /crm/v4/associations/deals/contacts/batch/read 200",
    ]);
    expect(outcome.records.length).toBeGreaterThan(1_000);
    expect(new Mirror("deal_contacts").apply(outcome).sorted()).toEqual(sortedTruth(sim, "deal_contacts"));
  });
});
