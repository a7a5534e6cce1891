import { randomUUID } from "node:crypto";
import type { Kysely, Selectable, Updateable } from "kysely";
import { connectErrorBodySchema, validateResponseSchema, type Account, type ValidateResponse } from "@tributary/contracts";
import { ApiError, notFound } from "../api-error.js";
import type { AppContext } from "../app-context.js";
import type { ConnectClient } from "../connect/connect-client.js";
import { isUniqueViolation } from "../db/postgres-errors.js";
import type { CoreSchema, DataSourcesTable } from "../db/core-schema.js";
import { pageOf, pageOffset, type PageQuery } from "../pagination.js";
import { requireMembership } from "../workspaces/workspace-access.js";
import type { ConnectorsCatalog } from "./connectors-catalog.js";
import { CredentialsVault, type Credentials } from "./credentials-vault.js";
import type { CreateDataSourceBody, DataSourceView, UpdateDataSourceBody, ValidateDataSourceBody } from "./data-sources-schemas.js";

type DataSourceRow = Selectable<DataSourcesTable>;

/** What a check sends to connect: the credentials in clear, in memory only for the call. */
interface ConnectionInput {
  connector: string;
  credentials: Credentials;
  config: Record<string, unknown>;
  streams?: string[] | null;
}

const iso = (value: Date | null) => (value ? value.toISOString() : null);

/**
 * Data sources of a workspace. Credentials are checked by connect before anything is stored, kept only
 * as an encrypted envelope and a redacted hint, and decrypted only to be sent to connect. Every method
 * checks the caller's membership itself: reading takes `viewer`, everything that calls the provider or
 * writes takes `admin`.
 */
export class DataSourcesService {
  private readonly core: Kysely<CoreSchema>;
  private readonly connect: ConnectClient;
  private readonly vault: CredentialsVault;

  constructor(
    context: AppContext,
    private readonly catalog: ConnectorsCatalog,
  ) {
    this.core = context.databases.core;
    this.connect = context.connect;
    this.vault = new CredentialsVault(context.secretBox);
  }

  /** Checks credentials through connect without saving anything. */
  async validate(userId: string, workspaceId: string, body: ValidateDataSourceBody, requestId?: string) {
    await requireMembership(this.core, workspaceId, userId, "admin");
    await this.catalog.require(body.connector, requestId);
    return validationView(await this.check({ ...body, credentials: tidy(body.credentials) }, requestId));
  }

  /** Validates through connect first: a refusal saves nothing. */
  async create(userId: string, workspaceId: string, body: CreateDataSourceBody, requestId?: string): Promise<DataSourceView> {
    await requireMembership(this.core, workspaceId, userId, "admin");
    await this.catalog.require(body.connector, requestId);
    const credentials = tidy(body.credentials);
    const result = await this.check({ connector: body.connector, credentials, config: body.config, streams: body.streams }, requestId);
    const id = randomUUID();
    const { envelope, hint } = this.vault.seal(id, credentials);
    const sqlName = body.sql_name ?? (await this.freeSqlName(workspaceId, body.connector));
    const row = await this.core
      .insertInto("data_sources")
      .values({
        id,
        workspace_id: workspaceId,
        connector: body.connector,
        name: body.name,
        sql_name: sqlName,
        config: JSON.stringify(body.config),
        credentials_encrypted: envelope,
        credentials_hint: JSON.stringify(hint),
        streams: body.streams ? JSON.stringify(body.streams) : null,
        account: JSON.stringify(result.account),
        granted_scopes: result.granted_scopes ? JSON.stringify(result.granted_scopes) : null,
        warnings: JSON.stringify(result.warnings),
        validated_at: new Date(),
        schedule_cron: null,
        next_run_at: null,
        created_by: userId,
      })
      .returningAll()
      .executeTakeFirstOrThrow()
      .catch((error: unknown) => {
        throw isUniqueViolation(error) ? sqlNameTaken(sqlName) : error;
      });
    return dataSourceView(row);
  }

  async list(userId: string, workspaceId: string, page: PageQuery) {
    await requireMembership(this.core, workspaceId, userId);
    const rows = await this.core
      .selectFrom("data_sources")
      .selectAll()
      .where("workspace_id", "=", workspaceId)
      .orderBy("created_at")
      .orderBy("id")
      .limit(page.limit + 1)
      .offset(pageOffset(page))
      .execute();
    const result = pageOf(rows, page);
    return { ...result, items: result.items.map(dataSourceView) };
  }

  async get(userId: string, workspaceId: string, dataSourceId: string): Promise<DataSourceView> {
    await requireMembership(this.core, workspaceId, userId);
    return dataSourceView(await this.row(workspaceId, dataSourceId));
  }

  /**
   * Renames without asking anyone; new credentials, config or streams are validated through connect
   * first (with the stored credentials when only config or streams change), and nothing changes if
   * that fails.
   */
  async update(userId: string, workspaceId: string, dataSourceId: string, body: UpdateDataSourceBody, requestId?: string): Promise<DataSourceView> {
    await requireMembership(this.core, workspaceId, userId, "admin");
    const row = await this.row(workspaceId, dataSourceId);
    const changes: Updateable<DataSourcesTable> = { updated_at: new Date() };
    if (body.name !== undefined) changes.name = body.name;
    if (body.sql_name !== undefined) changes.sql_name = body.sql_name;
    if (body.credentials !== undefined || body.config !== undefined || body.streams !== undefined) {
      // New credentials replace the old ones whole: the old ones need not even be readable.
      const credentials = body.credentials !== undefined ? tidy(body.credentials) : this.vault.open(row.id, row.credentials_encrypted);
      const config = body.config ?? row.config;
      const streams = body.streams === undefined ? row.streams : body.streams;
      const result = await this.check({ connector: row.connector, credentials, config, streams }, requestId);
      if (body.credentials !== undefined) {
        const { envelope, hint } = this.vault.seal(row.id, credentials);
        changes.credentials_encrypted = envelope;
        changes.credentials_hint = JSON.stringify(hint);
      }
      Object.assign(changes, validationColumns(result), { config: JSON.stringify(config), streams: streams ? JSON.stringify(streams) : null });
    }
    return dataSourceView(await this.write(workspaceId, dataSourceId, changes));
  }

  async remove(userId: string, workspaceId: string, dataSourceId: string): Promise<void> {
    await requireMembership(this.core, workspaceId, userId, "admin");
    // A run in flight would keep writing to storage for a source that no longer exists: cancel it first.
    const active = await this.core
      .selectFrom("ingestion_runs")
      .select("id")
      .where("data_source_id", "=", dataSourceId)
      .where("workspace_id", "=", workspaceId)
      .where("status", "in", ["queued", "running"])
      .executeTakeFirst();
    if (active) throw new ApiError("conflict", `Run ${active.id} of this data source is still active; cancel it before deleting the data source`, { active_run_id: active.id });
    const deleted = await this.core.deleteFrom("data_sources").where("id", "=", dataSourceId).where("workspace_id", "=", workspaceId).executeTakeFirst();
    if (Number(deleted.numDeletedRows) === 0) throw notFound("Data source");
  }

  /** Checks the stored credentials again (a token revoked, scopes changed) and records what was found. */
  async revalidate(userId: string, workspaceId: string, dataSourceId: string, requestId?: string) {
    await requireMembership(this.core, workspaceId, userId, "admin");
    const row = await this.row(workspaceId, dataSourceId);
    const credentials = this.vault.open(row.id, row.credentials_encrypted);
    const result = await this.check({ connector: row.connector, credentials, config: row.config, streams: row.streams }, requestId);
    const updated = await this.write(workspaceId, dataSourceId, { ...validationColumns(result), updated_at: new Date() });
    return { ...validationView(result), data_source: dataSourceView(updated) };
  }

  /** The connector's id if no source of the workspace has it as its SQL name, else the first free `<id>_<n>`. */
  private async freeSqlName(workspaceId: string, connector: string): Promise<string> {
    const base = /^[a-z_]/.test(connector) ? connector.replaceAll("-", "_") : `_${connector.replaceAll("-", "_")}`;
    const taken = new Set(
      (await this.core.selectFrom("data_sources").select("sql_name").where("workspace_id", "=", workspaceId).execute()).map((row) => row.sql_name),
    );
    if (!taken.has(base)) return base;
    for (let n = 2; ; n += 1) if (!taken.has(`${base}_${n}`)) return `${base}_${n}`;
  }

  private async row(workspaceId: string, dataSourceId: string): Promise<DataSourceRow> {
    const row = await this.core.selectFrom("data_sources").selectAll().where("id", "=", dataSourceId).where("workspace_id", "=", workspaceId).executeTakeFirst();
    if (!row) throw notFound("Data source");
    return row;
  }

  private async write(workspaceId: string, dataSourceId: string, changes: Updateable<DataSourcesTable>): Promise<DataSourceRow> {
    const row = await this.core
      .updateTable("data_sources")
      .set(changes)
      .where("id", "=", dataSourceId)
      .where("workspace_id", "=", workspaceId)
      .returningAll()
      .executeTakeFirst()
      .catch((error: unknown) => {
        throw isUniqueViolation(error) && typeof changes.sql_name === "string" ? sqlNameTaken(changes.sql_name) : error;
      });
    // Deleted while connect was being asked.
    if (!row) throw notFound("Data source");
    return row;
  }

  private check(input: ConnectionInput, requestId: string | undefined): Promise<ValidateResponse> {
    return validateThroughConnect(this.connect, input, requestId);
  }
}

/**
 * A data source with its credentials decrypted, for the runs dispatcher to hand to connect. No
 * membership check: the caller has done it (or is the scheduler). The credentials must go nowhere but
 * connect's request body: never into a log line, an error or a stored run.
 */
export async function loadDataSourceForRun(context: AppContext, workspaceId: string, dataSourceId: string) {
  const row = await context.databases.core
    .selectFrom("data_sources")
    .select(["id", "workspace_id", "connector", "config", "streams", "credentials_encrypted"])
    .where("id", "=", dataSourceId)
    .where("workspace_id", "=", workspaceId)
    .executeTakeFirst();
  if (!row) throw notFound("Data source");
  const credentials = new CredentialsVault(context.secretBox).open(row.id, row.credentials_encrypted);
  return { id: row.id, workspace_id: row.workspace_id, connector: row.connector, config: row.config, streams: row.streams, credentials };
}

export type DataSourceForRun = Awaited<ReturnType<typeof loadDataSourceForRun>>;

/**
 * Asks connect to check credentials against the provider and turns its typed refusals into the API's
 * errors. connect's messages never contain a credential (its contract); they are passed on because they
 * say what to fix. Nothing of the credentials is put in any error here.
 */
export async function validateThroughConnect(connect: ConnectClient, input: ConnectionInput, requestId?: string): Promise<ValidateResponse> {
  const body = { connector: input.connector, credentials: input.credentials, config: input.config, ...(input.streams ? { streams: input.streams } : {}) };
  const response = await connect.post("/internal/mirror-connections/validate", body, requestId).catch((error: unknown) => {
    if (error instanceof ApiError) throw error;
    throw connectUnavailable("answered the credential check with something that is not JSON");
  });
  if (response.status === 200) {
    const parsed = validateResponseSchema.safeParse(response.body);
    if (!parsed.success) throw connectUnavailable("answered the credential check in a shape this backend does not understand");
    return parsed.data;
  }
  if (response.status === 401) throw connectUnavailable("refused the backend's service token; CONNECT_SERVICE_TOKEN must be the same in both services");
  const failure = connectErrorBodySchema.safeParse(response.body);
  if (!failure.success) throw connectUnavailable(`answered the credential check with HTTP ${response.status}`);
  const { code, message, field, missing_scopes, retry_after_seconds, retry_at, account, warnings } = failure.data.error;
  switch (code) {
    case "bad_request":
      throw new ApiError("bad_request", message, { field: field ?? "body" });
    case "unknown_connector":
      throw new ApiError("bad_request", `connector: ${message}`, { field: "connector" });
    case "invalid_credentials":
      throw new ApiError("invalid_credentials", message, { field: "credentials" });
    case "missing_scopes":
      throw new ApiError("missing_scopes", message, { field: "credentials", missing_scopes: missing_scopes ?? [], ...(account ? { account } : {}), ...(warnings ? { warnings } : {}) });
    case "rate_limited":
      throw new ApiError("rate_limited", message, { ...(retry_after_seconds !== undefined ? { retry_after_seconds } : {}), ...(retry_at ? { retry_at } : {}) });
    case "provider_unavailable":
      throw new ApiError("provider_unavailable", message);
    case "provider_error":
      throw new ApiError("provider_error", message);
    default:
      throw connectUnavailable(`could not check the credentials (${code}, HTTP ${response.status})`);
  }
}


function sqlNameTaken(sqlName: string): ApiError {
  return new ApiError("conflict", `sql_name: another data source of this workspace is already named ${sqlName} in SQL`, { field: "sql_name" });
}

function connectUnavailable(what: string): ApiError {
  return new ApiError("connect_unavailable", `The ingestion service (connect) ${what}`);
}

/** Pasted values lose surrounding whitespace (a trailing newline), as connect's schemas do before checking. */
function tidy(credentials: Credentials): Credentials {
  return Object.fromEntries(Object.entries(credentials).map(([field, value]) => [field, typeof value === "string" ? value.trim() : value]));
}

function validationColumns(result: ValidateResponse): Updateable<DataSourcesTable> {
  return {
    account: JSON.stringify(result.account),
    granted_scopes: result.granted_scopes ? JSON.stringify(result.granted_scopes) : null,
    warnings: JSON.stringify(result.warnings),
    validated_at: new Date(),
  };
}

function validationView(result: ValidateResponse) {
  return {
    connector: result.connector,
    account: result.account,
    token_type: result.token_type,
    granted_scopes: result.granted_scopes,
    missing_scopes: result.missing_scopes,
    warnings: result.warnings,
    streams: result.streams,
  };
}

export function dataSourceView(row: DataSourceRow): DataSourceView {
  return {
    id: row.id,
    workspace_id: row.workspace_id,
    connector: row.connector,
    name: row.name,
    sql_name: row.sql_name,
    config: row.config,
    streams: row.streams,
    credentials_hint: row.credentials_hint,
    account: row.account as Account | null,
    granted_scopes: row.granted_scopes,
    warnings: row.warnings,
    validated_at: iso(row.validated_at),
    schedule: row.schedule_cron ? { cron: row.schedule_cron, timezone: row.schedule_timezone, next_run_at: iso(row.next_run_at) } : null,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}
