import { randomUUID } from "node:crypto";
import type { Kysely } from "kysely";
import { generateAccessToken, hashAccessToken } from "@tributary/crypto";
import { ApiError, notFound } from "../api-error.js";
import type { AuthSchema } from "../db/auth-schema.js";
import type { CoreSchema, WorkspaceRole } from "../db/core-schema.js";
import { pageOf, pageOffset, type PageQuery } from "../pagination.js";
import { requireMembership, roleAtLeast } from "./workspace-access.js";

const invitationDays = 14;

const iso = (value: Date | null) => (value ? value.toISOString() : null);

/** Workspaces, members and invitations. Every method checks the caller's membership itself. */
export class WorkspacesService {
  constructor(
    private readonly core: Kysely<CoreSchema>,
    private readonly auth: Kysely<AuthSchema>,
    private readonly frontendUrl: string,
  ) {}

  async create(userId: string, name: string) {
    const id = randomUUID();
    await this.core.transaction().execute(async (trx) => {
      await trx.insertInto("workspaces").values({ id, name, created_by: userId }).execute();
      await trx.insertInto("workspace_members").values({ workspace_id: id, user_id: userId, role: "owner" }).execute();
    });
    return this.get(userId, id);
  }

  async list(userId: string, page: PageQuery) {
    const rows = await this.core
      .selectFrom("workspaces")
      .innerJoin("workspace_members", "workspace_members.workspace_id", "workspaces.id")
      .select(["workspaces.id", "workspaces.name", "workspaces.created_at", "workspace_members.role"])
      .where("workspace_members.user_id", "=", userId)
      .orderBy("workspaces.created_at")
      .orderBy("workspaces.id")
      .limit(page.limit + 1)
      .offset(pageOffset(page))
      .execute();
    const result = pageOf(rows, page);
    return { ...result, items: result.items.map((row) => ({ id: row.id, name: row.name, role: row.role, created_at: row.created_at.toISOString() })) };
  }

  async get(userId: string, workspaceId: string) {
    const role = await requireMembership(this.core, workspaceId, userId);
    const row = await this.core.selectFrom("workspaces").selectAll().where("id", "=", workspaceId).executeTakeFirstOrThrow();
    return { id: row.id, name: row.name, role, created_at: row.created_at.toISOString() };
  }

  async rename(userId: string, workspaceId: string, name: string) {
    await requireMembership(this.core, workspaceId, userId, "admin");
    await this.core.updateTable("workspaces").set({ name }).where("id", "=", workspaceId).execute();
    return this.get(userId, workspaceId);
  }

  async remove(userId: string, workspaceId: string) {
    await requireMembership(this.core, workspaceId, userId, "owner");
    await this.core.deleteFrom("workspaces").where("id", "=", workspaceId).execute();
  }

  async members(userId: string, workspaceId: string, page: PageQuery) {
    await requireMembership(this.core, workspaceId, userId);
    const rows = await this.core
      .selectFrom("workspace_members")
      .select(["user_id", "role", "created_at"])
      .where("workspace_id", "=", workspaceId)
      .orderBy("created_at")
      .orderBy("user_id")
      .limit(page.limit + 1)
      .offset(pageOffset(page))
      .execute();
    const result = pageOf(rows, page);
    // Users live in the auth database: one lookup for the page.
    const ids = result.items.map((row) => row.user_id);
    const users = ids.length > 0 ? await this.auth.selectFrom("user").select(["id", "name", "email"]).where("id", "in", ids).execute() : [];
    const byId = new Map(users.map((user) => [user.id, user]));
    return {
      ...result,
      items: result.items.map((row) => ({
        user_id: row.user_id,
        name: byId.get(row.user_id)?.name ?? "",
        email: byId.get(row.user_id)?.email ?? "",
        role: row.role,
        joined_at: row.created_at.toISOString(),
      })),
    };
  }

  async changeRole(userId: string, workspaceId: string, memberId: string, role: WorkspaceRole) {
    const callerRole = await requireMembership(this.core, workspaceId, userId, "admin");
    const target = await this.memberRole(workspaceId, memberId);
    // Only owners make or unmake owners.
    if ((role === "owner" || target === "owner") && callerRole !== "owner") throw new ApiError("forbidden", "Only an owner can grant or remove the owner role");
    if (target === "owner" && role !== "owner") await this.keepAnOwner(workspaceId);
    await this.core.updateTable("workspace_members").set({ role }).where("workspace_id", "=", workspaceId).where("user_id", "=", memberId).execute();
  }

  async removeMember(userId: string, workspaceId: string, memberId: string) {
    // Anyone may leave; removing someone else takes an admin, and an owner only by an owner.
    const callerRole = await requireMembership(this.core, workspaceId, userId, userId === memberId ? "viewer" : "admin");
    const target = await this.memberRole(workspaceId, memberId);
    if (target === "owner" && userId !== memberId && callerRole !== "owner") throw new ApiError("forbidden", "Only an owner can remove an owner");
    if (target === "owner") await this.keepAnOwner(workspaceId);
    await this.core.deleteFrom("workspace_members").where("workspace_id", "=", workspaceId).where("user_id", "=", memberId).execute();
  }

  async invite(userId: string, workspaceId: string, email: string, role: "admin" | "analyst" | "viewer") {
    const callerRole = await requireMembership(this.core, workspaceId, userId, "admin");
    if (role === "admin" && !roleAtLeast(callerRole, "admin")) throw new ApiError("forbidden", "Only admins can invite admins");
    const { token } = generateAccessToken("trb_inv");
    const id = randomUUID();
    const expiresAt = new Date(Date.now() + invitationDays * 24 * 3600 * 1000);
    await this.core
      .insertInto("workspace_invitations")
      .values({ id, workspace_id: workspaceId, email: email.toLowerCase(), role, token_hash: hashAccessToken(token), invited_by: userId, expires_at: expiresAt, accepted_at: null, revoked_at: null })
      .execute();
    const invitation = await this.invitation(workspaceId, id);
    return { ...invitation, token, accept_url: `${this.frontendUrl.replace(/\/+$/, "")}/invitations/${token}` };
  }

  async invitations(userId: string, workspaceId: string, page: PageQuery) {
    await requireMembership(this.core, workspaceId, userId, "admin");
    const rows = await this.core
      .selectFrom("workspace_invitations")
      .selectAll()
      .where("workspace_id", "=", workspaceId)
      .orderBy("created_at", "desc")
      .orderBy("id")
      .limit(page.limit + 1)
      .offset(pageOffset(page))
      .execute();
    const result = pageOf(rows, page);
    return { ...result, items: result.items.map(invitationView) };
  }

  async revokeInvitation(userId: string, workspaceId: string, invitationId: string) {
    await requireMembership(this.core, workspaceId, userId, "admin");
    const updated = await this.core
      .updateTable("workspace_invitations")
      .set({ revoked_at: new Date() })
      .where("id", "=", invitationId)
      .where("workspace_id", "=", workspaceId)
      .where("accepted_at", "is", null)
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) === 0) throw notFound("Open invitation");
  }

  /** The invited person, signed in with the invited address, joins with the invited role. */
  async accept(user: { id: string; email: string }, token: string) {
    const row = await this.core.selectFrom("workspace_invitations").selectAll().where("token_hash", "=", hashAccessToken(token)).executeTakeFirst();
    if (!row || row.revoked_at || row.accepted_at || row.expires_at.getTime() <= Date.now()) throw notFound("Invitation");
    if (row.email !== user.email.toLowerCase()) throw new ApiError("forbidden", "This invitation was sent to another email address; sign in with that address to accept it");
    await this.core.transaction().execute(async (trx) => {
      await trx.updateTable("workspace_invitations").set({ accepted_at: new Date() }).where("id", "=", row.id).execute();
      await trx
        .insertInto("workspace_members")
        .values({ workspace_id: row.workspace_id, user_id: user.id, role: row.role })
        .onConflict((conflict) => conflict.columns(["workspace_id", "user_id"]).doNothing())
        .execute();
    });
    return this.get(user.id, row.workspace_id);
  }

  private async invitation(workspaceId: string, id: string) {
    const row = await this.core.selectFrom("workspace_invitations").selectAll().where("workspace_id", "=", workspaceId).where("id", "=", id).executeTakeFirstOrThrow();
    return invitationView(row);
  }

  private async memberRole(workspaceId: string, memberId: string): Promise<WorkspaceRole> {
    const row = await this.core.selectFrom("workspace_members").select("role").where("workspace_id", "=", workspaceId).where("user_id", "=", memberId).executeTakeFirst();
    if (!row) throw notFound("Member");
    return row.role;
  }

  private async keepAnOwner(workspaceId: string) {
    const owners = await this.core
      .selectFrom("workspace_members")
      .select((eb) => eb.fn.countAll<string>().as("count"))
      .where("workspace_id", "=", workspaceId)
      .where("role", "=", "owner")
      .executeTakeFirstOrThrow();
    if (Number(owners.count) <= 1) throw new ApiError("conflict", "A workspace keeps at least one owner; make someone else owner first");
  }
}

function invitationView(row: {
  id: string;
  email: string;
  role: "admin" | "analyst" | "viewer";
  created_at: Date;
  expires_at: Date;
  accepted_at: Date | null;
  revoked_at: Date | null;
}) {
  return {
    id: row.id,
    email: row.email,
    role: row.role,
    created_at: row.created_at.toISOString(),
    expires_at: row.expires_at.toISOString(),
    accepted_at: iso(row.accepted_at),
    revoked_at: iso(row.revoked_at),
  };
}
