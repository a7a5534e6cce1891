import { randomUUID } from "node:crypto";
import type { Kysely, Selectable, Updateable } from "kysely";
import { ApiError, notFound } from "../api-error.js";
import { isUniqueViolation } from "../db/postgres-errors.js";
import type { CoreSchema } from "../db/core-schema.js";
import { pageOf, pageOffset, type PageQuery } from "../pagination.js";
import type { SavedQueriesTable } from "../query/query-tables.js";
import { requireMembership, roleAtLeast } from "../workspaces/workspace-access.js";
import type { CreateSavedQueryBody, SavedQueryView, UpdateSavedQueryBody } from "./saved-queries-schemas.js";

/**
 * A workspace's named queries. Every member reads and runs them; analysts and above save new ones; a
 * query is changed or deleted by whoever saved it, or by an admin.
 */
export class SavedQueriesService {
  constructor(private readonly core: Kysely<CoreSchema>) {}

  async create(userId: string, workspaceId: string, body: CreateSavedQueryBody): Promise<SavedQueryView> {
    await requireMembership(this.core, workspaceId, userId, "analyst");
    const row = await this.core
      .insertInto("saved_queries")
      .values({ id: randomUUID(), workspace_id: workspaceId, name: body.name, description: body.description, sql: body.sql, created_by: userId, updated_by: userId, updated_at: new Date() })
      .returningAll()
      .executeTakeFirstOrThrow()
      .catch((error: unknown) => {
        throw isUniqueViolation(error) ? nameTaken(body.name) : error;
      });
    return savedQueryView(row);
  }

  async list(userId: string, workspaceId: string, page: PageQuery) {
    await requireMembership(this.core, workspaceId, userId);
    const rows = await this.core
      .selectFrom("saved_queries")
      .selectAll()
      .where("workspace_id", "=", workspaceId)
      .orderBy("name")
      .orderBy("id")
      .limit(page.limit + 1)
      .offset(pageOffset(page))
      .execute();
    const result = pageOf(rows, page);
    return { ...result, items: result.items.map(savedQueryView) };
  }

  async get(userId: string, workspaceId: string, savedQueryId: string): Promise<SavedQueryView> {
    await requireMembership(this.core, workspaceId, userId);
    return savedQueryView(await this.row(workspaceId, savedQueryId));
  }

  async update(userId: string, workspaceId: string, savedQueryId: string, body: UpdateSavedQueryBody): Promise<SavedQueryView> {
    await this.requireEditor(userId, workspaceId, savedQueryId);
    const changes: Updateable<SavedQueriesTable> = { updated_by: userId, updated_at: new Date() };
    if (body.name !== undefined) changes.name = body.name;
    if (body.description !== undefined) changes.description = body.description;
    if (body.sql !== undefined) changes.sql = body.sql;
    const row = await this.core
      .updateTable("saved_queries")
      .set(changes)
      .where("id", "=", savedQueryId)
      .where("workspace_id", "=", workspaceId)
      .returningAll()
      .executeTakeFirst()
      .catch((error: unknown) => {
        throw isUniqueViolation(error) && body.name ? nameTaken(body.name) : error;
      });
    if (!row) throw notFound("Saved query");
    return savedQueryView(row);
  }

  async remove(userId: string, workspaceId: string, savedQueryId: string): Promise<void> {
    await this.requireEditor(userId, workspaceId, savedQueryId);
    await this.core.deleteFrom("saved_queries").where("id", "=", savedQueryId).where("workspace_id", "=", workspaceId).execute();
  }

  private async requireEditor(userId: string, workspaceId: string, savedQueryId: string): Promise<void> {
    const role = await requireMembership(this.core, workspaceId, userId, "analyst");
    const row = await this.row(workspaceId, savedQueryId);
    if (row.created_by !== userId && !roleAtLeast(role, "admin")) {
      throw new ApiError("forbidden", "Only whoever saved this query, or an admin, can change or delete it");
    }
  }

  private async row(workspaceId: string, savedQueryId: string): Promise<Selectable<SavedQueriesTable>> {
    const row = await this.core.selectFrom("saved_queries").selectAll().where("id", "=", savedQueryId).where("workspace_id", "=", workspaceId).executeTakeFirst();
    if (!row) throw notFound("Saved query");
    return row;
  }
}


function nameTaken(name: string): ApiError {
  return new ApiError("conflict", `name: this workspace already has a saved query named "${name}"`, { field: "name" });
}

function savedQueryView(row: Selectable<SavedQueriesTable>): SavedQueryView {
  return {
    id: row.id,
    workspace_id: row.workspace_id,
    name: row.name,
    description: row.description,
    sql: row.sql,
    created_by: row.created_by,
    updated_by: row.updated_by,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}
