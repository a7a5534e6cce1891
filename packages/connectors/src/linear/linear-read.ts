import { z } from "zod";
import { ConnectorError } from "../core/connector-errors.js";
import type { ReadContext, ReadMessage, SourceRecord, StreamState } from "../core/connector-types.js";
import type { ProviderHttpClient } from "../core/provider-http.js";
import { maxCursor, readHttpOptions } from "../core/read-helpers.js";
import { linearAuthorization, type LinearAuthorization } from "./linear-authorization.js";
import type { LinearConfig } from "./linear-config.js";
import type { LinearCredentials } from "./linear-credentials.js";
import { createLinearHttpClient, postLinearQuery } from "./linear-graphql-client.js";
import { describeLinearError, linearErrorKind, scopeNamedBy } from "./linear-graphql-envelope.js";
import { linearPageSize, projectTeamsQuery, streamPageQuery, type LinearStreamName } from "./linear-read-queries.js";

const streamNames: readonly LinearStreamName[] = ["teams", "users", "projects", "cycles", "issues", "comments"];

/** Streams whose deleted rows Linear keeps in the trash for 30 days, listed with `trashed: true`. */
const trashable = new Set<LinearStreamName>(["issues", "projects"]);

const isoTimestamp = z.string().refine((value) => !Number.isNaN(Date.parse(value)), { error: "must be an ISO 8601 timestamp" });

/**
 * A stream's state. `cursor` is the `updatedAt` up to which everything has been read (the next run
 * asks for `updatedAt > cursor`). While a read is under way its checkpoints also carry
 * `extra.windowEnd` and `extra.highWater`: pages come newest first, so everything changed after
 * `windowEnd` has been read; a resumed read asks only for `cursor < updatedAt <= windowEnd`, then moves
 * the cursor to `highWater`, the newest change the interrupted read saw.
 */
const stateSchema = z.looseObject({
  cursor: isoTimestamp.nullable().optional(),
  extra: z.looseObject({ windowEnd: isoTimestamp.optional(), highWater: isoTimestamp.optional() }).optional(),
});

const pageSchema = z.object({
  nodes: z.array(z.unknown()),
  pageInfo: z.object({ hasNextPage: z.boolean(), endCursor: z.string().nullable() }),
});

/** A row as Linear returned it; only its key and cursor are checked (records keep the provider's shape). */
type Node = SourceRecord & { id: string; updatedAt: string };

function isNode(value: unknown): value is Node {
  if (typeof value !== "object" || value === null) return false;
  const { id, updatedAt } = value as Record<string, unknown>;
  return typeof id === "string" && typeof updatedAt === "string";
}

const nestedTeamsSchema = z.object({
  nodes: z.array(z.unknown()),
  pageInfo: z.object({ hasNextPage: z.boolean(), endCursor: z.string().nullable() }).optional(),
});

interface Reader {
  client: ProviderHttpClient;
  authorization: LinearAuthorization;
  stream: LinearStreamName;
}

/**
 * Reads one Linear stream: its root connection, 250 rows a page, newest change first, archived rows
 * included (kept in the mirror with `archivedAt` set). Incremental reads ask only for rows whose
 * `updatedAt` is after the saved cursor; trashed issues and projects become deletions.
 */
export async function* readLinear(context: ReadContext<LinearCredentials, LinearConfig>): AsyncGenerator<ReadMessage> {
  const stream = streamNameOf(context.stream.name);
  const authorization = linearAuthorization(context.credentials);
  const http = readHttpOptions(context);
  const reader: Reader = {
    stream,
    authorization,
    client: createLinearHttpClient({
      apiBaseUrl: context.config.api_base_url,
      authorization,
      deadlineAt: http.deadlineAt,
      signal: http.signal,
      logger: context.logger,
      // A rate limit is waited out within the run's deadline rather than failing the run.
      waitOnRateLimit: true,
      requestDeadlineMs: http.requestDeadlineMs,
      onResponse: http.onResponse,
    }),
  };

  const start = startingPoint(context.syncMode === "incremental" ? context.state : undefined);
  const lower = start.cursor;
  // The filter stays the same for every page of the read: Relay cursors continue the query they came from.
  const filterEnd = start.windowEnd;
  let windowEnd = start.windowEnd;
  let highWater = start.highWater;
  let after: string | undefined;
  let pages = 0;
  let records = 0;
  let deletions = 0;

  for (;;) {
    const page = await fetchPage(reader, { after, lower, windowEnd: filterEnd });
    pages += 1;
    const nodes = page.nodes;
    for (const node of nodes) highWater = maxCursor(highWater, node.updatedAt);
    if (stream === "projects") await completeProjectTeams(reader, nodes);

    const kept: SourceRecord[] = [];
    const gone: SourceRecord[] = [];
    for (const node of nodes) {
      if (trashable.has(stream) && node.trashed === true) gone.push({ id: node.id });
      else kept.push(node);
    }
    if (kept.length > 0) yield { type: "records", records: kept };
    if (gone.length > 0) yield { type: "deletions", keys: gone };
    records += kept.length;
    deletions += gone.length;

    const { hasNextPage, endCursor } = page.pageInfo;
    if (!hasNextPage || endCursor === null || nodes.length === 0) break;
    // Pages are newest first: every change after the oldest row of this page has been read.
    const oldest = nodes.reduce((least, node) => (node.updatedAt < least ? node.updatedAt : least), nodes[0]!.updatedAt);
    windowEnd = windowEnd === undefined || oldest < windowEnd ? oldest : windowEnd;
    yield { type: "state", state: checkpoint(lower, windowEnd, highWater) };
    after = endCursor;
  }

  context.logger.debug({ provider: "Linear", stream, pages, records, deletions }, "linear stream read");
  yield { type: "state", state: { cursor: maxCursor(lower, highWater) } };
}

function streamNameOf(name: string): LinearStreamName {
  const stream = streamNames.find((candidate) => candidate === name);
  if (!stream) throw new ConnectorError("bad_request", `"${name}" is not a Linear stream`, { field: "streams" });
  return stream;
}

function startingPoint(state: StreamState | undefined): { cursor: string | null; windowEnd?: string; highWater: string | null } {
  if (!state) return { cursor: null, highWater: null };
  const parsed = stateSchema.safeParse(state);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = ["state", ...(issue?.path ?? []).map(String)].join(".");
    throw new ConnectorError("bad_request", `${field}: ${issue?.message ?? "is invalid"}`, { field });
  }
  const { cursor, extra } = parsed.data;
  return { cursor: cursor ?? null, windowEnd: extra?.windowEnd, highWater: extra?.highWater ?? null };
}

function checkpoint(lower: string | null, windowEnd: string, highWater: string | null): StreamState {
  return { cursor: lower, extra: { windowEnd, ...(highWater ? { highWater } : {}) } };
}

async function fetchPage(
  reader: Reader,
  position: { after: string | undefined; lower: string | null; windowEnd: string | undefined },
): Promise<{ nodes: Node[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } }> {
  const updatedAt: Record<string, string> = {};
  if (position.lower) updatedAt.gt = position.lower;
  if (position.windowEnd) updatedAt.lte = position.windowEnd;
  const variables: Record<string, unknown> = { first: linearPageSize };
  if (position.after) variables.after = position.after;
  if (Object.keys(updatedAt).length > 0) variables.filter = { updatedAt };

  const data = await query(reader, streamPageQuery(reader.stream), variables);
  const parsed = pageSchema.safeParse(data[reader.stream]);
  if (!parsed.success || !parsed.data.nodes.every(isNode)) {
    throw new ConnectorError("provider_error", `Linear answered the ${reader.stream} query without the expected nodes and pageInfo`);
  }
  return { nodes: parsed.data.nodes as Node[], pageInfo: parsed.data.pageInfo };
}

/**
 * A project in more teams than its page reads gets the rest from `project(id:)`, page by page, so the
 * record lists every team (as `teams.nodes`, like a complete connection).
 */
async function completeProjectTeams(reader: Reader, nodes: Node[]): Promise<void> {
  for (const node of nodes) {
    // A trashed project becomes a deletion: its teams are not needed.
    if (node.trashed === true) continue;
    const first = nestedTeamsSchema.safeParse(node.teams);
    if (!first.success) continue;
    const teams = [...first.data.nodes];
    let after = first.data.pageInfo?.hasNextPage ? first.data.pageInfo.endCursor : null;
    while (after) {
      const data = await query(reader, projectTeamsQuery, { id: node.id, after });
      const project = z.object({ teams: nestedTeamsSchema }).safeParse(data.project);
      if (!project.success) throw new ConnectorError("provider_error", "Linear answered the project teams query without teams");
      teams.push(...project.data.teams.nodes);
      after = project.data.teams.pageInfo?.hasNextPage ? project.data.teams.pageInfo.endCursor : null;
    }
    node.teams = { nodes: teams };
  }
}

async function query(reader: Reader, document: string, variables: Record<string, unknown>): Promise<Record<string, unknown>> {
  const envelope = await postLinearQuery(reader.client, document, variables);
  const refusals = envelope.errors.filter((error) => linearErrorKind(error) === "forbidden");
  if (refusals.length > 0) {
    const scopes = [...new Set(refusals.map(scopeNamedBy).filter((scope): scope is string => scope !== undefined))];
    const named = scopes.length > 0 ? scopes : ["read"];
    throw new ConnectorError(
      "missing_scopes",
      `The Linear ${reader.authorization.label} may not read ${reader.stream}: Linear requires the scope ${named.map((scope) => `\`${scope}\``).join(", ")}.`,
      { missingScopes: named },
    );
  }
  if (!envelope.data) {
    const why = envelope.errors[0] ? `: ${describeLinearError(envelope.errors[0])}` : "";
    throw new ConnectorError("provider_error", `Linear answered the ${reader.stream} query without data${why}`);
  }
  return envelope.data;
}
