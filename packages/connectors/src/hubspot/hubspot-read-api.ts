import { ConnectorError } from "../core/connector-errors.js";
import type { ReadContext } from "../core/connector-types.js";
import { ProviderHttpClient, type ProviderResponse } from "../core/provider-http.js";
import { readHttpOptions } from "../core/read-helpers.js";
import { createHubspotClassifier } from "./hubspot-classify.js";
import type { HubspotObjectType } from "./hubspot-properties.js";
import type { HubspotConfig, HubspotCredentials } from "./hubspot-schemas.js";
import { hubspotTokenKind, looksLikeHubspotApiKey } from "./hubspot-token.js";

export type HubspotReadContext = ReadContext<HubspotCredentials, HubspotConfig>;

/** HubSpot's caps, from its API references (see docs/connectors/hubspot.md). */
export const hubspotLimits = {
  /** `GET /crm/v3/objects/{type}`: `limit` at most 100. */
  listPage: 100,
  /** `POST /crm/v3/objects/{type}/search`: `limit` at most 200. */
  searchPage: 200,
  /** `GET /crm/v3/owners`: `limit` at most 500. */
  ownersPage: 500,
  /** `POST /crm/v4/associations/{from}/{to}/batch/read`: at most 1,000 inputs (since February 2025). */
  associationInputs: 1_000,
} as const;

/**
 * How long a write may take to reach the search index. HubSpot says "a few seconds"; a cursor never
 * moves past the server's clock minus this margin, so a record written just before a search but
 * indexed just after it is read by the next run instead of being skipped.
 */
export const searchIndexLagMs = 60_000;

/** A state checkpoint every this many pages, besides the one at the end. */
export const checkpointEveryPages = 10;

/** A CRM record as the v3 object APIs return it. */
export interface HubspotObject {
  id: string;
  properties: Record<string, string | null>;
  createdAt: string;
  updatedAt: string;
  archived: boolean;
  archivedAt?: string;
  [field: string]: unknown;
}

export interface HubspotPage<T> {
  results: T[];
  /** `paging.next.after`: present while more results follow. */
  next: string | undefined;
  /** The server's clock when it answered (the `Date` header, floored to the second), epoch ms. */
  serverTime: number;
}

export function createReadClient(context: HubspotReadContext): ProviderHttpClient {
  const token = context.credentials.access_token;
  return new ProviderHttpClient({
    provider: "HubSpot",
    baseUrl: context.config.api_base_url,
    authHeaders: { authorization: `Bearer ${token}` },
    classify: createHubspotClassifier({
      tokenKind: hubspotTokenKind(token),
      tokenLooksLikeApiKey: looksLikeHubspotApiKey(token),
      // Not looked up for reads (it would cost a call per run); a daily-limit wait assumes midnight UTC.
      portalTimeZone: () => undefined,
    }),
    ...readHttpOptions(context),
  });
}

/** `GET /crm/v3/objects/{type}` (live or archived records), one page. */
export async function listObjects(
  client: ProviderHttpClient,
  type: HubspotObjectType,
  options: { properties: readonly string[]; after?: string; archived: boolean },
): Promise<HubspotPage<HubspotObject>> {
  const response = await client.request({
    path: `/crm/v3/objects/${type}`,
    query: {
      limit: hubspotLimits.listPage,
      after: options.after,
      properties: options.properties.join(","),
      archived: options.archived,
    },
  });
  return readPage(response, `${type} list`, isHubspotObject);
}

export interface SearchRequest {
  filterGroups: Array<{ filters: Array<{ propertyName: string; operator: string; value: string }> }>;
  sorts: Array<{ propertyName: string; direction: "ASCENDING" | "DESCENDING" }>;
  properties: readonly string[];
  limit: number;
}

/** `POST /crm/v3/objects/{type}/search`, one page (never with `after`: see the keyset reader). */
export async function searchObjects(client: ProviderHttpClient, type: HubspotObjectType, body: SearchRequest): Promise<HubspotPage<HubspotObject>> {
  const response = await client.request({ method: "POST", path: `/crm/v3/objects/${type}/search`, json: body });
  return readPage(response, `${type} search`, isHubspotObject);
}

/** `GET /crm/v3/owners`, one page. */
export async function listOwners(
  client: ProviderHttpClient,
  options: { after?: string; archived: boolean },
): Promise<HubspotPage<Record<string, unknown> & { id: string; updatedAt: string }>> {
  const response = await client.request({
    path: "/crm/v3/owners",
    query: { limit: hubspotLimits.ownersPage, after: options.after, archived: options.archived },
  });
  return readPage(response, "owners list", (value): value is Record<string, unknown> & { id: string; updatedAt: string } =>
    isRecord(value) && typeof value.id === "string" && typeof value.updatedAt === "string",
  );
}

export interface AssociationResult {
  from: { id: string };
  to: Array<{ toObjectId: number | string; associationTypes: Array<{ category: string; typeId: number; label?: string | null }> }>;
  paging?: { next?: { after?: string } };
}

/**
 * `POST /crm/v4/associations/{from}/{to}/batch/read`. Inputs without associations come back in
 * `errors` as `NO_ASSOCIATIONS_FOUND` with HTTP 207: that is an answer, not a failure.
 */
export async function readAssociationBatch(
  client: ProviderHttpClient,
  from: HubspotObjectType,
  to: HubspotObjectType,
  inputs: Array<{ id: string; after?: string }>,
): Promise<AssociationResult[]> {
  const response = await client.request({ method: "POST", path: `/crm/v4/associations/${from}/${to}/batch/read`, json: { inputs } });
  const body = response.body;
  if (!isRecord(body) || !Array.isArray(body.results)) throw unexpectedShape(`${from} to ${to} associations`, "results");
  const results = body.results as unknown[];
  for (const result of results) {
    if (!isRecord(result) || !isRecord(result.from) || typeof result.from.id !== "string" || !Array.isArray(result.to)) {
      throw unexpectedShape(`${from} to ${to} associations`, "results[].from, results[].to");
    }
  }
  if (Array.isArray(body.errors)) {
    for (const error of body.errors as unknown[]) {
      const subCategory = isRecord(error) ? error.subCategory : undefined;
      if (subCategory !== "crm.associations.NO_ASSOCIATIONS_FOUND") {
        const category = isRecord(error) && typeof error.category === "string" ? `, category ${error.category}` : "";
        throw new ConnectorError("provider_error", `HubSpot could not read some ${from} to ${to} associations (HTTP ${response.status}${category})`, {
          providerStatus: response.status,
        });
      }
    }
  }
  return results as AssociationResult[];
}

function readPage<T>(response: ProviderResponse, what: string, isItem: (value: unknown) => value is T): HubspotPage<T> {
  const body = response.body;
  if (!isRecord(body) || !Array.isArray(body.results)) throw unexpectedShape(what, "results");
  for (const item of body.results as unknown[]) {
    if (!isItem(item)) throw unexpectedShape(what, "results[].id, results[].updatedAt");
  }
  const paging = isRecord(body.paging) && isRecord(body.paging.next) ? body.paging.next : undefined;
  const after = paging?.after;
  return {
    results: body.results as T[],
    next: typeof after === "string" && after !== "" ? after : typeof after === "number" ? String(after) : undefined,
    serverTime: serverTimeOf(response),
  };
}

/** The answer's `Date` header (HubSpot's clock, to the second, floored), or the local clock without one. */
export function serverTimeOf(response: ProviderResponse): number {
  const parsed = Date.parse(response.headers.get("date") ?? "");
  return Number.isNaN(parsed) ? Date.now() : parsed;
}

function isHubspotObject(value: unknown): value is HubspotObject {
  return isRecord(value) && typeof value.id === "string" && typeof value.updatedAt === "string" && isRecord(value.properties);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function unexpectedShape(what: string, fields: string): ConnectorError {
  return new ConnectorError("provider_error", `HubSpot answered the ${what} request in an unexpected shape (${fields})`);
}

/** Epoch milliseconds of an ISO timestamp from HubSpot; a malformed one is a provider error. */
export function millisOf(timestamp: string, what: string): number {
  const value = Date.parse(timestamp);
  if (Number.isNaN(value)) throw new ConnectorError("provider_error", `HubSpot returned a ${what} that is not a date`);
  return value;
}
