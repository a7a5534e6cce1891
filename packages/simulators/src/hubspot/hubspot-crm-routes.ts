import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import {
  associationTypes,
  hubspotDefaultProperties,
  knownProperties,
  lastModifiedProperty,
  objectTypeOf,
  singularOf,
  type CrmObjectType,
} from "./hubspot-crm-schema.js";
import { lowerBoundOf, type CrmRecord, type HubspotDataset } from "./hubspot-dataset.js";
import { hubspotErrors, sendHubspot, sendHubspotRaw, type HubspotAnswer } from "./hubspot-errors.js";
import type { HubspotTokenGrant } from "./hubspot-fixtures.js";
import { authenticate, isRefusal, type Authenticated, type HubspotRouteContext } from "./hubspot-routes.js";

/** HubSpot's page-size and batch caps, as its API references state them. */
export const hubspotPageCaps = {
  /** `GET /crm/v3/objects/{type}`: default 10, at most 100. */
  list: 100,
  /** `POST /crm/v3/objects/{type}/search`: default 10, at most 200. */
  search: 200,
  /** Results one search query can reach through `after`, whatever the page size. */
  searchResults: 10_000,
  /** `GET /crm/v3/owners`: default 100, at most 500. */
  owners: 500,
  /** `POST /crm/v4/associations/{from}/{to}/batch/read`: inputs per request. */
  associationInputs: 1_000,
  /** Associations returned per input before its own `paging.next.after` (assumed; see the docs page). */
  associationsPerObject: 500,
} as const;

export interface HubspotCrmRouteContext extends HubspotRouteContext {
  dataset: HubspotDataset;
  baseUrl: () => string;
}

type Query = Record<string, string | string[] | undefined>;

const readScope = (type: CrmObjectType) => `crm.objects.${type}.read`;

export function registerHubspotCrmRoutes(app: FastifyInstance, context: HubspotCrmRouteContext): void {
  const { dataset } = context;

  app.get<{ Params: { objectType: string }; Querystring: Query }>("/crm/v3/objects/:objectType", async (request, reply) => {
    const auth = authenticate(request, context);
    if (isRefusal(auth)) return sendHubspot(reply, auth);
    const type = objectTypeOf(request.params.objectType);
    if (!type) return sendHubspot(reply, hubspotErrors.unknownObjectType(request.params.objectType));
    const denied = missingScopes(auth.grant, [readScope(type)]);
    if (denied) return sendHubspot(reply, denied);

    const limit = parseLimit(first(request.query.limit), 10, hubspotPageCaps.list);
    if (typeof limit !== "number") return sendHubspot(reply, limit);
    const after = first(request.query.after);
    if (after !== undefined && !/^\d+$/.test(after)) return sendHubspot(reply, hubspotErrors.invalidParameter("after", "Invalid paging cursor"));
    const archived = first(request.query.archived) === "true";
    const properties = propertyList(type, request.query.properties);

    const table = dataset.tables[type];
    const ids = archived ? table.archivedIds : table.liveIds;
    const start = after === undefined ? 0 : lowerBoundOf(ids, Number(after));
    const page = ids.slice(start, start + limit);
    const rendered = page.map((numericId) => dataset.renderRecord(type, table.get(String(numericId)) as CrmRecord, properties.names, properties.key));
    const next = ids[start + limit];
    const paging =
      next === undefined
        ? ""
        : `,"paging":${JSON.stringify({
            next: { after: String(next), link: `${context.baseUrl()}/crm/v3/objects/${type}?limit=${limit}&after=${next}${archived ? "&archived=true" : ""}` },
          })}`;
    return sendHubspotRaw(reply, 200, auth.rateLimitHeaders, `{"results":[${rendered.join(",")}]${paging}}`);
  });

  app.post<{ Params: { objectType: string } }>("/crm/v3/objects/:objectType/search", async (request, reply) => {
    const auth = authenticate(request, context, undefined, { search: true });
    if (isRefusal(auth)) return sendHubspot(reply, auth);
    const type = objectTypeOf(request.params.objectType);
    if (!type) return sendHubspot(reply, hubspotErrors.unknownObjectType(request.params.objectType));
    const denied = missingScopes(auth.grant, [readScope(type)]);
    if (denied) return sendHubspot(reply, denied);
    const answer = search(dataset, type, (request.body ?? {}) as SearchBody);
    if ("status" in answer) return sendHubspot(reply, answer);
    return sendHubspotRaw(reply, 200, auth.rateLimitHeaders, answer.body);
  });

  const owners = async (request: FastifyRequest<{ Querystring: Query }>, reply: FastifyReply) => {
    const auth = authenticate(request, context);
    if (isRefusal(auth)) return sendHubspot(reply, auth);
    const denied = missingScopes(auth.grant, ["crm.objects.owners.read"]);
    if (denied) return sendHubspot(reply, denied);
    const limit = parseLimit(first(request.query.limit), 100, hubspotPageCaps.owners);
    if (typeof limit !== "number") return sendHubspot(reply, limit);
    const after = first(request.query.after);
    if (after !== undefined && !/^\d+$/.test(after)) return sendHubspot(reply, hubspotErrors.invalidParameter("after", "Invalid paging cursor"));
    const archived = first(request.query.archived) === "true";
    const email = first(request.query.email)?.toLowerCase();
    const matching = dataset.ownerIds.filter((numericId) => {
      const owner = dataset.owners.get(String(numericId));
      return owner !== undefined && owner.archived === archived && (email === undefined || owner.email.toLowerCase() === email);
    });
    const start = after === undefined ? 0 : lowerBoundOf(matching, Number(after));
    const page = matching.slice(start, start + limit);
    const rendered = page.map((numericId) => dataset.renderOwner(dataset.owners.get(String(numericId))!));
    const next = matching[start + limit];
    const paging =
      next === undefined
        ? ""
        : `,"paging":${JSON.stringify({
            next: { after: String(next), link: `${context.baseUrl()}/crm/v3/owners/?limit=${limit}&after=${next}${archived ? "&archived=true" : ""}` },
          })}`;
    return sendHubspotRaw(reply, 200, auth.rateLimitHeaders, `{"results":[${rendered.join(",")}]${paging}}`);
  };
  app.get("/crm/v3/owners", owners);
  app.get("/crm/v3/owners/", owners);

  app.post<{ Params: { from: string; to: string } }>("/crm/v4/associations/:from/:to/batch/read", async (request, reply) => {
    const auth = authenticate(request, context);
    if (isRefusal(auth)) return sendHubspot(reply, auth);
    const from = objectTypeOf(request.params.from);
    const to = objectTypeOf(request.params.to);
    if (!from) return sendHubspot(reply, hubspotErrors.unknownObjectType(request.params.from));
    if (!to) return sendHubspot(reply, hubspotErrors.unknownObjectType(request.params.to));
    const denied = missingScopes(auth.grant, [readScope(from), readScope(to)]);
    if (denied) return sendHubspot(reply, denied);
    const answer = readAssociations(dataset, from, to, request.body as { inputs?: unknown } | undefined, auth);
    return sendHubspot(reply, answer);
  });
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function parseLimit(value: string | number | undefined, fallback: number, max: number): number | HubspotAnswer {
  if (value === undefined || value === "") return fallback;
  const limit = Number(value);
  if (!Number.isInteger(limit) || limit < 1) return hubspotErrors.invalidParameter("limit", "Must be greater than or equal to 1");
  if (limit > max) return hubspotErrors.invalidParameter("limit", `Must be less than or equal to ${max}`);
  return limit;
}

/** The requested property names (comma-separated, repeated, or both), sorted as HubSpot returns them. */
function propertyList(type: CrmObjectType, raw: string | string[] | undefined): { names: string[]; key: string } {
  const requested = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).flatMap((value) => value.split(",")).map((name) => name.trim()).filter(Boolean);
  const names = [...new Set(requested.length > 0 ? requested : hubspotDefaultProperties[type])].sort();
  return { names, key: names.join(",") };
}

function missingScopes(grant: HubspotTokenGrant, needed: string[]): HubspotAnswer | undefined {
  const missing = needed.filter((scope) => !grant.scopes.includes(scope));
  return missing.length > 0 ? hubspotErrors.missingScopes(missing) : undefined;
}

// ---------------------------------------------------------------- search

interface SearchFilter {
  propertyName?: unknown;
  operator?: unknown;
  value?: unknown;
  highValue?: unknown;
  values?: unknown;
}

interface SearchBody {
  filterGroups?: Array<{ filters?: SearchFilter[] }>;
  sorts?: Array<string | { propertyName?: string; direction?: string }>;
  properties?: string[];
  limit?: number | string;
  after?: number | string;
  query?: string;
}

interface Condition {
  property: string;
  operator: string;
  value?: string;
  highValue?: string;
  values?: string[];
}

const rangeOperators = new Set(["EQ", "GT", "GTE", "LT", "LTE", "BETWEEN"]);

/**
 * Answers a search: the common shape — one filter group on the last-modified date, sorted by it — is
 * served from the index in O(log n) per result; anything else is evaluated over the candidates.
 */
function search(dataset: HubspotDataset, type: CrmObjectType, body: SearchBody): { body: string } | HubspotAnswer {
  const limit = parseLimit(body.limit, 10, hubspotPageCaps.search);
  if (typeof limit !== "number") return limit;
  const after = body.after === undefined || body.after === null || body.after === "" ? 0 : Number(body.after);
  if (!Number.isInteger(after) || after < 0) return hubspotErrors.invalidParameter("after", "Invalid paging cursor", "body");
  if (after >= hubspotPageCaps.searchResults) return hubspotErrors.searchResultCap(after);

  const lastModified = lastModifiedProperty[type];
  const known = knownProperties[type];
  const groups: Condition[][] = [];
  for (const group of body.filterGroups ?? []) {
    const conditions: Condition[] = [];
    for (const filter of group.filters ?? []) {
      const property = String(filter.propertyName ?? "");
      if (!known.has(property)) return hubspotErrors.unknownProperty(property, type);
      conditions.push({
        property,
        operator: String(filter.operator ?? "EQ").toUpperCase(),
        value: filter.value === undefined ? undefined : String(filter.value),
        highValue: filter.highValue === undefined ? undefined : String(filter.highValue),
        values: Array.isArray(filter.values) ? filter.values.map(String) : undefined,
      });
    }
    if (conditions.length > 0) groups.push(conditions);
  }
  const sort = parseSort(body.sorts?.[0]);
  if (sort && !known.has(sort.property)) return hubspotErrors.unknownProperty(sort.property, type);
  const properties = propertyList(type, body.properties);
  const table = dataset.tables[type];
  const render = (id: string) => dataset.renderRecord(type, table.get(id) as CrmRecord, properties.names, properties.key);

  let total: number;
  let ids: string[];
  const fast =
    !body.query &&
    groups.length <= 1 &&
    (groups[0] ?? []).every((condition) => condition.property === lastModified && rangeOperators.has(condition.operator)) &&
    (!sort || sort.property === lastModified);
  if (fast) {
    const [start, end] = indexRange(dataset, type, groups[0] ?? []);
    total = Math.max(0, table.index.countBetween(start, end));
    const descending = sort?.descending === true;
    ids = [];
    for (let rank = after; rank < Math.min(total, after + limit); rank += 1) {
      const id = table.index.idAt(start, descending ? total - 1 - rank : rank);
      if (id !== undefined) ids.push(id);
    }
  } else {
    const candidates = candidateIds(dataset, type, groups, lastModified);
    const matches = candidates
      .map((id) => table.get(id) as CrmRecord)
      .filter((record) => groups.length === 0 || groups.some((group) => group.every((condition) => holds(type, record, condition))))
      .filter((record) => !body.query || matchesQuery(record, body.query));
    const order = sort ?? { property: "hs_object_id", descending: false };
    matches.sort((a, b) => {
      const compared = compareValues(valueOf(type, a, order.property), valueOf(type, b, order.property));
      return (order.descending ? -compared : compared) || a.numericId - b.numericId;
    });
    total = matches.length;
    ids = matches.slice(after, after + limit).map((record) => record.id);
  }
  const nextAfter = after + limit;
  const paging = nextAfter < total ? `,"paging":{"next":{"after":"${nextAfter}"}}` : "";
  return { body: `{"total":${total},"results":[${ids.map(render).join(",")}]${paging}}` };
}

function parseSort(sort: string | { propertyName?: string; direction?: string } | undefined): { property: string; descending: boolean } | undefined {
  if (sort === undefined) return undefined;
  if (typeof sort === "string") return sort.startsWith("-") ? { property: sort.slice(1), descending: true } : { property: sort, descending: false };
  return { property: String(sort.propertyName ?? ""), descending: String(sort.direction ?? "ASCENDING").toUpperCase() === "DESCENDING" };
}

/** Index positions [start, end) of the entries a group of last-modified range filters admits. */
function indexRange(dataset: HubspotDataset, type: CrmObjectType, conditions: Condition[]): [number, number] {
  const index = dataset.tables[type].index;
  let start = 0;
  let end = Number.MAX_SAFE_INTEGER;
  for (const condition of conditions) {
    const value = toMillis(condition.value);
    const high = toMillis(condition.highValue);
    switch (condition.operator) {
      case "GTE":
        start = Math.max(start, index.lowerBound(value));
        break;
      case "GT":
        start = Math.max(start, index.upperBound(value));
        break;
      case "LTE":
        end = Math.min(end, index.upperBound(value));
        break;
      case "LT":
        end = Math.min(end, index.lowerBound(value));
        break;
      case "EQ":
        start = Math.max(start, index.lowerBound(value));
        end = Math.min(end, index.upperBound(value));
        break;
      case "BETWEEN":
        start = Math.max(start, index.lowerBound(value));
        end = Math.min(end, index.upperBound(high));
        break;
    }
  }
  end = Math.min(end, index.upperBound(Number.MAX_SAFE_INTEGER));
  return [start, Math.max(start, end)];
}

/** Records worth evaluating: the index ranges of groups that bound the last-modified date, else every live record. */
function candidateIds(dataset: HubspotDataset, type: CrmObjectType, groups: Condition[][], lastModified: string): string[] {
  const table = dataset.tables[type];
  const bounded = groups.length > 0 && groups.every((group) => group.some((condition) => condition.property === lastModified && rangeOperators.has(condition.operator)));
  if (!bounded) return table.liveIds.map(String);
  const ids = new Set<string>();
  for (const group of groups) {
    const [start, end] = indexRange(
      dataset,
      type,
      group.filter((condition) => condition.property === lastModified && rangeOperators.has(condition.operator)),
    );
    for (const id of table.index.idsBetween(start, end)) ids.add(id);
  }
  return [...ids];
}

function valueOf(type: CrmObjectType, record: CrmRecord, property: string): string | number | null {
  if (property === "hs_object_id") return record.numericId;
  if (property === "createdate") return record.createdAt;
  if (property === lastModifiedProperty[type]) return record.updatedAt;
  return record.props[property] ?? null;
}

function compareValues(a: string | number | null, b: string | number | null): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? 1 : -1;
  const left = typeof a === "number" ? a : Number(a);
  const right = typeof b === "number" ? b : Number(b);
  if (!Number.isNaN(left) && !Number.isNaN(right) && String(a).trim() !== "" && String(b).trim() !== "") return left - right;
  return String(a).localeCompare(String(b));
}

function holds(type: CrmObjectType, record: CrmRecord, condition: Condition): boolean {
  const actual = valueOf(type, record, condition.property);
  const isTime = typeof actual === "number" && condition.property !== "hs_object_id";
  const expected = (raw: string | undefined): string | number | null => (raw === undefined ? null : isTime ? toMillis(raw) : raw);
  switch (condition.operator) {
    case "HAS_PROPERTY":
      return actual !== null && actual !== "";
    case "NOT_HAS_PROPERTY":
      return actual === null || actual === "";
    case "IN":
      return (condition.values ?? []).some((value) => compareValues(actual, expected(value)) === 0);
    case "NOT_IN":
      return !(condition.values ?? []).some((value) => compareValues(actual, expected(value)) === 0);
    case "CONTAINS_TOKEN":
      return typeof actual === "string" && actual.toLowerCase().includes(String(condition.value ?? "").replaceAll("*", "").toLowerCase());
    default: {
      if (actual === null) return condition.operator === "NEQ";
      const compared = compareValues(actual, expected(condition.value));
      switch (condition.operator) {
        case "EQ":
          return compared === 0;
        case "NEQ":
          return compared !== 0;
        case "GT":
          return compared > 0;
        case "GTE":
          return compared >= 0;
        case "LT":
          return compared < 0;
        case "LTE":
          return compared <= 0;
        case "BETWEEN":
          return compared >= 0 && compareValues(actual, expected(condition.highValue)) <= 0;
        default:
          return false;
      }
    }
  }
}

function matchesQuery(record: CrmRecord, query: string): boolean {
  const needle = query.toLowerCase();
  return Object.values(record.props).some((value) => value?.toLowerCase().includes(needle));
}

/** Date filter values: epoch milliseconds (as HubSpot's examples send them) or an ISO 8601 string. */
function toMillis(value: string | undefined): number {
  if (value === undefined) return Number.NaN;
  if (/^-?\d+$/.test(value.trim())) return Number(value);
  return Date.parse(value);
}

// ---------------------------------------------------------------- associations

function readAssociations(
  dataset: HubspotDataset,
  from: CrmObjectType,
  to: CrmObjectType,
  body: { inputs?: unknown } | undefined,
  auth: Authenticated,
): HubspotAnswer {
  if (!associationTypes[`${from}:${to}`]) {
    return hubspotErrors.invalidParameter("toObjectType", `No association definitions between ${from} and ${to}`, "body");
  }
  if (!Array.isArray(body?.inputs)) return hubspotErrors.invalidParameter("inputs", "must not be null", "body");
  if (body.inputs.length > hubspotPageCaps.associationInputs) {
    return hubspotErrors.invalidParameter("inputs", `Batch read inputs must contain at most ${hubspotPageCaps.associationInputs} entries`, "body");
  }
  const startedAt = new Date(dataset.clock).toISOString();
  const targets = dataset.tables[to];
  const results: unknown[] = [];
  const errors: unknown[] = [];
  for (const input of body.inputs as Array<{ id?: unknown; after?: unknown }>) {
    const id = String(input?.id ?? "");
    const parent = dataset.tables[from].live(id);
    const associated = parent ? [...(dataset.associationsOf(from, to, id) ?? new Map()).entries()].filter(([toId]) => targets.live(toId)) : [];
    const offset = typeof input?.after === "string" ? decodeAfter(input.after) : 0;
    const page = associated.slice(offset, offset + hubspotPageCaps.associationsPerObject);
    if (page.length === 0) {
      errors.push({
        status: "error",
        category: "OBJECT_NOT_FOUND",
        subCategory: "crm.associations.NO_ASSOCIATIONS_FOUND",
        message: `No ${singularOf[to]} is associated with ${singularOf[from]} ${id}.`,
        context: { fromObjectId: [id], fromObjectType: [singularOf[from]], toObjectType: [singularOf[to]] },
      });
      continue;
    }
    const result: Record<string, unknown> = {
      from: { id },
      to: page.map(([toId, types]) => ({ toObjectId: Number(toId), associationTypes: types })),
    };
    if (offset + page.length < associated.length) {
      result.paging = { next: { after: encodeAfter(offset + page.length), link: null } };
    }
    results.push(result);
  }
  const completedAt = startedAt;
  // 207 Multi-Status when some inputs had no associations: the batch itself still succeeded.
  if (errors.length > 0) {
    return {
      status: 207,
      headers: auth.rateLimitHeaders,
      body: { status: "COMPLETE", results, numErrors: errors.length, errors, startedAt, completedAt },
    };
  }
  return { status: 200, headers: auth.rateLimitHeaders, body: { status: "COMPLETE", results, startedAt, completedAt } };
}

/** Per-input paging tokens look like HubSpot's: opaque, base64, URL-safe. */
function encodeAfter(offset: number): string {
  return Buffer.from(`0-${offset}`).toString("base64url");
}

function decodeAfter(token: string): number {
  const match = /^0-(\d+)$/.exec(Buffer.from(token, "base64url").toString("utf8"));
  return match ? Number(match[1]) : 0;
}
