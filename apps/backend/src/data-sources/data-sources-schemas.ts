import { z } from "zod";
import { accountSchema, connectorListingSchema, validateResponseSchema } from "@tributary/contracts";
import { workspaceIdParams } from "../workspaces/workspaces-schemas.js";

export const dataSourceParams = workspaceIdParams.extend({ dataSourceId: z.uuid({ error: "must be a data source id (UUID)" }) });

const connectorField = z
  .string({ error: "must be a connector id (see GET /api/connectors)" })
  .regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, { error: "must be a connector id (see GET /api/connectors)" });
const nameField = z.string({ error: "must be a string" }).trim().min(1, { error: "must not be empty" }).max(120, { error: "must be at most 120 characters" });
/**
 * Credentials and config are connector-specific: their shape is checked by connect against the
 * connector's schemas, which names the offending field (`credentials.token`). Here only that they are
 * objects. Zod's messages never quote the rejected value, so a credential never reaches an error.
 */
/** Names DuckDB or the query service use themselves: `entities` holds the workspace's shared-entity views. */
export const reservedSqlNames = new Set(["main", "information_schema", "pg_catalog", "temp", "system", "memory", "entities"]);
/**
 * The data source's schema in SQL (`github` in `github.issues`): a lower-case identifier, so queries
 * need no quoting. Defaults to the connector's id (`github`, then `github_2`…).
 */
export const sqlNameField = z
  .string({ error: "must be a string" })
  .regex(/^[a-z_][a-z0-9_]{0,62}$/, { error: "must be a lower-case SQL name: letters, digits and _, not starting with a digit, at most 63 characters" })
  .refine((name) => !reservedSqlNames.has(name), { error: `must not be one of ${[...reservedSqlNames].join(", ")}` });
const credentialsField = z.record(z.string().min(1).max(100), z.unknown(), { error: "must be an object of the connector's credential fields" });
const configField = z.record(z.string().min(1).max(100), z.unknown(), { error: "must be an object of the connector's settings" });
const streamsField = z
  .array(z.string().min(1, { error: "must not be empty" }).max(100), { error: "must be a list of stream names" })
  .min(1, { error: "must name at least one stream (leave it out for every stream)" })
  .max(200)
  .refine((streams) => new Set(streams).size === streams.length, { error: "must not name a stream twice" });

export const validateDataSourceBody = z
  .object({ connector: connectorField, credentials: credentialsField, config: configField.default({}), streams: streamsField.optional() })
  .strict();

export const createDataSourceBody = z
  .object({
    connector: connectorField,
    name: nameField,
    sql_name: sqlNameField.optional(),
    credentials: credentialsField,
    config: configField.default({}),
    streams: streamsField.optional(),
  })
  .strict();

/** Credentials and config are replaced whole, not merged; `streams: null` goes back to every stream. */
export const updateDataSourceBody = z
  .object({
    name: nameField.optional(),
    sql_name: sqlNameField.optional(),
    credentials: credentialsField.optional(),
    config: configField.optional(),
    streams: streamsField.nullable().optional(),
  })
  .strict()
  .refine((body) => Object.values(body).some((value) => value !== undefined), { error: "must change at least one of name, sql_name, credentials, config, streams" });

export type ValidateDataSourceBody = z.infer<typeof validateDataSourceBody>;
export type CreateDataSourceBody = z.infer<typeof createDataSourceBody>;
export type UpdateDataSourceBody = z.infer<typeof updateDataSourceBody>;

/** What connect's check found, as the API shows it (nothing of the credentials): connect's answer without its status. */
export const validationResultSchema = validateResponseSchema.omit({ status: true });

/** A data source as the API shows it: never the credentials, only a redacted hint of each field. */
export const dataSourceSchema = z.object({
  id: z.string(),
  workspace_id: z.string(),
  connector: z.string(),
  name: z.string(),
  /** The schema of its views in SQL: `SELECT * FROM <sql_name>.<stream>`. */
  sql_name: z.string(),
  config: z.record(z.string(), z.unknown()),
  /** null: every stream of the connector. */
  streams: z.array(z.string()).nullable(),
  credentials_hint: z.record(z.string(), z.string()),
  account: accountSchema.nullable(),
  granted_scopes: z.array(z.string()).nullable(),
  warnings: z.array(z.string()),
  validated_at: z.string().nullable(),
  schedule: z.object({ cron: z.string(), timezone: z.string(), next_run_at: z.string().nullable() }).nullable(),
  created_at: z.string(),
  updated_at: z.string(),
});

export type DataSourceView = z.infer<typeof dataSourceSchema>;

export const connectorsResponseSchema = z.object({ connectors: z.array(connectorListingSchema) });
