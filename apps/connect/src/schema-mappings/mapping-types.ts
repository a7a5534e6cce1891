import type { EntityName } from "@tributary/contracts";
import type { MappedColumnName } from "./entities.js";

/**
 * How one stream of a connector becomes rows of one entity: a DuckDB SQL expression per entity column,
 * over the stream's columns as the mirror holds them (latest row per key). Nested objects are JSON
 * columns: reach into them with `json_extract_string(col, '$.field')`. Write `NULL` for a column the
 * source does not have. Column names that are SQL keywords (`user`) must be double-quoted.
 */
export interface EntityMapping<E extends EntityName = EntityName> {
  entity: E;
  stream: string;
  columns: Record<MappedColumnName<E>, string>;
}

/** Declares a mapping with the column names of its entity checked by the compiler. */
export function mapping<E extends EntityName>(entity: E, stream: string, columns: Record<MappedColumnName<E>, string>): EntityMapping {
  return { entity, stream, columns } as EntityMapping;
}
