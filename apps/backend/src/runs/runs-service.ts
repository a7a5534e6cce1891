import { sql, type Selectable } from "kysely";
import { ApiError, notFound } from "../api-error.js";
import type { AppContext } from "../app-context.js";
import type { IngestionRunsTable, WorkspaceRole } from "../db/core-schema.js";
import { pageOf, pageOffset } from "../pagination.js";
import { requireMembership } from "../workspaces/workspace-access.js";
import type { RunDispatcher } from "./run-dispatcher.js";
import { statsOf } from "./run-executor.js";
import type { ListRunsQuery, RunView, StreamProgress, TriggerRunBody } from "./runs-schemas.js";
import { validateSchedule } from "./schedules.js";

type RunRow = Selectable<IngestionRunsTable>;

/**
 * Who may do what with runs: any member reads them (history, progress, snapshots); starting,
 * cancelling and scheduling runs takes an analyst (analysts are the people who mirror data; viewers only
 * look). Creating the data source itself takes an admin (data sources' own rule).
 */
export const runOperatorRole: WorkspaceRole = "analyst";

const iso = (value: Date | null) => (value ? value.toISOString() : null);

/** Runs of a workspace: "sync now", history, cancel, schedules and committed snapshots. Every method checks membership. */
export class RunsService {
  constructor(
    private readonly context: AppContext,
    private readonly dispatcher: RunDispatcher,
  ) {}

  private get core() {
    return this.context.databases.core;
  }

  /** Queues a run (202); a second while one is queued or running is a 409 naming the active run. */
  async trigger(userId: string, workspaceId: string, dataSourceId: string, body: TriggerRunBody): Promise<RunView> {
    await requireMembership(this.core, workspaceId, userId, runOperatorRole);
    const source = await this.dataSource(workspaceId, dataSourceId);
    if (body.streams && source.streams) {
      const unknown = body.streams.filter((stream) => !source.streams!.includes(stream));
      if (unknown.length > 0) {
        throw new ApiError("bad_request", `streams: ${unknown.join(", ")} not selected for this data source (selected: ${source.streams.join(", ")})`, {
          field: "streams",
        });
      }
    }
    const runId = await this.core.transaction().execute((trx) =>
      this.dispatcher.createRun(trx, {
        workspaceId,
        dataSourceId,
        trigger: "manual",
        triggeredBy: userId,
        syncMode: body.sync_mode,
        streams: body.streams ?? null,
      }),
    );
    if (!runId) {
      const active = await this.core
        .selectFrom("ingestion_runs")
        .select(["id", "status"])
        .where("data_source_id", "=", dataSourceId)
        .where("status", "in", ["queued", "running"])
        .executeTakeFirst();
      throw new ApiError("conflict", `A run of this data source is already ${active?.status ?? "active"} (${active?.id ?? "unknown"}); wait for it to end or cancel it`, {
        active_run_id: active?.id,
      });
    }
    this.dispatcher.wake();
    return this.get(userId, workspaceId, runId);
  }

  async list(userId: string, workspaceId: string, query: ListRunsQuery) {
    await requireMembership(this.core, workspaceId, userId);
    let select = this.core.selectFrom("ingestion_runs").selectAll().where("workspace_id", "=", workspaceId);
    if (query.data_source_id) select = select.where("data_source_id", "=", query.data_source_id);
    if (query.status) select = select.where("status", "=", query.status);
    const rows = await select
      .orderBy("created_at", "desc")
      .orderBy("id", "desc")
      .limit(query.limit + 1)
      .offset(pageOffset(query))
      .execute();
    const page = pageOf(rows, query);
    return { ...page, items: await this.views(page.items) };
  }

  async get(userId: string, workspaceId: string, runId: string): Promise<RunView> {
    await requireMembership(this.core, workspaceId, userId);
    return (await this.views([await this.row(workspaceId, runId)]))[0]!;
  }

  /**
   * A queued run is cancelled at once. A running one is marked; the replica executing it asks connect
   * to cancel (at once when it is this replica, at its next heartbeat otherwise) and the run ends
   * `cancelled` when connect confirms or the stream is closed. A finished run: 409.
   */
  async cancel(userId: string, workspaceId: string, runId: string): Promise<RunView> {
    await requireMembership(this.core, workspaceId, userId, runOperatorRole);
    await this.row(workspaceId, runId);
    const queued = await this.core
      .updateTable("ingestion_runs")
      .set({ status: "cancelled", cancel_requested_at: sql`now()`, finished_at: sql`now()`, heartbeat_at: null })
      .where("id", "=", runId)
      .where("workspace_id", "=", workspaceId)
      .where("status", "=", "queued")
      .returning("id")
      .executeTakeFirst();
    if (!queued) {
      const running = await this.core
        .updateTable("ingestion_runs")
        .set({ cancel_requested_at: sql`coalesce(cancel_requested_at, now())` })
        .where("id", "=", runId)
        .where("workspace_id", "=", workspaceId)
        .where("status", "=", "running")
        .returning("id")
        .executeTakeFirst();
      if (!running) {
        const row = await this.row(workspaceId, runId);
        throw new ApiError("conflict", `The run already ended (${row.status}); there is nothing to cancel`);
      }
      this.dispatcher.executor.cancelLocal(runId);
    }
    return this.get(userId, workspaceId, runId);
  }

  async getSchedule(userId: string, workspaceId: string, dataSourceId: string) {
    await requireMembership(this.core, workspaceId, userId);
    return scheduleView(await this.dataSource(workspaceId, dataSourceId));
  }

  async setSchedule(userId: string, workspaceId: string, dataSourceId: string, cron: string, timezone: string) {
    await requireMembership(this.core, workspaceId, userId, runOperatorRole);
    await this.dataSource(workspaceId, dataSourceId);
    const { nextRunAt } = validateSchedule(cron, timezone);
    const row = await this.core
      .updateTable("data_sources")
      .set({ schedule_cron: cron, schedule_timezone: timezone, next_run_at: nextRunAt, updated_at: new Date() })
      .where("id", "=", dataSourceId)
      .where("workspace_id", "=", workspaceId)
      .returning(["id", "schedule_cron", "schedule_timezone", "next_run_at", "streams"])
      .executeTakeFirst();
    if (!row) throw notFound("Data source");
    return scheduleView(row);
  }

  async deleteSchedule(userId: string, workspaceId: string, dataSourceId: string): Promise<void> {
    await requireMembership(this.core, workspaceId, userId, runOperatorRole);
    const updated = await this.core
      .updateTable("data_sources")
      .set({ schedule_cron: null, next_run_at: null, updated_at: new Date() })
      .where("id", "=", dataSourceId)
      .where("workspace_id", "=", workspaceId)
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) === 0) throw notFound("Data source");
  }

  /** The streams whose snapshot the backend recorded: what the next run resumes from. */
  async snapshots(userId: string, workspaceId: string, dataSourceId: string) {
    await requireMembership(this.core, workspaceId, userId);
    await this.dataSource(workspaceId, dataSourceId);
    const rows = await this.core
      .selectFrom("stream_snapshots")
      .select(["stream", "manifest_version", "records", "files", "committed_at", "run_id"])
      .where("data_source_id", "=", dataSourceId)
      .where("workspace_id", "=", workspaceId)
      .orderBy("stream")
      .execute();
    return {
      items: rows.map((row) => {
        const files = (row.files ?? []) as Array<{ bytes?: number }>;
        return {
          stream: row.stream,
          manifest_version: row.manifest_version,
          records: Number(row.records),
          files: files.length,
          bytes: files.reduce((sum, file) => sum + (typeof file.bytes === "number" ? file.bytes : 0), 0),
          committed_at: row.committed_at.toISOString(),
          run_id: row.run_id,
        };
      }),
    };
  }

  private async dataSource(workspaceId: string, dataSourceId: string) {
    const row = await this.core
      .selectFrom("data_sources")
      .select(["id", "schedule_cron", "schedule_timezone", "next_run_at", "streams"])
      .where("id", "=", dataSourceId)
      .where("workspace_id", "=", workspaceId)
      .executeTakeFirst();
    if (!row) throw notFound("Data source");
    return row;
  }

  private async row(workspaceId: string, runId: string): Promise<RunRow> {
    const row = await this.core.selectFrom("ingestion_runs").selectAll().where("id", "=", runId).where("workspace_id", "=", workspaceId).executeTakeFirst();
    if (!row) throw notFound("Run");
    return row;
  }

  /** Views of runs, with the triggering users looked up in the auth database once per page. */
  private async views(rows: RunRow[]): Promise<RunView[]> {
    const ids = [...new Set(rows.map((row) => row.triggered_by).filter((id): id is string => id !== null))];
    const users = ids.length > 0 ? await this.context.databases.auth.selectFrom("user").select(["id", "name", "email"]).where("id", "in", ids).execute() : [];
    const byId = new Map(users.map((user) => [user.id, user]));
    return rows.map((row) => runView(row, row.triggered_by ? (byId.get(row.triggered_by) ?? { id: row.triggered_by, name: null, email: null }) : null));
  }
}

function scheduleView(row: { id: string; schedule_cron: string | null; schedule_timezone: string; next_run_at: Date | null }) {
  return { data_source_id: row.id, cron: row.schedule_cron, timezone: row.schedule_timezone, next_run_at: iso(row.next_run_at) };
}

export function runView(row: RunRow, triggeredBy: { id: string; email: string | null; name: string | null } | null): RunView {
  const progress = (row.progress ?? {}) as Record<string, StreamProgress>;
  const end = row.finished_at ?? (row.status === "running" || row.status === "queued" ? new Date() : null);
  const error = row.error as { code?: unknown; message?: unknown; retry_at?: unknown } | null;
  return {
    id: row.id,
    workspace_id: row.workspace_id,
    data_source_id: row.data_source_id,
    status: row.status,
    trigger: row.trigger,
    triggered_by: triggeredBy,
    sync_mode: row.sync_mode,
    streams: row.streams,
    attempt: row.attempt,
    created_at: row.created_at.toISOString(),
    started_at: iso(row.started_at),
    finished_at: iso(row.finished_at),
    heartbeat_at: iso(row.heartbeat_at),
    cancel_requested_at: iso(row.cancel_requested_at),
    duration_ms: row.started_at && end ? Math.max(0, end.getTime() - row.started_at.getTime()) : null,
    progress,
    stats: statsOf(progress),
    error: error
      ? {
          code: String(error.code ?? "error"),
          message: String(error.message ?? "The run failed"),
          ...(typeof error.retry_at === "string" && (row.status === "queued" || row.status === "running") ? { retry_at: error.retry_at } : {}),
        }
      : null,
  };
}
