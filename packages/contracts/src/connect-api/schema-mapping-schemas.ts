import { z } from "zod";
import { storageTargetSchema } from "./ingestion-schemas.js";

/** The shared entities every connector's tables are mapped onto. */
export const entityNames = ["people", "work_items", "conversations", "companies"] as const;
export type EntityName = (typeof entityNames)[number];

/** The longest expression a mapping override may hold. */
export const maxMappingExpressionLength = 4000;

/**
 * A user's DuckDB SQL expression for one entity column, over the stream's columns (what a connector's
 * mapping file declares, see docs/catalogue.md). It must stay one scalar expression over the row: it is
 * embedded as `CAST((<expression>) AS <type>)` in the view's SELECT, so no `;`, no comment, balanced
 * parentheses and no subquery (`(SELECT …)`, `(FROM …)`): a mapping reads its own stream's row, nothing else.
 */
export const mappingExpressionSchema = z
  .string()
  .trim()
  .min(1, { error: "must not be empty (write NULL for a column the source does not have)" })
  .max(maxMappingExpressionLength)
  .superRefine((value, context) => {
    const problem = scanMappingExpression(value).problem;
    if (problem) context.addIssue({ code: "custom", message: problem });
  });

/**
 * A workspace's edit of one connector mapping (entity × stream), applied by the catalogue build:
 * `enabled: false` leaves the stream out of the entity's view; `columns` replaces the expressions of the
 * named entity columns (the others keep the connector's). For a stream the connector does not map onto
 * the entity, `columns` must give every column but `source` and `source_stream`.
 */
export const mappingOverrideSchema = z
  .object({
    entity: z.enum(entityNames),
    stream: z.string().min(1).max(128),
    enabled: z.boolean().default(true),
    columns: z.record(z.string().min(1).max(64), mappingExpressionSchema).default({}),
  })
  .strict();

export type MappingOverride = z.infer<typeof mappingOverrideSchema>;

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
    /**
     * The workspace's edits of the connector's mappings, at most one per entity and stream. Checked
     * like the connector's own (a failing one is reported in `mapping_errors`); overrides of streams
     * that are not mirrored are ignored.
     */
    mapping_overrides: z
      .array(mappingOverrideSchema)
      .max(1000)
      .superRefine((overrides, context) => {
        const seen = new Set<string>();
        for (const [index, override] of overrides.entries()) {
          const key = `${override.entity}\u0000${override.stream}`;
          if (seen.has(key)) context.addIssue({ code: "custom", path: [index], message: `overrides ${override.entity}/${override.stream} twice` });
          seen.add(key);
        }
      })
      .optional(),
  })
  .meta({ id: "SchemaMappingSyncRequest" });

export type SchemaMappingSyncRequest = z.infer<typeof schemaMappingSyncRequestSchema>;

export const catalogueFormat = "tributary.catalogue/1";

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

/** What `scanMappingExpression` found in a mapping expression. */
export interface MappingExpressionScan {
  /** Why the text cannot be a mapping expression (a sentence for a 400); undefined when it can. */
  problem: string | undefined;
  /**
   * The names the expression reads as columns, as written (quoted ones unquoted), in order of first use.
   * A heuristic for pointing at the expression that a binder error is about: keywords, type names,
   * function names, field accesses (`a.b`'s `b`), named arguments and lambda parameters are left out.
   * DuckDB's binder remains the authority on what the names are.
   */
  references: string[];
}

interface ExpressionToken {
  kind: "word" | "quoted" | "string" | "number" | "symbol";
  text: string;
}

/** Words that open a subquery (DuckDB also accepts FROM-first queries): never right after a "(". */
const subqueryStarts = new Set(["select", "from", "with", "values", "table", "pivot", "unpivot", "summarize", "describe", "show", "explain"]);
/** Words that only make sense in a query, never in a scalar expression. */
const queryWords = new Set(["select", "union", "intersect", "except"]);
/** Multi-character operators, longest first. */
const operators = ["->>", "::", ":=", "=>", "->", "||", "<=", ">=", "<>", "!=", "==", "**", "//", "<<", ">>", "@>", "<@", "&&", "^@", "!~~"];
/** Words of expression syntax, types and date parts: never column references (unless quoted). */
const nonColumnWords = new Set(
  (
    "and or not null is isnull notnull in like ilike glob similar to between as case when then else end cast try_cast true false " +
    "distinct interval collate escape asc desc nulls first last filter over partition by order any all some exists at time zone " +
    "with without for both leading trailing array struct map list row current_date current_time current_timestamp localtime " +
    "localtimestamp lambda ignore respect unknown " +
    "varchar text string char character bpchar nvarchar int integer int1 int2 int4 int8 bigint smallint tinyint hugeint uhugeint " +
    "ubigint uinteger usmallint utinyint double float float4 float8 real decimal numeric boolean bool logical date time timestamp " +
    "timestamptz timetz timestamp_s timestamp_ms timestamp_ns datetime json uuid blob bytea varbinary binary bit bitstring precision varying " +
    "year years month months day days hour hours minute minutes second seconds millisecond milliseconds microsecond microseconds " +
    "week weeks quarter quarters decade decades century centuries millennium millennia epoch dow doy isodow isoyear yearweek"
  ).split(" "),
);

/**
 * Checks that `expression` can only be a scalar expression over its row once embedded as
 * `CAST((<expression>) AS <type>)` in a view's SELECT: one statement (no `;`), no comments, no dollar
 * quoting or parameters, no escape strings (their backslashes would let the text end elsewhere than it
 * seems), balanced parentheses, and no subquery. Whether it binds is DuckDB's business; this keeps an
 * expression from reaching outside its parentheses or reading anything but the stream it maps.
 */
export function scanMappingExpression(expression: string): MappingExpressionScan {
  const tokens: ExpressionToken[] = [];
  const fail = (problem: string): MappingExpressionScan => ({ problem, references: [] });
  let index = 0;
  while (index < expression.length) {
    const char = expression[index]!;
    const next = expression[index + 1];
    if (/\s/.test(char)) {
      index += 1;
    } else if (char === ";") {
      return fail("must be one expression: ';' is not allowed");
    } else if ((char === "-" && next === "-") || (char === "/" && next === "*")) {
      return fail("must not contain comments (-- or /*)");
    } else if (char === "$") {
      return fail("must not use '$' (dollar quoting or parameters)");
    } else if (char === "'" || char === '"') {
      let end = index + 1;
      let text = "";
      for (;;) {
        if (end >= expression.length) return fail(char === "'" ? "has a string that is not closed (')" : 'has a quoted name that is not closed (")');
        if (expression[end] === char) {
          if (expression[end + 1] !== char) break;
          text += char;
          end += 2;
        } else {
          text += expression[end];
          end += 1;
        }
      }
      const previous = tokens.at(-1);
      // E'…' (adjacent): backslash escapes, so the string would end elsewhere than this scan sees it end.
      if (char === "'" && previous?.kind === "word" && /^e$/i.test(previous.text) && expression[index - 1] === previous.text) {
        return fail("must not use escape strings (E'…'); write the character itself");
      }
      tokens.push({ kind: char === "'" ? "string" : "quoted", text });
      index = end + 1;
    } else if (/[A-Za-z_]/.test(char)) {
      const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(expression.slice(index))![0];
      tokens.push({ kind: "word", text: word });
      index += word.length;
    } else if (/[0-9]/.test(char) || (char === "." && next !== undefined && /[0-9]/.test(next))) {
      const number = /^[0-9_]*\.?[0-9_]*(?:[eE][+-]?[0-9]+)?/.exec(expression.slice(index))![0];
      tokens.push({ kind: "number", text: number });
      index += Math.max(1, number.length);
    } else {
      const operator = operators.find((candidate) => expression.startsWith(candidate, index)) ?? char;
      tokens.push({ kind: "symbol", text: operator });
      index += operator.length;
    }
  }
  if (tokens.length === 0) return fail("must not be empty (write NULL for a column the source does not have)");

  let depth = 0;
  for (const [position, token] of tokens.entries()) {
    const lower = token.text.toLowerCase();
    if (token.kind === "word" && queryWords.has(lower)) return fail(`must be an expression over the row, not a query (${token.text.toUpperCase()})`);
    const opensHere = position === 0 || (tokens[position - 1]!.kind === "symbol" && tokens[position - 1]!.text === "(");
    if (token.kind === "word" && opensHere && subqueryStarts.has(lower)) {
      return fail(`must not contain a subquery (${token.text.toUpperCase()} …): a mapping reads only its own stream's row`);
    }
    if (token.kind === "symbol" && token.text === "(") depth += 1;
    if (token.kind === "symbol" && token.text === ")") {
      depth -= 1;
      if (depth < 0) return fail("has a ')' without its '('");
    }
  }
  if (depth > 0) return fail("has a '(' that is not closed");

  // Lambda parameters (`lambda x: …`, `x -> …` when not a JSON path) are not columns.
  const parameters = new Set<string>();
  for (const [position, token] of tokens.entries()) {
    const following = tokens[position + 1];
    const afterArrow = tokens[position + 2];
    if (token.kind === "word" && token.text.toLowerCase() === "lambda") {
      for (let cursor = position + 1; cursor < tokens.length && tokens[cursor]!.text !== ":"; cursor += 1) {
        if (tokens[cursor]!.kind === "word") parameters.add(tokens[cursor]!.text.toLowerCase());
      }
    } else if (token.kind === "word" && following?.text === "->" && afterArrow && afterArrow.kind !== "string" && afterArrow.kind !== "number") {
      parameters.add(token.text.toLowerCase());
    }
  }
  const references: string[] = [];
  const seen = new Set<string>();
  for (const [position, token] of tokens.entries()) {
    if (token.kind !== "word" && token.kind !== "quoted") continue;
    const previous = tokens[position - 1];
    const following = tokens[position + 1];
    if (previous?.kind === "symbol" && (previous.text === "." || previous.text === "::")) continue;
    if (previous?.kind === "word" && /^(as|collate)$/i.test(previous.text)) continue;
    if (following?.kind === "symbol" && (following.text === "(" || following.text === ":=" || following.text === "=>")) continue;
    if (token.kind === "word") {
      const lower = token.text.toLowerCase();
      if (following?.kind === "string" || nonColumnWords.has(lower) || parameters.has(lower)) continue;
    }
    if (!seen.has(token.text.toLowerCase())) {
      seen.add(token.text.toLowerCase());
      references.push(token.text);
    }
  }
  return { problem: undefined, references };
}
