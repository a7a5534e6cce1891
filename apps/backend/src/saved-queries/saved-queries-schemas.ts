import { z } from "zod";
import { queryBody, sqlField } from "../query/query-schemas.js";
import { workspaceIdParams } from "../workspaces/workspaces-schemas.js";

export const savedQueryParams = workspaceIdParams.extend({ savedQueryId: z.uuid({ error: "must be a saved query id (UUID)" }) });

const nameField = z.string({ error: "must be a string" }).trim().min(1, { error: "must not be empty" }).max(120, { error: "must be at most 120 characters" });
const descriptionField = z.string({ error: "must be a string" }).max(4000, { error: "must be at most 4000 characters" });

export const createSavedQueryBody = z.object({ name: nameField, description: descriptionField.default(""), sql: sqlField }).strict();

export const updateSavedQueryBody = z
  .object({ name: nameField.optional(), description: descriptionField.optional(), sql: sqlField.optional() })
  .strict()
  .refine((body) => Object.values(body).some((value) => value !== undefined), { error: "must change at least one of name, description, sql" });

/** Running a saved query: its SQL, with this request's parameters, limit and format. */
export const runSavedQueryBody = queryBody.omit({ sql: true });

export const savedQuerySchema = z
  .object({
    id: z.string(),
    workspace_id: z.string(),
    name: z.string(),
    description: z.string(),
    sql: z.string(),
    created_by: z.string(),
    updated_by: z.string(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: "SavedQuery" });

export type CreateSavedQueryBody = z.infer<typeof createSavedQueryBody>;
export type UpdateSavedQueryBody = z.infer<typeof updateSavedQueryBody>;
export type SavedQueryView = z.infer<typeof savedQuerySchema>;
