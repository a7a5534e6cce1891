import { type Kysely, type Selectable, type Transaction } from "kysely";
import {
  catalogueSchema,
  connectErrorBodySchema,
  entityNames,
  scanMappingExpression,
  type Catalogue,
  type CatalogueEntity,
  type EntityName,
  type MappingError,
  type MappingOverride,
} from "@tributary/contracts";
import { ApiError, notFound } from "../api-error.js";
import type { AppContext } from "../app-context.js";
import type { CoreSchema } from "../db/core-schema.js";
import { withKeyedLock } from "../db/keyed-lock.js";
import type { Databases } from "../db/databases.js";
import { pageOf, pageOffset } from "../pagination.js";
import { storageTargetFor } from "../runs/run-executor.js";
import { requireMembership } from "../workspaces/workspace-access.js";
import type {
  CatalogueColumnEditsTable,
  CatalogueColumnsTable,
  CatalogueMappingEditsTable,
  CataloguesTable,
  CatalogueSyncErrorValue,
  CatalogueTableEditsTable,
  CatalogueTablesTable,
} from "./catalogue-tables.js";
import type {
  CatalogueColumnView,
  CatalogueTableView,
  DataSourceCatalogueView,
  EntityView,
  MappingEditBody,
  MappingEditView,
  WorkspaceCatalogueQuery,
  WorkspaceCatalogueTable,
  WorkspaceEntity,
} from "./catalogue-schemas.js";

/** What the catalogue needs of the application: the runs dispatcher can pass its whole AppContext. */
export type CatalogueContext = Pick<AppContext, "config" | "databases" | "connect">;

export type CatalogueSyncError = CatalogueSyncErrorValue;

/** How a sync ended. It never throws: a failure is recorded on the catalogue and returned. */
export type CatalogueSyncOutcome =
  | { ok: true; built_at: string; tables: number; mapping_errors: number }
  | { ok: false; error: CatalogueSyncError };

interface SourceRow {
  id: string;
  workspace_id: string;
  name: string;
  connector: string;
}

type CatalogueRow = Selectable<CataloguesTable>;
type TableRow = Selectable<CatalogueTablesTable>;
type ColumnRow = Selectable<CatalogueColumnsTable>;
type TableEditRow = Selectable<CatalogueTableEditsTable>;
type ColumnEditRow = Selectable<CatalogueColumnEditsTable>;
type MappingEditRow = Selectable<CatalogueMappingEditsTable>;

const syncPath = "/internal/schema-mappings/sync";
/** A build profiles every stream (100,000 issues: about 2 s); generous for large mirrors queued behind others. */
const syncTimeoutMs = 15 * 60_000;
const provenanceColumns = new Set(["source", "source_stream"]);
const iso = (value: Date | null) => (value ? value.toISOString() : null);

class SyncFailure extends Error {
  override name = "SyncFailure";
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

// ---- the sync --------------------------------------------------------------------------------------

/**
 * Rebuilds a data source's catalogue through connect (`POST /internal/schema-mappings/sync`, with the
 * workspace's mapping edits as overrides) and stores it, replacing the synced part and never the edits.
 * Serialized per data source (in this process, and across replicas on PostgreSQL by an advisory lock),
 * so concurrent calls run one after the other, each with the edits current when it starts.
 *
 * Never throws: a failure (connect down, storage unreadable, an answer that does not parse) is recorded
 * as the catalogue's `last_sync_error`, the previous catalogue is kept, and the outcome says what failed.
 * `streams` rebuilds only those tables (the others are carried over by connect); default: all.
 */
export async function syncCatalogue(
  context: CatalogueContext,
  workspaceId: string,
  dataSourceId: string,
  requestId?: string,
  options: { streams?: string[] } = {},
): Promise<CatalogueSyncOutcome> {
  try {
    const source = await loadSource(context.databases.core, workspaceId, dataSourceId);
    if (!source) return { ok: false, error: { code: "not_found", message: "Data source not found", at: new Date().toISOString() } };
    return await runSync(context, source, options.streams, requestId);
  } catch (error) {
    return { ok: false, error: failureOf(error) };
  }
}

async function runSync(context: CatalogueContext, source: SourceRow, streams: string[] | undefined, requestId: string | undefined): Promise<CatalogueSyncOutcome> {
  const core = context.databases.core;
  return withSyncLock(context.databases, source.id, async () => {
    try {
      const stored = await core.selectFrom("catalogues").select("entities").where("data_source_id", "=", source.id).executeTakeFirst();
      const overrides = await mappingOverridesOf(core, source.id, stored?.entities as CatalogueEntity[] | undefined);
      const catalogue = await requestBuild(context, source, overrides, streams, requestId);
      await core.transaction().execute((trx) => storeCatalogue(trx, source, catalogue));
      return { ok: true, built_at: catalogue.built_at, tables: catalogue.tables.length, mapping_errors: catalogue.mapping_errors.length };
    } catch (error) {
      const failure = failureOf(error);
      await recordFailure(core, source, failure).catch(() => undefined);
      return { ok: false, error: failure };
    }
  });
}

/** Asks connect to build the catalogue and checks its answer against the contract. */
async function requestBuild(
  context: CatalogueContext,
  source: SourceRow,
  overrides: MappingOverride[],
  streams: string[] | undefined,
  requestId: string | undefined,
): Promise<Catalogue> {
  const body = {
    connector: source.connector,
    storage: storageTargetFor(context.config, source.workspace_id, source.id),
    ...(streams && streams.length > 0 ? { streams } : {}),
    ...(overrides.length > 0 ? { mapping_overrides: overrides } : {}),
  };
  let response: { status: number; body: unknown };
  try {
    response = await context.connect.post(syncPath, body, requestId, syncTimeoutMs);
  } catch (error) {
    if (error instanceof ApiError) throw new SyncFailure("connect_unavailable", error.message);
    throw new SyncFailure("connect_unavailable", "The ingestion service (connect) answered the catalogue sync with something that is not JSON");
  }
  if (response.status === 200) {
    const parsed = catalogueSchema.safeParse(response.body);
    if (!parsed.success) throw new SyncFailure("invalid_answer", "The ingestion service (connect) answered the catalogue sync in a shape this backend does not understand");
    if (parsed.data.connection_id !== source.id || parsed.data.connector !== source.connector) {
      throw new SyncFailure("invalid_answer", "The ingestion service (connect) answered the catalogue of another connection");
    }
    return parsed.data;
  }
  if (response.status === 401) {
    throw new SyncFailure("connect_unavailable", "The ingestion service (connect) refused the backend's service token; CONNECT_SERVICE_TOKEN must be the same in both services");
  }
  const failure = connectErrorBodySchema.safeParse(response.body);
  if (!failure.success) throw new SyncFailure("connect_unavailable", `The ingestion service (connect) answered the catalogue sync with HTTP ${response.status}`);
  const { code, message } = failure.data.error;
  if (code === "bad_request") throw new SyncFailure("rejected", `The ingestion service (connect) refused the catalogue sync: ${message}`);
  if (code === "storage_error") throw new SyncFailure("storage_error", `The ingestion service (connect) could not read or write the mirror: ${message}`);
  throw new SyncFailure(code, `The ingestion service (connect) could not build the catalogue (${code}): ${message}`);
}

/** Replaces the synced part of the catalogue (in the caller's transaction); edits are not touched. */
async function storeCatalogue(trx: Transaction<CoreSchema>, source: SourceRow, catalogue: Catalogue): Promise<void> {
  const builtAt = new Date(catalogue.built_at);
  const now = new Date();
  const current = await trx.selectFrom("catalogues").select("built_at").where("data_source_id", "=", source.id).forUpdate().executeTakeFirst();
  // Serialized syncs store in build order; should two connect processes' clocks disagree, never go back.
  if (current?.built_at && current.built_at.getTime() > builtAt.getTime()) return;
  const synced = {
    connector: source.connector,
    built_at: builtAt,
    synced_at: now,
    entities: JSON.stringify(catalogue.entities),
    mapping_errors: JSON.stringify(catalogue.mapping_errors),
    last_sync_attempt_at: now,
    last_sync_error: null,
  };
  await trx
    .insertInto("catalogues")
    .values({ data_source_id: source.id, workspace_id: source.workspace_id, ...synced })
    .onConflict((conflict) => conflict.column("data_source_id").doUpdateSet(synced))
    .execute();
  await trx.deleteFrom("catalogue_columns").where("data_source_id", "=", source.id).execute();
  await trx.deleteFrom("catalogue_tables").where("data_source_id", "=", source.id).execute();
  const tables = catalogue.tables.map((table, position) => ({
    data_source_id: source.id,
    name: table.name,
    workspace_id: source.workspace_id,
    position,
    description: table.description,
    primary_key: JSON.stringify(table.primary_key),
    cursor_field: table.cursor_field ? JSON.stringify(table.cursor_field) : null,
    sync_mode: table.sync_mode,
    row_count: table.row_count,
    files: table.files,
    bytes: table.bytes,
    committed_at: table.freshness.committed_at,
    manifest_version: table.freshness.version,
    cursor_max: table.freshness.cursor_max,
    profiled_at: table.profiled_at,
  }));
  for (const chunk of chunks(tables, 200)) await trx.insertInto("catalogue_tables").values(chunk).execute();
  const columns = catalogue.tables.flatMap((table) =>
    table.columns.map((column, position) => ({
      data_source_id: source.id,
      table_name: table.name,
      name: column.name,
      position,
      type: column.type,
      null_count: column.null_count,
      non_null_fraction: column.non_null_fraction,
      distinct_estimate: column.distinct_estimate,
      samples: JSON.stringify(column.samples),
      samples_withheld: column.samples_withheld,
    })),
  );
  for (const chunk of chunks(columns, 500)) await trx.insertInto("catalogue_columns").values(chunk).execute();
}

/** A failed attempt: recorded, the stored catalogue untouched. */
async function recordFailure(core: Kysely<CoreSchema>, source: SourceRow, failure: CatalogueSyncError): Promise<void> {
  const attempt = { last_sync_attempt_at: failure.at, last_sync_error: JSON.stringify(failure) };
  await core
    .insertInto("catalogues")
    .values({ data_source_id: source.id, workspace_id: source.workspace_id, connector: source.connector, entities: "[]", mapping_errors: "[]", ...attempt })
    .onConflict((conflict) => conflict.column("data_source_id").doUpdateSet(attempt))
    .execute();
}

function failureOf(error: unknown): CatalogueSyncError {
  const at = new Date().toISOString();
  if (error instanceof SyncFailure) return { code: error.code, message: error.message, at };
  if (error instanceof ApiError) return { code: error.code, message: error.message, at };
  // A database failure (the data source deleted meanwhile…): nothing of the request in the message.
  return { code: "internal_error", message: `The catalogue could not be stored: ${error instanceof Error ? error.name : "unknown error"}`, at };
}

/** What the API answers when a sync asked for by a user failed (the failure is recorded either way). */
function apiErrorOf(failure: CatalogueSyncError): ApiError {
  if (failure.code === "not_found") return notFound("Data source");
  if (failure.code === "rejected") return new ApiError("conflict", failure.message);
  if (failure.code === "internal_error") return new ApiError("internal_error", failure.message);
  return new ApiError("connect_unavailable", failure.message);
}

/** The workspace's mapping edits as connect's overrides, keeping only entity columns the catalogue knows. */
async function mappingOverridesOf(core: Kysely<CoreSchema>, dataSourceId: string, entities: CatalogueEntity[] | undefined): Promise<MappingOverride[]> {
  const rows = await core.selectFrom("catalogue_mapping_edits").selectAll().where("data_source_id", "=", dataSourceId).orderBy("entity").orderBy("stream").execute();
  return rows.map((row) => ({ entity: row.entity, stream: row.stream, enabled: row.enabled, columns: knownColumns(row.entity, row.column_expressions, entities) }));
}

function knownColumns(entity: EntityName, expressions: Record<string, string>, entities: CatalogueEntity[] | undefined): Record<string, string> {
  const definition = entities?.find((candidate) => candidate.name === entity);
  if (!definition) return expressions;
  const known = new Set(definition.columns.map((column) => column.name).filter((name) => !provenanceColumns.has(name)));
  return Object.fromEntries(Object.entries(expressions).filter(([column]) => known.has(column)));
}

// ---- serialization per data source ---------------------------------------------------------------

/** Class id of the catalogue's PostgreSQL advisory locks ("trib"); the object id comes from the data source id. */
const advisoryLockClass = 0x74726962;

/** Syncs of one data source, one at a time (in this process and across replicas). */
function withSyncLock<T>(databases: Databases, dataSourceId: string, work: () => Promise<T>): Promise<T> {
  return withKeyedLock(databases, advisoryLockClass, dataSourceId, work);
}

// ---- the API ---------------------------------------------------------------------------------------

/**
 * The catalogue as users see it: connect's last build merged with the workspace's edits. Every method
 * checks the caller's membership itself: reading takes `viewer`; syncing and editing take `analyst`.
 */
export class CatalogueService {
  private readonly core: Kysely<CoreSchema>;

  constructor(private readonly context: CatalogueContext) {
    this.core = context.databases.core;
  }

  /** A manual re-sync; a failure is recorded (the previous catalogue kept) and answered as an error. */
  async sync(userId: string, workspaceId: string, dataSourceId: string, requestId?: string): Promise<DataSourceCatalogueView> {
    await requireMembership(this.core, workspaceId, userId, "analyst");
    const source = await this.source(workspaceId, dataSourceId);
    const outcome = await runSync(this.context, source, undefined, requestId);
    if (!outcome.ok) throw apiErrorOf(outcome.error);
    return this.view(source);
  }

  async get(userId: string, workspaceId: string, dataSourceId: string): Promise<DataSourceCatalogueView> {
    await requireMembership(this.core, workspaceId, userId);
    return this.view(await this.source(workspaceId, dataSourceId));
  }

  /** Sets (or with null, removes) a table's description. The table must be in the catalogue, or already edited (orphaned). */
  async editTable(userId: string, workspaceId: string, dataSourceId: string, table: string, description: string | null): Promise<DataSourceCatalogueView> {
    await requireMembership(this.core, workspaceId, userId, "analyst");
    const source = await this.source(workspaceId, dataSourceId);
    const exists = await this.core.selectFrom("catalogue_tables").select("name").where("data_source_id", "=", source.id).where("name", "=", table).executeTakeFirst();
    const edited = await this.core.selectFrom("catalogue_table_edits").select("table_name").where("data_source_id", "=", source.id).where("table_name", "=", table).executeTakeFirst();
    if (!exists && !edited) throw notFound(`Table ${table} in the catalogue of this data source`);
    if (description === null) {
      await this.core.deleteFrom("catalogue_table_edits").where("data_source_id", "=", source.id).where("table_name", "=", table).execute();
    } else {
      const values = { description, updated_by: userId, updated_at: new Date() };
      await this.core
        .insertInto("catalogue_table_edits")
        .values({ data_source_id: source.id, table_name: table, workspace_id: source.workspace_id, ...values })
        .onConflict((conflict) => conflict.columns(["data_source_id", "table_name"]).doUpdateSet(values))
        .execute();
    }
    return this.view(source);
  }

  /** Sets (or with null, removes) a column's description. The column must be in the catalogue, or already edited (orphaned). */
  async editColumn(
    userId: string,
    workspaceId: string,
    dataSourceId: string,
    table: string,
    column: string,
    description: string | null,
  ): Promise<DataSourceCatalogueView> {
    await requireMembership(this.core, workspaceId, userId, "analyst");
    const source = await this.source(workspaceId, dataSourceId);
    const exists = await this.core
      .selectFrom("catalogue_columns")
      .select("name")
      .where("data_source_id", "=", source.id)
      .where("table_name", "=", table)
      .where("name", "=", column)
      .executeTakeFirst();
    const edited = await this.core
      .selectFrom("catalogue_column_edits")
      .select("column_name")
      .where("data_source_id", "=", source.id)
      .where("table_name", "=", table)
      .where("column_name", "=", column)
      .executeTakeFirst();
    if (!exists && !edited) throw notFound(`Column ${column} of table ${table} in the catalogue of this data source`);
    if (description === null) {
      await this.core
        .deleteFrom("catalogue_column_edits")
        .where("data_source_id", "=", source.id)
        .where("table_name", "=", table)
        .where("column_name", "=", column)
        .execute();
    } else {
      const values = { description, updated_by: userId, updated_at: new Date() };
      await this.core
        .insertInto("catalogue_column_edits")
        .values({ data_source_id: source.id, table_name: table, column_name: column, workspace_id: source.workspace_id, ...values })
        .onConflict((conflict) => conflict.columns(["data_source_id", "table_name", "column_name"]).doUpdateSet(values))
        .execute();
    }
    return this.view(source);
  }

  /**
   * Edits how a stream maps onto an entity: enable/disable it, replace entity columns' expressions. The
   * edit is checked by connect against the data (a sync of that stream with every edit as overrides,
   * under the data source's sync lock); if the mapping would not apply, nothing is stored and the 400
   * names the expression at fault when it can tell. Otherwise the edit and the new catalogue (its view
   * SQL with the edit applied) are stored together.
   */
  async editMapping(
    userId: string,
    workspaceId: string,
    dataSourceId: string,
    entity: EntityName,
    stream: string,
    body: MappingEditBody,
    requestId?: string,
  ): Promise<DataSourceCatalogueView> {
    await requireMembership(this.core, workspaceId, userId, "analyst");
    const source = await this.source(workspaceId, dataSourceId);
    await withSyncLock(this.context.databases, source.id, async () => {
      const catalogue = await this.core.selectFrom("catalogues").selectAll().where("data_source_id", "=", source.id).executeTakeFirst();
      if (!catalogue?.built_at) throw new ApiError("conflict", "This data source has no catalogue yet: sync it first (POST …/catalogue/sync)");
      const tableNames = (await this.core.selectFrom("catalogue_tables").select("name").where("data_source_id", "=", source.id).execute()).map((row) => row.name);
      const existing = await this.core
        .selectFrom("catalogue_mapping_edits")
        .selectAll()
        .where("data_source_id", "=", source.id)
        .where("entity", "=", entity)
        .where("stream", "=", stream)
        .executeTakeFirst();
      const tableExists = tableNames.includes(stream);
      if (!tableExists && !existing) throw notFound(`Table ${stream} in the catalogue of this data source`);

      const entities = catalogue.entities as CatalogueEntity[];
      const mapped = (entities.find((candidate) => candidate.name === entity)?.columns ?? []).map((column) => column.name).filter((name) => !provenanceColumns.has(name));
      for (const column of Object.keys(body.column_expressions ?? {})) {
        if (!mapped.includes(column)) {
          const field = `column_expressions.${column}`;
          throw new ApiError("bad_request", `${field}: ${entity} has no column ${column} to map (its columns: ${mapped.join(", ")})`, { field });
        }
      }
      const next = {
        enabled: body.enabled ?? existing?.enabled ?? true,
        column_expressions: body.column_expressions ?? existing?.column_expressions ?? {},
      };
      // Enabled with no expression of its own is the connector's mapping: nothing left to keep.
      const isDefault = next.enabled && Object.keys(next.column_expressions).length === 0;
      const write = async (trx: Transaction<CoreSchema>) => {
        if (isDefault) {
          await trx.deleteFrom("catalogue_mapping_edits").where("data_source_id", "=", source.id).where("entity", "=", entity).where("stream", "=", stream).execute();
          return;
        }
        const values = { enabled: next.enabled, column_expressions: JSON.stringify(next.column_expressions), updated_by: userId, updated_at: new Date() };
        await trx
          .insertInto("catalogue_mapping_edits")
          .values({ data_source_id: source.id, entity, stream, workspace_id: source.workspace_id, ...values })
          .onConflict((conflict) => conflict.columns(["data_source_id", "entity", "stream"]).doUpdateSet(values))
          .execute();
      };
      if (!tableExists) {
        // An orphaned edit: there is no data to check it against and no view it changes; kept as asked.
        await this.core.transaction().execute(write);
        return;
      }

      const others = (await mappingOverridesOf(this.core, source.id, entities)).filter((override) => override.entity !== entity || override.stream !== stream);
      const overrides = isDefault ? others : [...others, { entity, stream, enabled: next.enabled, columns: next.column_expressions }];
      let built: Catalogue;
      try {
        built = await requestBuild(this.context, source, overrides, [stream], requestId);
        // connect carries the other tables over from its stored copy; should that miss one, rebuild all.
        if (tableNames.some((name) => !built.tables.some((table) => table.name === name))) {
          built = await requestBuild(this.context, source, overrides, undefined, requestId);
        }
      } catch (error) {
        const failure = failureOf(error);
        await recordFailure(this.core, source, failure).catch(() => undefined);
        throw apiErrorOf(failure);
      }
      const failed = next.enabled ? built.mapping_errors.find((error) => error.entity === entity && error.stream === stream) : undefined;
      if (failed) {
        const field = fieldOfMappingError(failed.message, next.column_expressions);
        throw new ApiError("bad_request", `${field}: the mapping of ${stream} onto ${entity} does not apply to the data: ${failed.message}`, { field });
      }
      await this.core.transaction().execute(async (trx) => {
        await write(trx);
        await storeCatalogue(trx, source, built);
      });
    });
    return this.view(source);
  }

  /** Every table of every data source of the workspace, with its data source: what the SQL service reads. */
  async workspaceTables(userId: string, workspaceId: string, query: WorkspaceCatalogueQuery) {
    await requireMembership(this.core, workspaceId, userId);
    let select = this.core
      .selectFrom("catalogue_tables")
      .innerJoin("data_sources", "data_sources.id", "catalogue_tables.data_source_id")
      .selectAll("catalogue_tables")
      .select(["data_sources.name as data_source_name", "data_sources.connector as data_source_connector"])
      .where("catalogue_tables.workspace_id", "=", workspaceId)
      .where("data_sources.workspace_id", "=", workspaceId);
    if (query.data_source_id) select = select.where("catalogue_tables.data_source_id", "=", query.data_source_id);
    const rows = await select
      .orderBy("data_sources.created_at")
      .orderBy("data_sources.id")
      .orderBy("catalogue_tables.position")
      .limit(query.limit + 1)
      .offset(pageOffset(query))
      .execute();
    const page = pageOf(rows, query);
    const sourceIds = [...new Set(page.items.map((row) => row.data_source_id))];
    const names = [...new Set(page.items.map((row) => row.name))];
    const [columns, tableEdits, columnEdits] =
      sourceIds.length === 0
        ? [[], [], []]
        : await Promise.all([
            this.core.selectFrom("catalogue_columns").selectAll().where("data_source_id", "in", sourceIds).where("table_name", "in", names).orderBy("position").execute(),
            this.core.selectFrom("catalogue_table_edits").selectAll().where("data_source_id", "in", sourceIds).where("table_name", "in", names).execute(),
            this.core.selectFrom("catalogue_column_edits").selectAll().where("data_source_id", "in", sourceIds).where("table_name", "in", names).execute(),
          ]);
    const items: WorkspaceCatalogueTable[] = page.items.map((row) => {
      const source = { id: row.data_source_id, name: row.data_source_name, connector: row.data_source_connector, workspace_id: workspaceId };
      const ofTable = <T extends { data_source_id: string; table_name: string }>(list: T[]) =>
        list.filter((entry) => entry.data_source_id === row.data_source_id && entry.table_name === row.name);
      return {
        ...tableView(row, ofTable(columns), ofTable(tableEdits)[0], ofTable(columnEdits)),
        data_source: { id: source.id, name: source.name, connector: source.connector },
        sql_schema: sqlSchemaOf(source),
      };
    });
    return { items, next_cursor: page.next_cursor };
  }

  /**
   * The four entities across the workspace's synced data sources: each data source's view (its own
   * tables, edits applied) and one view over all of them, reading `"<sql_schema>".entity_<name>`.
   */
  async workspaceEntities(userId: string, workspaceId: string): Promise<{ entities: WorkspaceEntity[] }> {
    await requireMembership(this.core, workspaceId, userId);
    const rows = await this.core
      .selectFrom("catalogues")
      .innerJoin("data_sources", "data_sources.id", "catalogues.data_source_id")
      .select(["catalogues.data_source_id", "catalogues.entities", "catalogues.mapping_errors", "data_sources.name", "data_sources.connector"])
      .where("catalogues.workspace_id", "=", workspaceId)
      .where("data_sources.workspace_id", "=", workspaceId)
      .where("catalogues.built_at", "is not", null)
      .orderBy("data_sources.created_at")
      .orderBy("data_sources.id")
      .execute();
    const edits = await this.core.selectFrom("catalogue_mapping_edits").select(["data_source_id", "entity", "stream"]).where("workspace_id", "=", workspaceId).execute();
    const edited = new Set(edits.map((edit) => `${edit.data_source_id}/${edit.entity}/${edit.stream}`));
    const entities: WorkspaceEntity[] = [];
    for (const name of entityNames) {
      const definition = rows.flatMap((row) => row.entities as CatalogueEntity[]).find((entity) => entity.name === name);
      if (!definition) continue;
      const sources = rows.flatMap((row) => {
        const entity = (row.entities as CatalogueEntity[]).find((candidate) => candidate.name === name);
        if (!entity) return [];
        const source = { id: row.data_source_id, name: row.name, connector: row.connector, workspace_id: workspaceId };
        return [
          {
            data_source: { id: source.id, name: source.name, connector: source.connector },
            sql_schema: sqlSchemaOf(source),
            streams: entity.streams,
            select_sql: entity.select_sql,
            sql: entity.sql,
          },
        ];
      });
      const parts = sources.filter((source) => source.streams.length > 0).map((source) => `SELECT * FROM ${quoteIdentifier(source.sql_schema)}.${quoteIdentifier(definition.view_name)}`);
      const selectSql = parts.length > 0 ? parts.join("\nUNION ALL\n") : emptySelectSql(definition.columns);
      entities.push({
        name,
        description: definition.description,
        columns: definition.columns,
        view_name: definition.view_name,
        select_sql: selectSql,
        sql: `CREATE VIEW ${definition.view_name} AS\n${selectSql}`,
        sources,
        mapping_errors: rows.flatMap((row) =>
          (row.mapping_errors as MappingError[])
            .filter((error) => error.entity === name)
            .map((error) => ({ ...error, overridden: edited.has(`${row.data_source_id}/${error.entity}/${error.stream}`), data_source_id: row.data_source_id })),
        ),
      });
    }
    return { entities };
  }

  private async source(workspaceId: string, dataSourceId: string): Promise<SourceRow> {
    const source = await loadSource(this.core, workspaceId, dataSourceId);
    if (!source) throw notFound("Data source");
    return source;
  }

  /** The data source's catalogue merged with its edits. */
  private async view(source: SourceRow): Promise<DataSourceCatalogueView> {
    const [catalogue, tables, columns, tableEdits, columnEdits, mappingEdits] = await Promise.all([
      this.core.selectFrom("catalogues").selectAll().where("data_source_id", "=", source.id).executeTakeFirst(),
      this.core.selectFrom("catalogue_tables").selectAll().where("data_source_id", "=", source.id).orderBy("position").execute(),
      this.core.selectFrom("catalogue_columns").selectAll().where("data_source_id", "=", source.id).orderBy("table_name").orderBy("position").execute(),
      this.core.selectFrom("catalogue_table_edits").selectAll().where("data_source_id", "=", source.id).orderBy("table_name").execute(),
      this.core.selectFrom("catalogue_column_edits").selectAll().where("data_source_id", "=", source.id).orderBy("table_name").orderBy("column_name").execute(),
      this.core.selectFrom("catalogue_mapping_edits").selectAll().where("data_source_id", "=", source.id).orderBy("entity").orderBy("stream").execute(),
    ]);
    return dataSourceCatalogueView(source, catalogue, tables, columns, tableEdits, columnEdits, mappingEdits);
  }
}

async function loadSource(core: Kysely<CoreSchema>, workspaceId: string, dataSourceId: string): Promise<SourceRow | undefined> {
  return core
    .selectFrom("data_sources")
    .select(["id", "workspace_id", "name", "connector"])
    .where("id", "=", dataSourceId)
    .where("workspace_id", "=", workspaceId)
    .executeTakeFirst();
}

// ---- views -----------------------------------------------------------------------------------------

function dataSourceCatalogueView(
  source: SourceRow,
  catalogue: CatalogueRow | undefined,
  tables: TableRow[],
  columns: ColumnRow[],
  tableEdits: TableEditRow[],
  columnEdits: ColumnEditRow[],
  mappingEdits: MappingEditRow[],
): DataSourceCatalogueView {
  const entities = (catalogue?.entities ?? []) as CatalogueEntity[];
  const mappingErrors = (catalogue?.mapping_errors ?? []) as MappingError[];
  const tableNames = new Set(tables.map((table) => table.name));
  const columnKeys = new Set(columns.map((column) => `${column.table_name}\u0000${column.name}`));
  const edited = new Set(mappingEdits.map((edit) => `${edit.entity}/${edit.stream}`));
  const mappingViews = mappingEdits.map((edit) => mappingEditView(edit, tables, entities, mappingErrors));
  return {
    data_source: { id: source.id, name: source.name, connector: source.connector },
    sql_schema: sqlSchemaOf(source),
    built_at: iso(catalogue?.built_at ?? null),
    synced_at: iso(catalogue?.synced_at ?? null),
    last_sync_attempt_at: iso(catalogue?.last_sync_attempt_at ?? null),
    last_sync_error: catalogue?.last_sync_error ?? null,
    tables: tables.map((table) =>
      tableView(
        table,
        columns.filter((column) => column.table_name === table.name),
        tableEdits.find((edit) => edit.table_name === table.name),
        columnEdits.filter((edit) => edit.table_name === table.name),
      ),
    ),
    entities: entities.map(
      (entity): EntityView => ({
        name: entity.name,
        description: entity.description,
        columns: entity.columns,
        streams: entity.streams,
        view_name: entity.view_name,
        select_sql: entity.select_sql,
        sql: entity.sql,
      }),
    ),
    mapping_errors: mappingErrors.map((error) => ({ ...error, overridden: edited.has(`${error.entity}/${error.stream}`) })),
    mapping_edits: mappingViews,
    orphaned_edits: {
      tables: tableEdits
        .filter((edit) => !tableNames.has(edit.table_name))
        .map((edit) => ({ table: edit.table_name, description: edit.description, updated_by: edit.updated_by, updated_at: edit.updated_at.toISOString() })),
      columns: columnEdits
        .filter((edit) => !columnKeys.has(`${edit.table_name}\u0000${edit.column_name}`))
        .map((edit) => ({
          table: edit.table_name,
          column: edit.column_name,
          description: edit.description,
          updated_by: edit.updated_by,
          updated_at: edit.updated_at.toISOString(),
        })),
      mappings: mappingViews.filter((view) => view.state === "orphaned"),
    },
  };
}

function tableView(table: TableRow, columns: ColumnRow[], edit: TableEditRow | undefined, columnEdits: ColumnEditRow[]): CatalogueTableView {
  const descriptions = new Map(columnEdits.map((columnEdit) => [columnEdit.column_name, columnEdit.description]));
  return {
    name: table.name,
    description: edit?.description ?? table.description,
    default_description: table.description,
    description_edited: edit !== undefined,
    primary_key: table.primary_key,
    cursor_field: table.cursor_field,
    sync_mode: table.sync_mode,
    row_count: Number(table.row_count),
    files: table.files,
    bytes: Number(table.bytes),
    freshness: { committed_at: table.committed_at.toISOString(), version: table.manifest_version, cursor_max: table.cursor_max },
    profiled_at: table.profiled_at.toISOString(),
    columns: columns.map(
      (column): CatalogueColumnView => ({
        name: column.name,
        type: column.type,
        description: descriptions.get(column.name) ?? null,
        default_description: null,
        description_edited: descriptions.has(column.name),
        null_count: Number(column.null_count),
        non_null_fraction: column.non_null_fraction,
        distinct_estimate: Number(column.distinct_estimate),
        samples: column.samples,
        samples_withheld: column.samples_withheld,
      }),
    ),
  };
}

function mappingEditView(edit: MappingEditRow, tables: TableRow[], entities: CatalogueEntity[], errors: MappingError[]): MappingEditView {
  const error = errors.find((candidate) => candidate.entity === edit.entity && candidate.stream === edit.stream);
  const applied = entities.find((entity) => entity.name === edit.entity)?.streams.includes(edit.stream) ?? false;
  const state = !tables.some((table) => table.name === edit.stream)
    ? "orphaned"
    : !edit.enabled
      ? "disabled"
      : error
        ? "failing"
        : applied
          ? "applied"
          : "not_applied";
  return {
    entity: edit.entity,
    stream: edit.stream,
    enabled: edit.enabled,
    column_expressions: edit.column_expressions,
    state,
    error: state === "failing" ? error!.message : null,
    updated_by: edit.updated_by,
    updated_at: edit.updated_at.toISOString(),
  };
}

/**
 * Which expression of an edit a mapping error is about, for the 400's field: the column connect says
 * has none; else the entity column whose projection holds DuckDB's caret (its message quotes the failing
 * SELECT, `CAST((<expression>) AS <type>) AS "<column>"`, with a ^ under the error); else the one
 * expression reading a name DuckDB quotes. `column_expressions` when the failing expression is one of
 * the connector's that the edit kept, or when it cannot tell.
 */
export function fieldOfMappingError(message: string, expressions: Record<string, string>): string {
  const missing = /no expression for column (\w+)/.exec(message);
  if (missing) return `column_expressions.${missing[1]}`;
  const atCaret = columnAtCaret(message);
  if (atCaret !== undefined) return Object.hasOwn(expressions, atCaret) ? `column_expressions.${atCaret}` : "column_expressions";
  const firstLine = message.split("\n", 1)[0] ?? "";
  const names = [...firstLine.matchAll(/"([^"]+)"/g)].map((match) => match[1]!.toLowerCase());
  const functions = [...firstLine.matchAll(/'([A-Za-z_][A-Za-z0-9_]*)\(/g)].map((match) => match[1]!.toLowerCase());
  const suspects = Object.entries(expressions).filter(
    ([, expression]) =>
      scanMappingExpression(expression).references.some((name) => names.includes(name.toLowerCase())) ||
      functions.some((name) => new RegExp(`\\b${name}\\s*\\(`, "i").test(expression)),
  );
  if (suspects.length === 1) return `column_expressions.${suspects[0]![0]}`;
  return "column_expressions";
}

/** The alias of the projection DuckDB's caret points into (`LINE 1: SELECT …` then a line with `^`). */
function columnAtCaret(message: string): string | undefined {
  const lines = message.split("\n");
  const at = lines.findIndex((line) => /^LINE \d+: /.test(line));
  if (at < 0 || at + 1 >= lines.length) return undefined;
  const caret = lines[at + 1]!.indexOf("^");
  if (caret < 0) return undefined;
  const alias = /\) AS "((?:[^"]|"")+)"/.exec(lines[at]!.slice(caret));
  return alias ? alias[1]!.replaceAll('""', '"') : undefined;
}

/**
 * The schema a data source's tables and entity views are bound in by the SQL service: the connector and
 * 12 hex digits of its id (stable across renames; 48 bits make a clash within a workspace negligible).
 */
export function sqlSchemaOf(source: { id: string; connector: string }): string {
  return `${source.connector.toLowerCase().replace(/[^a-z0-9_]/g, "_")}_${source.id.replaceAll("-", "").slice(0, 12)}`;
}

function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function emptySelectSql(columns: ReadonlyArray<{ name: string; type: string }>): string {
  const projections = columns.map((column) => `CAST(NULL AS ${/^[A-Z][A-Z ]*$/.test(column.type) ? column.type : "VARCHAR"}) AS ${quoteIdentifier(column.name)}`);
  return `SELECT ${projections.join(", ")}\nWHERE false`;
}

function chunks<T>(items: T[], size: number): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < items.length; start += size) result.push(items.slice(start, start + size));
  return result;
}
