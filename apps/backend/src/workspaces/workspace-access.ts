import type { Kysely } from "kysely";
import { ApiError, notFound } from "../api-error.js";
import type { CoreSchema, WorkspaceRole } from "../db/core-schema.js";

const rank: Record<WorkspaceRole, number> = { viewer: 0, analyst: 1, admin: 2, owner: 3 };

export function roleAtLeast(role: WorkspaceRole, minimum: WorkspaceRole): boolean {
  return rank[role] >= rank[minimum];
}

/**
 * The caller's role in a workspace, checked on every route that touches one. Not a member: 404, as if
 * the workspace did not exist (its existence is not the caller's business). A member whose role is too
 * low: 403 naming the role needed.
 */
export async function requireMembership(
  core: Kysely<CoreSchema>,
  workspaceId: string,
  userId: string,
  minimum: WorkspaceRole = "viewer",
): Promise<WorkspaceRole> {
  const member = await core
    .selectFrom("workspace_members")
    .select("role")
    .where("workspace_id", "=", workspaceId)
    .where("user_id", "=", userId)
    .executeTakeFirst();
  if (!member) throw notFound("Workspace");
  if (!roleAtLeast(member.role, minimum)) throw new ApiError("forbidden", `This needs the ${minimum} role or higher in the workspace; you are ${member.role}`);
  return member.role;
}
