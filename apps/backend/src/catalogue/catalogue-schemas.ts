import { z } from "zod";
import { entityNames, mappingExpressionSchema } from "@tributary/contracts";
import { pageQuerySchema } from "../pagination.js";
import { workspaceIdParams } from "../workspaces/workspaces-schemas.js";

// ---- input -------------------------------------------------------------------------------------------

const nameParam = (what: string) => z.string().min(1, { error: `must be a ${what} name` }).max(256);

export const dataSourceCatalogueParams = workspaceIdParams.extend({ dataSourceId: z.uuid({ error: "must be a data source id (UUID)" }) });
export const tableParams = dataSourceCatalogueParams.extend({ table: nameParam("table") });
export const columnParams = tableParams.extend({ column: nameParam("column") });
export const mappingParams = dataSourceCatalogueParams.extend({
  entity: z.enum(entityNames, { error: `must be one of ${entityNames.join(", ")}` }),
  stream: nameParam("stream"),
});

/** A table's or column's description; null goes back to the connector's (none for columns). */
export const descriptionEditBody = z
  .object({
    description: z
      .string({ error: "must be a text, or null to go back to the default" })
      .trim()
      .min(1, { error: "must not be empty (send null to go back to the default)" })
      .max(4000)
      .nullable(),
  })
  .strict();

/**
 * An edit of a connector mapping (entity × stream). Absent fields keep their current value;
 * `column_expressions` replaces the whole set of overridden expressions (`{}` clears them). Enabled with
 * no expression is the connector's mapping: the edit is removed.
 */
export const mappingEditBody = z
  .object({
    enabled: z.boolean({ error: "must be true or false" }).optional(),
    column_expressions: z
      .record(z.string().min(1).max(64), mappingExpressionSchema, { error: "must be an object of entity column → SQL expression" })
      .optional(),
  })
  .strict()
  .refine((body) => body.enabled !== undefined || body.column_expressions !== undefined, { error: "must set enabled or column_expressions" });

export const workspaceCatalogueQuery = pageQuerySchema.extend({
  data_source_id: z.uuid({ error: "must be a data source id (UUID)" }).optional(),
});

export type DescriptionEditBody = z.infer<typeof descriptionEditBody>;
export type MappingEditBody = z.infer<typeof mappingEditBody>;
export type WorkspaceCatalogueQuery = z.infer<typeof workspaceCatalogueQuery>;

// ---- output ------------------------------------------------------------------------------------------

const dataSourceRefSchema = z.object({ id: z.string(), name: z.string(), connector: z.string() });

export const catalogueColumnViewSchema = z.object({
  name: z.string(),
  type: z.string(),
  /** The user's description, else the connector's (connect gives none for columns yet), else null. */
  description: z.string().nullable(),
  default_description: z.string().nullable(),
  description_edited: z.boolean(),
  null_count: z.number(),
  non_null_fraction: z.number(),
  distinct_estimate: z.number(),
  samples: z.array(z.string()),
  samples_withheld: z.boolean(),
});

export const catalogueTableViewSchema = z.object({
  name: z.string(),
  /** The user's description when there is one, else the connector's. */
  description: z.string(),
  default_description: z.string(),
  description_edited: z.boolean(),
  primary_key: z.array(z.string()),
  cursor_field: z.array(z.string()).nullable(),
  sync_mode: z.string(),
  row_count: z.number(),
  files: z.number(),
  bytes: z.number(),
  freshness: z.object({ committed_at: z.string(), version: z.number(), cursor_max: z.string().nullable() }),
  profiled_at: z.string(),
  columns: z.array(catalogueColumnViewSchema),
});

export const entityViewSchema = z.object({
  name: z.enum(entityNames),
  description: z.string(),
  columns: z.array(z.object({ name: z.string(), type: z.string(), description: z.string() })),
  /** Streams whose mapping is applied, the workspace's edits included. */
  streams: z.array(z.string()),
  view_name: z.string(),
  /** The view's query with the workspace's mapping edits applied (checked by connect against the data). */
  select_sql: z.string(),
  sql: z.string(),
});

export const mappingErrorViewSchema = z.object({
  entity: z.enum(entityNames),
  stream: z.string(),
  message: z.string(),
  /** True when the workspace has edited this mapping (the failing expression may be the user's). */
  overridden: z.boolean(),
});

export const mappingEditStates = ["applied", "disabled", "failing", "not_applied", "orphaned"] as const;

export const mappingEditViewSchema = z.object({
  entity: z.enum(entityNames),
  stream: z.string(),
  enabled: z.boolean(),
  column_expressions: z.record(z.string(), z.string()),
  /**
   * applied: in the view; disabled: left out on purpose; failing: connect could not apply it (see
   * `error`); not_applied: enabled, but the stream has no columns yet; orphaned: the stream is no longer
   * in the catalogue (the edit is kept).
   */
  state: z.enum(mappingEditStates),
  error: z.string().nullable(),
  updated_by: z.string(),
  updated_at: z.string(),
});

export const syncErrorSchema = z.object({ code: z.string(), message: z.string(), at: z.string() });

export const dataSourceCatalogueSchema = z.object({
  data_source: dataSourceRefSchema,
  /**
   * The schema the SQL service binds this data source's tables (named after the streams) and entity
   * views in; the workspace-wide entity views read `"<sql_schema>".entity_<name>`.
   */
  sql_schema: z.string(),
  /** connect's build time of the stored catalogue; null until a sync succeeds. */
  built_at: z.string().nullable(),
  synced_at: z.string().nullable(),
  last_sync_attempt_at: z.string().nullable(),
  /** The last attempt's failure; null when it succeeded. A failed sync keeps the previous catalogue. */
  last_sync_error: syncErrorSchema.nullable(),
  tables: z.array(catalogueTableViewSchema),
  entities: z.array(entityViewSchema),
  mapping_errors: z.array(mappingErrorViewSchema),
  mapping_edits: z.array(mappingEditViewSchema),
  /** Edits whose table, column or stream is no longer in the catalogue: kept, shown here, applied again if it comes back. */
  orphaned_edits: z.object({
    tables: z.array(z.object({ table: z.string(), description: z.string(), updated_by: z.string(), updated_at: z.string() })),
    columns: z.array(z.object({ table: z.string(), column: z.string(), description: z.string(), updated_by: z.string(), updated_at: z.string() })),
    mappings: z.array(mappingEditViewSchema),
  }),
});

export const workspaceCatalogueTableSchema = catalogueTableViewSchema.extend({
  data_source: dataSourceRefSchema,
  sql_schema: z.string(),
});

export const workspaceEntitySchema = entityViewSchema.omit({ streams: true }).extend({
  /** Each synced data source's view of the entity (its own tables, unqualified, as connect wrote it). */
  sources: z.array(
    z.object({
      data_source: dataSourceRefSchema,
      sql_schema: z.string(),
      streams: z.array(z.string()),
      select_sql: z.string(),
      sql: z.string(),
    }),
  ),
  mapping_errors: z.array(mappingErrorViewSchema.extend({ data_source_id: z.string() })),
});

export const workspaceEntitiesSchema = z.object({ entities: z.array(workspaceEntitySchema) });

export type DataSourceCatalogueView = z.infer<typeof dataSourceCatalogueSchema>;
export type CatalogueTableView = z.infer<typeof catalogueTableViewSchema>;
export type CatalogueColumnView = z.infer<typeof catalogueColumnViewSchema>;
export type EntityView = z.infer<typeof entityViewSchema>;
export type MappingEditView = z.infer<typeof mappingEditViewSchema>;
export type MappingErrorView = z.infer<typeof mappingErrorViewSchema>;
export type WorkspaceCatalogueTable = z.infer<typeof workspaceCatalogueTableSchema>;
export type WorkspaceEntity = z.infer<typeof workspaceEntitySchema>;
