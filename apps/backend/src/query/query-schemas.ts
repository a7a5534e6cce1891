import { z } from "zod";
import { workspaceIdParams } from "../workspaces/workspaces-schemas.js";
import { queryFormats } from "./result-formats.js";

/** Longest SQL text accepted (the body limit is 1 MiB). */
export const maxSqlLength = 100_000;

const paramValue = z.union([z.string().max(100_000), z.number(), z.boolean(), z.null()], {
  error: "must be a string, number, boolean or null",
});

export const sqlField = z
  .string({ error: "must be a string of SQL" })
  .max(maxSqlLength, { error: `must be at most ${maxSqlLength} characters` })
  .refine((sql) => sql.trim().length > 0, { error: "must not be empty" });

/**
 * `POST /api/workspaces/:workspaceId/query`. Parameters are bound, never spliced into the text:
 * positional (`$1`, `?`) from an array, named (`$name`) from an object.
 */
export const queryBody = z
  .object({
    sql: sqlField,
    params: z
      .union([z.array(paramValue).max(1000), z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: "must be a parameter name" }), paramValue)], {
        error: "must be an array (for $1, $2…) or an object (for $name)",
      })
      .optional(),
    /** Rows in a JSON answer; capped by QUERY_MAX_ROWS. Exports ignore it (QUERY_MAX_EXPORT_ROWS caps them). */
    limit: z.number({ error: "must be a whole number" }).int({ error: "must be a whole number" }).min(1, { error: "must be at least 1" }).optional(),
    format: z.enum(queryFormats, { error: `must be one of ${queryFormats.join(", ")}` }).default("json"),
    /** Answers the plan instead of running the query (the same as writing EXPLAIN before it). */
    explain: z.boolean({ error: "must be true or false" }).default(false),
  })
  .strict();

export type QueryBody = z.infer<typeof queryBody>;

export const queryParams = workspaceIdParams;

export const resultColumnSchema = z.object({ name: z.string(), type: z.string() });

/** The JSON answer (format json), streamed as it is produced. */
export const queryResultSchema = z
  .object({
    query_id: z.string(),
    columns: z.array(resultColumnSchema),
    /** One array per row, in column order. */
    rows: z.array(z.array(z.unknown())),
    row_count: z.number().int(),
    /** True when the query had more rows than the answer carries (see `limit`). */
    truncated: z.boolean(),
    elapsed_ms: z.number().int(),
    /** Present when the query failed after rows were already sent. */
    error: z.object({ code: z.string(), message: z.string() }).optional(),
  })
  .meta({ id: "QueryResult" });

export const schemaListingSchema = z
  .object({
    schemas: z.array(
      z.object({
        name: z.string(),
        /** The data source the schema holds (null for `entities`, the workspace-wide shared entities). */
        data_source_id: z.string().nullable(),
        tables: z.array(
          z.object({
            name: z.string(),
            kind: z.enum(["stream", "entity"]),
            columns: z.array(z.object({ name: z.string(), type: z.string() })),
            /** Rows in the committed files (before latest-version-wins); null for entity views. */
            stored_rows: z.number().int().nullable(),
          }),
        ),
      }),
    ),
  })
  .meta({ id: "QuerySchemaListing" });

export const historyEntrySchema = z.object({
  id: z.string(),
  sql: z.string(),
  saved_query_id: z.string().nullable(),
  format: z.string(),
  status: z.enum(["succeeded", "failed", "cancelled"]),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  row_count: z.number().int().nullable(),
  truncated: z.boolean(),
  duration_ms: z.number().int(),
  created_at: z.string(),
});
