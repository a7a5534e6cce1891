import type { StreamState } from "../core/connector-types.js";
import type { ProviderHttpClient } from "../core/provider-http.js";
import { lastModifiedProperty, type HubspotObjectType } from "./hubspot-properties.js";
import {
  hubspotLimits,
  listObjects,
  millisOf,
  searchIndexLagMs,
  searchObjects,
  type HubspotObject,
  type SearchRequest,
} from "./hubspot-read-api.js";

/**
 * The state a HubSpot stream saves. `cursor` is the first instant not yet covered: every record
 * last modified before it has been read. `extra.list` marks a full pass that stopped part-way
 * (resume the list at `after`; `startedAt` becomes the cursor when it ends). `extra.archivedSince`:
 * deletions (archived records) at or after this instant are still to be reported.
 */
export interface HubspotStreamState {
  cursorMs?: number;
  list?: { after: string; startedAtMs: number };
  archivedSinceMs?: number;
  archivedOwnerIds?: string[];
}

export function parseHubspotState(state: StreamState | undefined): HubspotStreamState {
  if (!state) return {};
  const parsed: HubspotStreamState = {};
  const cursor = timeOf(state.cursor);
  if (cursor !== undefined) parsed.cursorMs = cursor;
  const extra = state.extra ?? {};
  const list = extra.list as { after?: unknown; startedAt?: unknown } | undefined;
  const startedAt = timeOf(list?.startedAt);
  if (list && typeof list.after === "string" && startedAt !== undefined) parsed.list = { after: list.after, startedAtMs: startedAt };
  const archivedSince = timeOf(extra.archivedSince);
  if (archivedSince !== undefined) parsed.archivedSinceMs = archivedSince;
  if (Array.isArray(extra.archivedOwnerIds)) parsed.archivedOwnerIds = extra.archivedOwnerIds.filter((id): id is string => typeof id === "string");
  return parsed;
}

function timeOf(value: unknown): number | undefined {
  if (typeof value === "number" && Number.isFinite(value)) return value;
  if (typeof value !== "string") return undefined;
  const parsed = Date.parse(value);
  return Number.isNaN(parsed) ? undefined : parsed;
}

export function iso(milliseconds: number): string {
  return new Date(milliseconds).toISOString();
}

export interface ListPage {
  records: HubspotObject[];
  /** The `after` of the next page; undefined on the last one. */
  next: string | undefined;
  /** When the full pass began, on the server's clock, less the index lag: the cursor once it ends. */
  startedAtMs: number;
}

/**
 * A full pass over the live records of a type with the list endpoint, 100 per page in id order,
 * resumable from a saved `after`.
 */
export async function* walkList(
  client: ProviderHttpClient,
  type: HubspotObjectType,
  properties: readonly string[],
  resume: { after: string; startedAtMs: number } | undefined,
): AsyncGenerator<ListPage> {
  let after = resume?.after;
  let startedAtMs = resume?.startedAtMs;
  do {
    const page = await listObjects(client, type, { properties, after, archived: false });
    startedAtMs ??= page.serverTime - searchIndexLagMs;
    yield { records: page.results, next: page.next, startedAtMs };
    after = page.next;
  } while (after !== undefined);
}

export interface ChangesPage {
  records: HubspotObject[];
  /** A cursor that covers every record yielded so far (and maybe a few more that will be read again). */
  checkpointMs: number;
}

/**
 * The records of a type last modified at or after `fromMs`, oldest first, read with the search API.
 *
 * Each page is a fresh search `lastmodified GTE boundary` sorted ascending, where `boundary` is the
 * last-modified date of the previous page's last record: keyset paging rather than `after` offsets.
 * Offsets shift when a record already read is modified during the read (it moves to the end of the
 * order and the next page skips one unread record), and they stop at HubSpot's 10,000-result cap;
 * a new search per page has neither problem and never comes near the cap. The records of the boundary
 * millisecond already read come back and are dropped by id. When a whole page shares one millisecond
 * (more records were modified in it than a page holds, as bulk edits do), that millisecond is drained
 * by `hs_object_id` — `lastmodified EQ t AND hs_object_id GT last id`, sorted by id — and the walk
 * moves on from the next millisecond.
 *
 * Returns the cursor for the next run: past the newest record read, but never later than the server's
 * clock at the first answer minus `searchIndexLagMs`.
 */
export async function* walkChanges(
  client: ProviderHttpClient,
  type: HubspotObjectType,
  properties: readonly string[],
  fromMs: number,
): AsyncGenerator<ChangesPage, number> {
  const lastModified = lastModifiedProperty[type];
  let boundary = fromMs;
  let seenAtBoundary = new Set<string>();
  let ceiling: number | undefined;
  let newest: number | undefined;
  const request = (filters: SearchRequest["filterGroups"][number]["filters"], sortBy: string): SearchRequest => ({
    filterGroups: [{ filters }],
    sorts: [{ propertyName: sortBy, direction: "ASCENDING" }],
    properties,
    limit: hubspotLimits.searchPage,
  });
  const checkpoint = () => Math.min(boundary, ceiling ?? boundary);
  const note = (record: HubspotObject) => {
    const modified = millisOf(record.updatedAt, "last-modified date");
    if (newest === undefined || modified > newest) newest = modified;
    return modified;
  };

  for (;;) {
    const page = await searchObjects(client, type, request([{ propertyName: lastModified, operator: "GTE", value: String(boundary) }], lastModified));
    ceiling ??= page.serverTime - searchIndexLagMs;
    const fresh = page.results.filter(
      (record) => !(seenAtBoundary.has(record.id) && millisOf(record.updatedAt, "last-modified date") === boundary),
    );
    for (const record of fresh) note(record);
    const last = page.results[page.results.length - 1];
    if (page.next === undefined || last === undefined) {
      yield { records: fresh, checkpointMs: checkpoint() };
      break;
    }
    const lastModifiedAt = millisOf(last.updatedAt, "last-modified date");
    const firstModifiedAt = millisOf((page.results[0] as HubspotObject).updatedAt, "last-modified date");
    if (firstModifiedAt === lastModifiedAt || lastModifiedAt <= boundary) {
      // The whole page is one millisecond, and more records follow: read that millisecond by id,
      // then carry on after it. (A page ending at or before the boundary would not move the walk
      // forward either; it gets the same treatment.)
      const drained = Math.max(lastModifiedAt, boundary);
      if (drained !== boundary) seenAtBoundary = new Set();
      boundary = drained;
      for (const record of page.results) seenAtBoundary.add(record.id);
      yield { records: fresh, checkpointMs: checkpoint() };
      let lastId = "0";
      for (;;) {
        const drain = await searchObjects(
          client,
          type,
          request(
            [
              { propertyName: lastModified, operator: "EQ", value: String(boundary) },
              { propertyName: "hs_object_id", operator: "GT", value: lastId },
            ],
            "hs_object_id",
          ),
        );
        const unseen = drain.results.filter((record) => !seenAtBoundary.has(record.id));
        for (const record of unseen) {
          note(record);
          seenAtBoundary.add(record.id);
        }
        yield { records: unseen, checkpointMs: checkpoint() };
        const lastDrained = drain.results[drain.results.length - 1];
        if (drain.next === undefined || lastDrained === undefined) break;
        lastId = lastDrained.id;
      }
      boundary += 1;
      seenAtBoundary = new Set();
      continue;
    }
    boundary = lastModifiedAt;
    seenAtBoundary = new Set(page.results.filter((record) => millisOf(record.updatedAt, "last-modified date") === boundary).map((record) => record.id));
    yield { records: fresh, checkpointMs: checkpoint() };
  }
  if (newest === undefined) return fromMs;
  return Math.max(fromMs, Math.min(newest + 1, ceiling ?? newest + 1));
}
