import { z } from "zod";

export const workspaceRoles = ["owner", "admin", "analyst", "viewer"] as const;
export const invitableRoles = ["admin", "analyst", "viewer"] as const;

export const workspaceIdParams = z.object({ workspaceId: z.uuid({ error: "must be a workspace id (UUID)" }) });
export const memberParams = workspaceIdParams.extend({ userId: z.string().min(1).max(200) });
export const invitationParams = workspaceIdParams.extend({ invitationId: z.uuid({ error: "must be an invitation id (UUID)" }) });

export const createWorkspaceBody = z.object({ name: z.string().trim().min(1).max(120) }).strict();
export const updateWorkspaceBody = createWorkspaceBody;
export const updateMemberBody = z.object({ role: z.enum(workspaceRoles) }).strict();
export const createInvitationBody = z
  .object({ email: z.email({ error: "must be an email address" }).max(320), role: z.enum(invitableRoles).default("analyst") })
  .strict();
export const acceptInvitationBody = z.object({ token: z.string().min(20).max(200) }).strict();

export const workspaceSchema = z.object({
  id: z.string(),
  name: z.string(),
  role: z.enum(workspaceRoles),
  created_at: z.string(),
});

export const memberSchema = z.object({
  user_id: z.string(),
  name: z.string(),
  email: z.string(),
  role: z.enum(workspaceRoles),
  joined_at: z.string(),
});

export const invitationSchema = z.object({
  id: z.string(),
  email: z.string(),
  role: z.enum(invitableRoles),
  created_at: z.string(),
  expires_at: z.string(),
  accepted_at: z.string().nullable(),
  revoked_at: z.string().nullable(),
});

/** Only in the answer to the invitation's creation: the token is stored hashed and never shown again. */
export const createdInvitationSchema = invitationSchema.extend({ token: z.string(), accept_url: z.string() });
