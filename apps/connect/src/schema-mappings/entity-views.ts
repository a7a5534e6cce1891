import type { DuckDBConnection } from "@duckdb/node-api";
import { entityNames, type CatalogueEntity, type MappingError } from "@tributary/contracts";
import { quoteIdentifier, quoteLiteral } from "@tributary/mirror";
import { entityDefinitions, provenanceColumns, type EntityColumn } from "./entities.js";
import type { EntityMapping } from "./mapping-types.js";

export interface EntityViews {
  entities: CatalogueEntity[];
  mapping_errors: MappingError[];
}

/** The longest DuckDB error message kept in a mapping error. */
const maxMessageLength = 1000;

/**
 * Builds each entity's view from the connector's mappings whose stream is available, checking every
 * mapping against the stream as it is (its SELECT is run with LIMIT 0: DuckDB binds every column and
 * function, reading no row). A mapping that fails (a column gone after schema drift, a type a function
 * refuses) is reported in `mapping_errors` and left out of the view; the other mappings still apply.
 *
 * `connection` must hold a table or view named after each stream in `availableStreams`, with the
 * stream's latest rows (or at least its columns and types).
 */
export async function buildEntityViews(
  connection: DuckDBConnection,
  options: { connector: string; mappings: readonly EntityMapping[]; availableStreams: ReadonlySet<string> },
): Promise<EntityViews> {
  const entities: CatalogueEntity[] = [];
  const mappingErrors: MappingError[] = [];
  for (const name of entityNames) {
    const definition = entityDefinitions[name];
    const columns: readonly EntityColumn[] = definition.columns;
    const selects: string[] = [];
    const streams: string[] = [];
    for (const mapping of options.mappings) {
      if (mapping.entity !== name || !options.availableStreams.has(mapping.stream)) continue;
      const missing = columns.find((column) => !provenanceColumns.has(column.name) && !expressionOf(mapping, column.name));
      if (missing) {
        mappingErrors.push({ entity: name, stream: mapping.stream, message: `The mapping has no expression for column ${missing.name}` });
        continue;
      }
      const select = mappingSelectSql(options.connector, mapping, columns);
      try {
        await connection.run(`${select}\nLIMIT 0`);
      } catch (error) {
        mappingErrors.push({ entity: name, stream: mapping.stream, message: describe(error) });
        continue;
      }
      selects.push(select);
      streams.push(mapping.stream);
    }
    const selectSql = selects.length > 0 ? selects.join("\nUNION ALL\n") : emptySelectSql(columns);
    // Every part is cast to the entity's types, so the union binds whenever its parts do; checked anyway.
    await connection.run(`SELECT * FROM (${selectSql}) LIMIT 0`);
    entities.push({
      name,
      description: definition.description,
      columns: columns.map((column) => ({ name: column.name, type: column.type, description: column.description })),
      streams,
      view_name: viewName(name),
      select_sql: selectSql,
      sql: `CREATE VIEW ${viewName(name)} AS\n${selectSql}`,
    });
  }
  return { entities, mapping_errors: mappingErrors };
}

/**
 * The view's name: the entity's, prefixed. Not the entity's own name, because a stream can have it
 * (HubSpot's `companies`), and a view cannot read a table of its own name in its schema: DuckDB binds
 * the view body's unqualified names in the view's schema first, so `companies` would read itself.
 */
export function viewName(entity: string): string {
  return `entity_${entity}`;
}

/** One mapping's SELECT: the entity's columns in order, each expression cast to the entity's type. */
export function mappingSelectSql(connector: string, mapping: EntityMapping, columns: readonly EntityColumn[]): string {
  const projections = columns.map((column) => {
    let expression: string;
    if (column.name === "source") expression = quoteLiteral(connector);
    else if (column.name === "source_stream") expression = quoteLiteral(mapping.stream);
    else expression = `(${expressionOf(mapping, column.name)})`;
    // TRY_CAST for timestamps: one unparseable value becomes NULL instead of failing every query of the view.
    const cast = column.type === "VARCHAR" ? "CAST" : "TRY_CAST";
    return `${cast}(${expression} AS ${column.type}) AS ${quoteIdentifier(column.name)}`;
  });
  return `SELECT ${projections.join(", ")}\nFROM ${quoteIdentifier(mapping.stream)}`;
}

function emptySelectSql(columns: readonly EntityColumn[]): string {
  return `SELECT ${columns.map((column) => `CAST(NULL AS ${column.type}) AS ${quoteIdentifier(column.name)}`).join(", ")}\nWHERE false`;
}

function expressionOf(mapping: EntityMapping, column: string): string | undefined {
  const expression = (mapping.columns as Record<string, string | undefined>)[column];
  return typeof expression === "string" && expression.trim() !== "" ? expression : undefined;
}

function describe(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.trim().slice(0, maxMessageLength);
}
