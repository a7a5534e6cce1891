import { randomUUID } from "node:crypto";
import { createReadStream } from "node:fs";
import { rm, stat } from "node:fs/promises";
import { Readable } from "node:stream";
import type { DuckDBConnection, DuckDBDataChunk, DuckDBPreparedStatement, DuckDBResult, DuckDBValue } from "@duckdb/node-api";
import { quoteLiteral } from "@tributary/mirror";
import { ApiError } from "../api-error.js";
import type { AppContext } from "../app-context.js";
import type { PageQuery } from "../pagination.js";
import { requireMembership } from "../workspaces/workspace-access.js";
import { codeForDuckDbError, jsOffsetOf, parseDuckDbError, positionOf } from "./duckdb-errors.js";
import { entitiesOf, entitiesSchema } from "./mirror-views.js";
import type { QueryEngine } from "./query-engine.js";
import { QueryHistory } from "./query-history.js";
import type { QueryBody } from "./query-schemas.js";
import { referencedDatasets } from "./referenced-datasets.js";
import { contentTypes, csvHeader, csvLines, ndjsonLines, RowConverter, type QueryFormat, type ResultColumn } from "./result-formats.js";
import { guardQuery, QueryRejectedError } from "./sql-guard.js";
import { StatementClock } from "./statement-clock.js";

/** Rows of a JSON answer when the request does not say. */
export const defaultJsonLimit = 1000;

export interface QueryRun {
  /** The data source's saved query this run executes, for the history. */
  savedQueryId?: string;
  /** Aborted when the client goes away: the query is interrupted. */
  signal: AbortSignal;
}

/** A query's answer: headers now, the body streamed as the client reads it. */
export interface QueryAnswer {
  queryId: string;
  contentType: string;
  headers: Record<string, string>;
  body: Readable;
  /** For streamed exports: row count and truncation, known once the body has been read (HTTP trailers). */
  trailers?: () => { rowCount: number; truncated: boolean };
}

interface Cleanup {
  steps: Array<() => unknown>;
}

/**
 * Runs analysts' SQL over the workspace's mirror. Every query is checked (one read-only statement,
 * no file or network access), runs on a locked-down DuckDB holding only the workspace's views, within
 * a statement timeout, a row cap, the workspace's memory limit and per-user and per-workspace
 * concurrency limits, and is recorded in the user's history.
 */
export class QueryService {
  private readonly runningByUser = new Map<string, number>();
  readonly history: QueryHistory;

  constructor(
    private readonly context: AppContext,
    private readonly engine: QueryEngine,
    private readonly log: { warn(details: object, message: string): void },
  ) {
    this.history = new QueryHistory(context.databases.core, log);
  }

  async run(userId: string, workspaceId: string, body: QueryBody, run: QueryRun): Promise<QueryAnswer> {
    await requireMembership(this.context.databases.core, workspaceId, userId);
    const limits = this.context.config.query;
    if (body.explain && body.format === "parquet") throw new ApiError("bad_request", "format: an EXPLAIN answer is JSON, CSV or JSON lines, not Parquet", { field: "format" });
    if (body.limit !== undefined && body.limit > limits.maxRows) {
      throw new ApiError("bad_request", `limit: must be at most ${limits.maxRows} (QUERY_MAX_ROWS); export as CSV, JSON lines or Parquet for more`, { field: "limit" });
    }
    this.enter(userId);
    const queryId = randomUUID();
    const started = performance.now();
    const cleanup: Cleanup = { steps: [() => this.leave(userId)] };
    const format: string = body.explain ? "explain" : body.format;
    const record = (status: "succeeded" | "failed" | "cancelled", details: { error?: ApiError; rowCount?: number; truncated?: boolean }) =>
      this.history.record({
        id: queryId,
        workspaceId,
        userId,
        sql: body.sql,
        savedQueryId: run.savedQueryId,
        format,
        status,
        error: details.error ? { code: details.error.code, message: details.error.message } : undefined,
        rowCount: details.rowCount,
        truncated: details.truncated ?? false,
        durationMs: performance.now() - started,
      });

    let clock: StatementClock | undefined;
    // What DuckDB was last given, and how an offset in it maps to the user's text (for error positions).
    let ran = body.sql;
    let ranShift = 0;
    try {
      const { mirror, sandbox } = await this.engine.prepare(workspaceId);
      if (sandbox.waiting >= limits.concurrencyPerWorkspace * 4) {
        throw new ApiError("rate_limited", `The workspace already has ${sandbox.active} queries running and ${sandbox.waiting} waiting; try again shortly`);
      }
      const slot = await sandbox.acquire(AbortSignal.any([run.signal, AbortSignal.timeout(limits.timeoutSeconds * 1000)])).catch((error: unknown) => {
        if (run.signal.aborted) throw error;
        throw new ApiError("rate_limited", `Every query slot of this workspace stayed busy for ${limits.timeoutSeconds} s; try again shortly`);
      });
      cleanup.steps.push(slot.release);
      const connection = slot.connection;
      const interrupt = () => connection.interrupt();
      run.signal.addEventListener("abort", interrupt, { once: true });
      cleanup.steps.push(() => run.signal.removeEventListener("abort", interrupt));
      clock = new StatementClock(limits.timeoutSeconds * 1000, interrupt);
      const activeClock = clock;

      const preparedAt = sandbox.catalogueVersion;
      const guarded = await activeClock.run(() => guardQuery(connection, body.sql));
      cleanup.steps.push(() => guarded.prepared.destroySync());
      const datasets = referencedDatasets(mirror, guarded.referencedTables);
      const loaded = await activeClock.run(() => this.engine.load(workspaceId, sandbox, datasets, run.signal));
      cleanup.steps.push(loaded.release);
      // Offsets DuckDB reports are in the text it ran: map them back to the user's.
      const found = body.sql.indexOf(guarded.sql);
      const leading = found >= 0 ? found : body.sql.length - body.sql.trimStart().length;

      if (body.format === "parquet") {
        const answer = await this.parquetExport({ queryId, connection, sql: guarded.sql, params: body.params, clock: activeClock, scratch: sandbox.options.scratchDirectory, leading, userSql: body.sql });
        const finish = once(() => {
          runCleanup(cleanup);
          void record("succeeded", { rowCount: answer.rowCount, truncated: answer.truncated });
        });
        answer.body.on("close", finish);
        return { queryId, contentType: contentTypes.parquet, headers: answer.headers, body: answer.body };
      }

      const prefix = body.explain && guarded.kind !== "explain" ? "EXPLAIN " : "";
      const shift = leading - prefix.length;
      const text = `${prefix}${guarded.sql}`;
      ran = text;
      ranShift = shift;
      const result = await activeClock.run(async () => {
        // The guard's own prepared statement, when the text is the same and no view was replaced since
        // (by this query's load or another's; DuckDB would run it against the old view): no second
        // parse, bind and plan.
        const prepared = prefix || sandbox.catalogueVersion !== preparedAt ? await connection.prepare(text) : guarded.prepared;
        bindParams(prepared, body.params);
        return prepared.stream();
      });
      const first = await activeClock.run(() => result.fetchChunk());
      const cap = body.format === "json" ? Math.min(body.limit ?? defaultJsonLimit, limits.maxRows) : limits.maxExportRows;
      const stream = new ResultStream(result, first, cap, activeClock, (error) => this.failure(error, body.sql, text, shift, activeClock));
      const finish = (outcome: { error?: ApiError; cancelled: boolean }) => {
        runCleanup(cleanup);
        const status = outcome.error ? (outcome.cancelled ? "cancelled" : "failed") : outcome.cancelled ? "cancelled" : "succeeded";
        void record(status, { ...(outcome.error ? { error: outcome.error } : {}), rowCount: stream.rowCount, truncated: stream.truncated });
      };
      const elapsed = () => Math.round(performance.now() - started);
      const body$ = Readable.from(stream.encode(body.format, queryId, elapsed, finish, run.signal), { objectMode: false });
      return {
        queryId,
        contentType: contentTypes[body.format],
        headers: { "x-tributary-query-id": queryId },
        body: body$,
        trailers: () => ({ rowCount: stream.rowCount, truncated: stream.truncated }),
      };
    } catch (error) {
      runCleanup(cleanup);
      const failure = error instanceof ApiError ? error : this.failure(error, body.sql, ran, ranShift, clock);
      if (failure.code !== "rate_limited") void record(run.signal.aborted ? "cancelled" : "failed", { error: failure });
      throw failure;
    }
  }

  /** The workspace's schemas, views and columns, as SQL sees them (no DuckDB needed). */
  async listing(userId: string, workspaceId: string) {
    await requireMembership(this.context.databases.core, workspaceId, userId);
    const mirror = await this.engine.datasets.load(workspaceId);
    const mirrored = new Set(mirror.datasets.map((dataset) => `${dataset.sqlName}.${dataset.stream}`));
    const schemas = mirror.sources.map((source) => ({
      name: source.sqlName,
      data_source_id: source.dataSourceId,
      tables: [
        ...mirror.datasets
          .filter((dataset) => dataset.dataSourceId === source.dataSourceId)
          .map((dataset) => ({ name: dataset.stream, kind: "stream" as const, columns: dataset.columns.map(({ name, type }) => ({ name, type })), stored_rows: dataset.rows })),
        ...entitiesOf(source)
          .filter((entity) => entity.streams.every((stream) => mirrored.has(`${source.sqlName}.${stream}`)))
          .map((entity) => ({ name: entity.view_name, kind: "entity" as const, columns: entity.columns.map(({ name, type }) => ({ name, type })), stored_rows: null })),
      ],
    }));
    const entityNames = new Map<string, Array<{ name: string; type: string }>>();
    for (const schema of schemas) {
      const source = mirror.sources.find((candidate) => candidate.sqlName === schema.name)!;
      for (const table of schema.tables.filter((candidate) => candidate.kind === "entity")) {
        const entity = entitiesOf(source).find((candidate) => candidate.view_name === table.name)!;
        entityNames.set(entity.name, [{ name: "data_source", type: "VARCHAR" }, ...table.columns]);
      }
    }
    const entities = {
      name: entitiesSchema,
      data_source_id: null,
      tables: [...entityNames].map(([name, columns]) => ({ name, kind: "entity" as const, columns, stored_rows: null })),
    };
    return { schemas: entities.tables.length > 0 ? [...schemas, entities] : schemas };
  }

  async historyOf(userId: string, workspaceId: string, page: PageQuery) {
    await requireMembership(this.context.databases.core, workspaceId, userId);
    return this.history.list(workspaceId, userId, page);
  }

  private async parquetExport(input: {
    queryId: string;
    connection: DuckDBConnection;
    sql: string;
    params: QueryBody["params"];
    clock: StatementClock;
    scratch: string;
    leading: number;
    userSql: string;
  }): Promise<{ body: Readable; headers: Record<string, string>; rowCount: number; truncated: boolean }> {
    const cap = this.context.config.query.maxExportRows;
    const path = `${input.scratch}export-${input.queryId}.parquet`;
    const prefix = "COPY (SELECT * FROM (";
    const copy = (limit: number) => `${prefix}${input.sql}\n) LIMIT ${limit}) TO ${quoteLiteral(path)} (FORMAT parquet, COMPRESSION zstd)`;
    let ran = copy(cap + 1);
    const shift = input.leading - prefix.length;
    const write = (limit: number) =>
      input.clock.run(async () => {
        const prepared = await input.connection.prepare(copy(limit));
        bindParams(prepared, input.params);
        return Number((await prepared.runAndReadAll()).getRows()[0]![0]);
      });
    try {
      // One row beyond the cap says whether the result was cut; only then is it written again, cut.
      const written = await write(cap + 1);
      const truncated = written > cap;
      if (truncated) {
        ran = copy(cap);
        await write(cap);
      }
      const rowCount = Math.min(written, cap);
      const size = (await stat(path)).size;
      const body = createReadStream(path);
      body.on("close", () => void rm(path, { force: true }));
      return {
        body,
        rowCount,
        truncated,
        headers: {
          "x-tributary-query-id": input.queryId,
          "x-tributary-row-count": String(rowCount),
          "x-tributary-truncated": String(truncated),
          "content-length": String(size),
          "content-disposition": `attachment; filename="query-${input.queryId}.parquet"`,
        },
      };
    } catch (error) {
      await rm(path, { force: true });
      throw this.failure(error, input.userSql, ran, shift, input.clock);
    }
  }

  /**
   * An error of a query as the API answers it: the cause in words, where it is in the user's SQL.
   * `ran` is the text DuckDB was given; `shift` maps an offset in it to one in `userSql`.
   */
  private failure(error: unknown, userSql: string, ran: string, shift: number, clock: StatementClock | undefined): ApiError {
    if (error instanceof ApiError) return error;
    if (clock?.timedOut) {
      return new ApiError("query_timeout", `The query ran longer than the statement timeout (${Math.round(clock.timeoutMs / 1000)} s) and was stopped`);
    }
    if (error instanceof QueryRejectedError) {
      return new ApiError("invalid_query", error.message, { field: "sql", reason: error.code, ...(error.position ? { position: error.position } : {}) });
    }
    const info = parseDuckDbError(error, ran);
    const offset = info.offset === undefined ? undefined : jsOffsetOf(ran, info.offset, info.offsetUnit ?? "byte") + shift;
    const position = offset !== undefined && offset >= 0 && offset <= userSql.length ? positionOf(userSql, offset, "char") : undefined;
    const reason = codeForDuckDbError(info.type);
    const message = `${info.type} Error: ${info.message}`;
    if (["syntax_error", "binder_error", "catalog_error", "permission_denied", "not_implemented_error", "parameter_not_resolved_error", "parameter_not_allowed_error"].includes(reason)) {
      return new ApiError("invalid_query", message, { field: "sql", reason, ...(position ? { position } : {}) });
    }
    if (reason === "invalid_input_error" && /parameter|prepared statement/i.test(info.message)) {
      return new ApiError("invalid_query", `params: ${info.message}`, { field: "params", reason });
    }
    if (reason === "interrupted") return new ApiError("query_failed", "The query was interrupted", { reason });
    return new ApiError("query_failed", message, { reason, ...(position ? { position } : {}) });
  }

  private enter(userId: string): void {
    const running = this.runningByUser.get(userId) ?? 0;
    const limit = this.context.config.query.concurrencyPerUser;
    if (running >= limit) throw new ApiError("rate_limited", `You already have ${running} queries running (at most ${limit} at once); wait for one to finish`);
    this.runningByUser.set(userId, running + 1);
  }

  private leave(userId: string): void {
    const running = (this.runningByUser.get(userId) ?? 1) - 1;
    if (running <= 0) this.runningByUser.delete(userId);
    else this.runningByUser.set(userId, running);
  }
}

/**
 * Reads a DuckDB result chunk by chunk as the client consumes it, up to the row cap, so a large
 * result never sits in memory whole: at most one chunk (2,048 rows) and what the socket buffers.
 */
class ResultStream {
  rowCount = 0;
  truncated = false;
  private readonly converter: RowConverter;

  constructor(
    private readonly result: DuckDBResult,
    private readonly first: DuckDBDataChunk | null,
    private readonly cap: number,
    private readonly clock: StatementClock,
    private readonly failure: (error: unknown) => ApiError,
  ) {
    this.converter = new RowConverter(result.columnNames(), result.columnTypes());
  }

  get columns(): ResultColumn[] {
    return this.converter.columns;
  }

  private async *batches(): AsyncGenerator<unknown[][]> {
    let chunk = this.first;
    while (chunk && chunk.rowCount > 0) {
      const room = this.cap - this.rowCount;
      if (room <= 0) {
        this.truncated = true;
        return;
      }
      const rows = this.converter.rows(chunk, room);
      this.rowCount += rows.length;
      if (chunk.rowCount > room) this.truncated = true;
      yield rows;
      if (this.truncated) return;
      chunk = await this.clock.run(() => this.result.fetchChunk());
    }
  }

  async *encode(
    format: Exclude<QueryFormat, "parquet">,
    queryId: string,
    elapsedMs: () => number,
    finish: (outcome: { error?: ApiError; cancelled: boolean }) => void,
    signal: AbortSignal,
  ): AsyncGenerator<string> {
    let error: ApiError | undefined;
    let settled = false;
    try {
      if (format === "json") yield `{"query_id":${JSON.stringify(queryId)},"columns":${JSON.stringify(this.columns)},"rows":[`;
      if (format === "csv") yield csvHeader(this.columns);
      let first = true;
      try {
        for await (const rows of this.batches()) {
          if (format === "json") {
            yield `${first ? "" : ","}${rows.map((row) => JSON.stringify(row)).join(",")}`;
            first = false;
          } else {
            yield format === "csv" ? csvLines(rows) : ndjsonLines(this.columns, rows);
          }
        }
      } catch (cause) {
        error = this.failure(cause);
        // An export cannot say it failed once rows are out: the connection is cut, so a client never
        // takes a partial file for a whole one. The JSON answer has room for the error.
        if (format !== "json") throw error;
      }
      if (format === "json") {
        const tail = { row_count: this.rowCount, truncated: this.truncated, elapsed_ms: elapsedMs(), ...(error ? { error: { code: error.code, message: error.message } } : {}) };
        yield `],${JSON.stringify(tail).slice(1)}`;
      }
      settled = true;
      finish({ ...(error ? { error } : {}), cancelled: signal.aborted });
    } finally {
      // Left early: the client went away (cancelled), or an export failed mid-stream.
      if (!settled) finish(error ? { error, cancelled: signal.aborted } : { cancelled: true });
    }
  }
}

function bindParams(prepared: DuckDBPreparedStatement, params: QueryBody["params"]): void {
  if (params === undefined) return;
  prepared.bind(params as DuckDBValue[] | Record<string, DuckDBValue>);
}

function runCleanup(cleanup: Cleanup): void {
  for (const step of cleanup.steps.splice(0).reverse()) {
    try {
      step();
    } catch {
      // Releasing one resource must not keep the others held.
    }
  }
}

function once(action: () => void): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    action();
  };
}
