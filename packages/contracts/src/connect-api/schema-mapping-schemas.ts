import { z } from "zod";
import { storageTargetSchema } from "./ingestion-schemas.js";

/**
 * `POST /internal/schema-mappings/sync`: (re)builds the catalogue of one connection's mirrored
 * datasets, applies the connector's entity mappings, stores the result next to the mirror
 * (`{prefix}{workspace}/{connection}/_catalogue.json`) and answers it.
 */
export const schemaMappingSyncRequestSchema = z
  .object({
    connector: z.string().min(1).max(64),
    /** The same target an ingestion run of this connection writes to. */
    storage: storageTargetSchema,
    /**
     * Streams whose tables are rebuilt from the data. Absent: every stream of the connector. Tables of
     * the other streams are carried over from the stored catalogue as they were last computed.
     */
    streams: z.array(z.string().min(1)).min(1).optional(),
  })
  .meta({ id: "SchemaMappingSyncRequest" });

export type SchemaMappingSyncRequest = z.infer<typeof schemaMappingSyncRequestSchema>;

export const catalogueFormat = "tributary.catalogue/1";

/** The shared entities every connector's tables are mapped onto. */
export const entityNames = ["people", "work_items", "conversations", "companies"] as const;
export type EntityName = (typeof entityNames)[number];

export const catalogueColumnSchema = z.object({
  name: z.string(),
  /** The stream's column type from its manifest: BOOLEAN, BIGINT, DOUBLE, TIMESTAMPTZ, VARCHAR or JSON. */
  type: z.string(),
  null_count: z.number().int().nonnegative(),
  /** Share of the rows where the column has a value, 0 to 1 (0 for an empty table). */
  non_null_fraction: z.number().min(0).max(1),
  /** approx_count_distinct of the non-null values (HyperLogLog), never above the non-null count. */
  distinct_estimate: z.number().int().nonnegative(),
  /** Up to 5 distinct non-null values as text, sorted, each cut to 80 characters (a cut one ends with "…"). */
  samples: z.array(z.string()),
  /** True when the column's name looks like a secret (token, secret, password, key…): no samples are taken. */
  samples_withheld: z.boolean(),
});

export const catalogueTableSchema = z.object({
  /** The stream's name: the table name SQL over this connection uses. */
  name: z.string(),
  description: z.string(),
  primary_key: z.array(z.string()),
  cursor_field: z.array(z.string()).nullable(),
  sync_mode: z.enum(["full_refresh", "incremental"]),
  /** Rows a reader sees: one per primary key, latest version, deletions applied. */
  row_count: z.number().int().nonnegative(),
  /** Live Parquet files and their total size in storage. */
  files: z.number().int().nonnegative(),
  bytes: z.number().int().nonnegative(),
  /** The record's own columns, in manifest order (the `_tributary_*` metadata columns are left out). */
  columns: z.array(catalogueColumnSchema),
  freshness: z.object({
    /** When the manifest version described here was committed. */
    committed_at: z.string(),
    version: z.number().int().positive(),
    /** Largest value of the cursor field among the rows (ISO 8601 for timestamps); null without cursor or rows. */
    cursor_max: z.string().nullable(),
  }),
  /** When these statistics were computed (older than `built_at` for a table carried over). */
  profiled_at: z.string(),
});

export const entityColumnSchema = z.object({ name: z.string(), type: z.string(), description: z.string() });

export const catalogueEntitySchema = z.object({
  name: z.enum(entityNames),
  description: z.string(),
  columns: z.array(entityColumnSchema),
  /** The streams whose mappings were applied (valid, and mirrored). Empty: the view has no rows. */
  streams: z.array(z.string()),
  /**
   * `entity_<name>`: the view's name in `sql`. Prefixed because a stream may bear an entity's name
   * (HubSpot's `companies`) and a view cannot read a table of its own name.
   */
  view_name: z.string(),
  /** The view's query: a UNION ALL over the mapped streams, each read as a table named after the stream. */
  select_sql: z.string(),
  /** `CREATE VIEW <view_name> AS <select_sql>`. */
  sql: z.string(),
});

export const mappingErrorSchema = z.object({
  entity: z.enum(entityNames),
  stream: z.string(),
  /** DuckDB's error when the mapping was checked against the stream (a column missing after drift…). */
  message: z.string(),
});

export const catalogueSchema = z
  .object({
    format: z.literal(catalogueFormat),
    connector: z.string(),
    workspace_id: z.string(),
    connection_id: z.string(),
    built_at: z.string(),
    tables: z.array(catalogueTableSchema),
    entities: z.array(catalogueEntitySchema),
    mapping_errors: z.array(mappingErrorSchema),
  })
  .meta({ id: "Catalogue" });

export type Catalogue = z.infer<typeof catalogueSchema>;
export type CatalogueTable = z.infer<typeof catalogueTableSchema>;
export type CatalogueColumn = z.infer<typeof catalogueColumnSchema>;
export type CatalogueEntity = z.infer<typeof catalogueEntitySchema>;
export type MappingError = z.infer<typeof mappingErrorSchema>;
