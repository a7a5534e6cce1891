import { randomUUID } from "node:crypto";
import type { Kysely, Selectable } from "kysely";
import type { CoreSchema } from "../db/core-schema.js";
import { pageOf, pageOffset, type PageQuery } from "../pagination.js";
import type { QueryHistoryTable, QueryOutcome } from "./query-tables.js";

/** Each user keeps this many of their newest queries per workspace; older ones are pruned. */
export const historyPerUser = 500;

export interface HistoryEntry {
  id?: string;
  workspaceId: string;
  userId: string;
  sql: string;
  savedQueryId: string | undefined;
  format: string;
  status: QueryOutcome;
  error: { code: string; message: string } | undefined;
  rowCount: number | undefined;
  truncated: boolean;
  durationMs: number;
}

/** Who ran what, how it went: a user's own history, never another's. */
export class QueryHistory {
  constructor(
    private readonly core: Kysely<CoreSchema>,
    private readonly log: { warn(details: object, message: string): void },
  ) {}

  /** Never fails the query it describes: a history write that fails is logged. */
  async record(entry: HistoryEntry): Promise<void> {
    try {
      await this.core
        .insertInto("query_history")
        .values({
          id: entry.id ?? randomUUID(),
          workspace_id: entry.workspaceId,
          user_id: entry.userId,
          sql: entry.sql,
          saved_query_id: entry.savedQueryId ?? null,
          format: entry.format,
          status: entry.status,
          error_code: entry.error?.code ?? null,
          error_message: entry.error?.message ?? null,
          row_count: entry.rowCount ?? null,
          truncated: entry.truncated,
          duration_ms: Math.round(entry.durationMs),
        })
        .execute();
      const cutoff = await this.core
        .selectFrom("query_history")
        .select("created_at")
        .where("workspace_id", "=", entry.workspaceId)
        .where("user_id", "=", entry.userId)
        .orderBy("created_at", "desc")
        .offset(historyPerUser)
        .limit(1)
        .executeTakeFirst();
      if (cutoff) {
        await this.core
          .deleteFrom("query_history")
          .where("workspace_id", "=", entry.workspaceId)
          .where("user_id", "=", entry.userId)
          .where("created_at", "<=", cutoff.created_at)
          .execute();
      }
    } catch (error) {
      this.log.warn({ err: error, workspace_id: entry.workspaceId }, "could not record a query in the history");
    }
  }

  async list(workspaceId: string, userId: string, page: PageQuery) {
    const rows = await this.core
      .selectFrom("query_history")
      .selectAll()
      .where("workspace_id", "=", workspaceId)
      .where("user_id", "=", userId)
      .orderBy("created_at", "desc")
      .orderBy("id")
      .limit(page.limit + 1)
      .offset(pageOffset(page))
      .execute();
    const result = pageOf(rows, page);
    return { ...result, items: result.items.map(historyView) };
  }
}

function historyView(row: Selectable<QueryHistoryTable>) {
  return {
    id: row.id,
    sql: row.sql,
    saved_query_id: row.saved_query_id,
    format: row.format,
    status: row.status,
    error: row.error_code ? { code: row.error_code, message: row.error_message ?? "" } : null,
    row_count: row.row_count === null ? null : Number(row.row_count),
    truncated: row.truncated,
    duration_ms: row.duration_ms,
    created_at: row.created_at.toISOString(),
  };
}
