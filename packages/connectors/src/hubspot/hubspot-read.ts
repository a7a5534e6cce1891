import { ConnectorError } from "../core/connector-errors.js";
import type { ReadMessage, SourceRecord, StreamState } from "../core/connector-types.js";
import type { ProviderHttpClient } from "../core/provider-http.js";
import { defaultProperties, type HubspotObjectType } from "./hubspot-properties.js";
import {
  checkpointEveryPages,
  createReadClient,
  hubspotLimits,
  listObjects,
  listOwners,
  millisOf,
  readAssociationBatch,
  searchIndexLagMs,
  type HubspotObject,
  type HubspotReadContext,
} from "./hubspot-read-api.js";
import { iso, parseHubspotState, walkChanges, walkList, type ChangesPage, type HubspotStreamState } from "./hubspot-walkers.js";

/** The association streams: which object's associations to which, and the row's field names. */
export const associationStreamSpecs = {
  contact_companies: { from: "contacts", to: "companies", fromKey: "contact_id", toKey: "company_id", cursorKey: "contact_updated_at" },
  deal_contacts: { from: "deals", to: "contacts", fromKey: "deal_id", toKey: "contact_id", cursorKey: "deal_updated_at" },
  deal_companies: { from: "deals", to: "companies", fromKey: "deal_id", toKey: "company_id", cursorKey: "deal_updated_at" },
} as const satisfies Record<string, AssociationStreamSpec>;

interface AssociationStreamSpec {
  from: HubspotObjectType;
  to: HubspotObjectType;
  fromKey: string;
  toKey: string;
  cursorKey: string;
}

/** Reads one HubSpot stream: records per page, deletions where HubSpot lists them, and checkpoints. */
export async function* readHubspotStream(context: HubspotReadContext): AsyncGenerator<ReadMessage> {
  const name = context.stream.name;
  if (name === "contacts" || name === "companies" || name === "deals") {
    yield* readObjectStream(context, name);
  } else if (name === "owners") {
    yield* readOwnersStream(context);
  } else if (name in associationStreamSpecs) {
    yield* readAssociationStream(context, associationStreamSpecs[name as keyof typeof associationStreamSpecs]);
  } else {
    throw new ConnectorError("bad_request", `The HubSpot connector has no stream "${name}"`, { field: "stream" });
  }
}

/** The saved state, unless the run starts over (a full refresh ignores it). */
function startingState(context: HubspotReadContext): HubspotStreamState {
  return context.syncMode === "incremental" ? parseHubspotState(context.state) : {};
}

function stateMessage(cursorMs: number | null, extra: Record<string, unknown> = {}): ReadMessage {
  const state: StreamState = { cursor: cursorMs === null ? null : iso(cursorMs) };
  if (Object.keys(extra).length > 0) state.extra = extra;
  return { type: "state", state };
}

/**
 * contacts, companies, deals. Without a cursor (or with a full pass to resume): the list endpoint,
 * whose end sets the cursor to the pass's start. With a cursor: the changed records through the
 * search API, then the archived records (the recycle bin has no date filter: it is listed whole)
 * reported as deletions when they were archived since the last run.
 */
async function* readObjectStream(context: HubspotReadContext, type: HubspotObjectType): AsyncGenerator<ReadMessage> {
  const client = createReadClient(context);
  const properties = defaultProperties[type];
  const state = startingState(context);

  if (state.list || state.cursorMs === undefined) {
    let startedAtMs = state.list?.startedAtMs;
    let pages = 0;
    for await (const page of walkList(client, type, properties, state.list)) {
      startedAtMs = page.startedAtMs;
      if (page.records.length > 0) yield { type: "records", records: page.records };
      pages += 1;
      if (page.next !== undefined && pages % checkpointEveryPages === 0) {
        yield stateMessage(null, { list: { after: page.next, startedAt: iso(page.startedAtMs) } });
      }
    }
    const cursor = startedAtMs as number;
    yield stateMessage(cursor, { archivedSince: iso(cursor) });
    return;
  }

  const archivedSince = state.archivedSinceMs;
  const keep = archivedSince === undefined ? {} : { archivedSince: iso(archivedSince) };
  const walk = walkChanges(client, type, properties, state.cursorMs);
  let pages = 0;
  let cursor: number;
  for (;;) {
    const step = await walk.next();
    if (step.done) {
      cursor = step.value;
      break;
    }
    if (step.value.records.length > 0) yield { type: "records", records: step.value.records };
    pages += 1;
    if (pages % checkpointEveryPages === 0) yield stateMessage(step.value.checkpointMs, keep);
  }

  let listedAt: number | undefined;
  let after: string | undefined;
  do {
    const page = await listObjects(client, type, { properties: ["hs_object_id"], after, archived: true });
    listedAt ??= page.serverTime - searchIndexLagMs;
    const keys = page.results
      .filter((record) => archivedSince === undefined || millisOf(record.archivedAt ?? record.updatedAt, "archive date") >= archivedSince)
      .map((record) => ({ id: record.id }));
    if (keys.length > 0) yield { type: "deletions", keys };
    after = page.next;
  } while (after !== undefined);
  yield stateMessage(cursor, { archivedSince: iso(Math.max(archivedSince ?? Number.NEGATIVE_INFINITY, listedAt)) });
}

/**
 * owners: the owners API has no date filter and no sort, so every run lists all owners, active then
 * archived, and an incremental run keeps those modified since the cursor, plus owners newly found
 * archived (in case deactivating a user does not move its `updatedAt`).
 */
async function* readOwnersStream(context: HubspotReadContext): AsyncGenerator<ReadMessage> {
  const client = createReadClient(context);
  const state = startingState(context);
  const since = state.cursorMs;
  const knownArchived = new Set(state.archivedOwnerIds ?? []);
  const archivedIds: string[] = [];
  let serverStart: number | undefined;
  let newest: number | undefined;

  for (const archived of [false, true]) {
    let after: string | undefined;
    do {
      const page = await listOwners(client, { after, archived });
      serverStart ??= page.serverTime;
      const records: SourceRecord[] = [];
      for (const owner of page.results) {
        const updatedAt = millisOf(owner.updatedAt, "owner update date");
        if (newest === undefined || updatedAt > newest) newest = updatedAt;
        if (archived) archivedIds.push(owner.id);
        if (since === undefined || updatedAt >= since || (archived && !knownArchived.has(owner.id))) records.push(owner);
      }
      if (records.length > 0) yield { type: "records", records };
      after = page.next;
    } while (after !== undefined);
  }
  const ceiling = (serverStart as number) - searchIndexLagMs;
  const reached = newest === undefined ? ceiling : Math.min(newest + 1, ceiling);
  const cursor = since === undefined ? reached : Math.max(since, reached);
  yield stateMessage(cursor, { archivedOwnerIds: archivedIds.sort() });
}

/**
 * contact_companies, deal_contacts, deal_companies: the parents to read associations for come from
 * the list endpoint (full pass) or the search API (parents modified since the cursor, as adding or
 * removing an association updates the parent's association-count properties); their associations
 * come from the v4 batch read, up to 1,000 parents per request, following each parent's own paging.
 */
async function* readAssociationStream(context: HubspotReadContext, spec: AssociationStreamSpec): AsyncGenerator<ReadMessage> {
  const client = createReadClient(context);
  const state = startingState(context);
  const parentProperties = ["hs_object_id"];
  let pending: HubspotObject[] = [];
  let pendingCheckpoint: ReadMessage | undefined;
  let pages = 0;

  async function* flush(): AsyncGenerator<ReadMessage> {
    if (pending.length > 0) {
      const rows = await associationRows(client, spec, pending);
      if (rows.length > 0) yield { type: "records", records: rows };
    }
    pending = [];
    if (pendingCheckpoint) yield pendingCheckpoint;
    pendingCheckpoint = undefined;
  }

  if (state.list || state.cursorMs === undefined) {
    let startedAtMs = state.list?.startedAtMs;
    for await (const page of walkList(client, spec.from, parentProperties, state.list)) {
      startedAtMs = page.startedAtMs;
      if (pending.length + page.records.length > hubspotLimits.associationInputs) yield* flush();
      pending.push(...page.records);
      pages += 1;
      pendingCheckpoint =
        page.next !== undefined && pages % checkpointEveryPages === 0
          ? stateMessage(null, { list: { after: page.next, startedAt: iso(page.startedAtMs) } })
          : pendingCheckpoint;
    }
    pendingCheckpoint = undefined;
    yield* flush();
    yield stateMessage(startedAtMs as number);
    return;
  }

  const walk = walkChanges(client, spec.from, parentProperties, state.cursorMs);
  let cursor: number;
  for (;;) {
    const step: IteratorResult<ChangesPage, number> = await walk.next();
    if (step.done) {
      cursor = step.value;
      break;
    }
    if (pending.length + step.value.records.length > hubspotLimits.associationInputs) yield* flush();
    pending.push(...step.value.records);
    pages += 1;
    if (pages % checkpointEveryPages === 0) pendingCheckpoint = stateMessage(step.value.checkpointMs);
  }
  pendingCheckpoint = undefined;
  yield* flush();
  yield stateMessage(cursor);
}

/** One row per parent, associated record and association type (an association can carry several labels). */
async function associationRows(client: ProviderHttpClient, spec: AssociationStreamSpec, parents: HubspotObject[]): Promise<SourceRecord[]> {
  // A parent modified during the read can appear twice: its latest version wins.
  const byId = new Map<string, HubspotObject>();
  for (const parent of parents) byId.set(parent.id, parent);
  const rows: SourceRecord[] = [];
  let inputs: Array<{ id: string; after?: string }> = [...byId.keys()].map((id) => ({ id }));
  while (inputs.length > 0) {
    const following: Array<{ id: string; after: string }> = [];
    for (let start = 0; start < inputs.length; start += hubspotLimits.associationInputs) {
      const results = await readAssociationBatch(client, spec.from, spec.to, inputs.slice(start, start + hubspotLimits.associationInputs));
      for (const result of results) {
        const parent = byId.get(result.from.id);
        if (!parent) continue;
        for (const target of result.to) {
          for (const type of target.associationTypes) {
            rows.push({
              [spec.fromKey]: parent.id,
              [spec.toKey]: String(target.toObjectId),
              association_type_id: type.typeId,
              association_category: type.category,
              association_label: type.label ?? null,
              [spec.cursorKey]: parent.updatedAt,
            });
          }
        }
        const after = result.paging?.next?.after;
        if (after) following.push({ id: result.from.id, after });
      }
    }
    inputs = following;
  }
  return rows;
}
