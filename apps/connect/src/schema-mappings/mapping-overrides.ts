import type { MappingOverride } from "@tributary/contracts";
import { ConnectorError } from "@tributary/connectors";
import { entityDefinitions, provenanceColumns } from "./entities.js";
import type { EntityMapping } from "./mapping-types.js";

/**
 * Refuses overrides that name a column their entity does not have (or one the builder fills in:
 * `source`, `source_stream`), with a 400 naming the field. Expressions themselves were checked by the
 * request schema (one scalar expression, no subquery); whether they bind is checked with the data.
 */
export function checkMappingOverrides(overrides: readonly MappingOverride[]): void {
  for (const [index, override] of overrides.entries()) {
    const mapped: string[] = entityDefinitions[override.entity].columns.map((column) => column.name).filter((name) => !provenanceColumns.has(name));
    for (const column of Object.keys(override.columns)) {
      if (!mapped.includes(column)) {
        const field = `mapping_overrides.${index}.columns.${column}`;
        throw new ConnectorError("bad_request", `${field}: ${override.entity} has no column ${column} to map (its columns: ${mapped.join(", ")})`, { field });
      }
    }
  }
}

/**
 * The connector's mappings with a workspace's edits applied: a disabled (entity, stream) is dropped; the
 * expressions an override gives replace the connector's, column by column; an override of a pair the
 * connector does not map becomes a new mapping (appended, in the overrides' order) made of its
 * expressions only, so a column it leaves out is reported as missing when the views are built.
 */
export function applyMappingOverrides(mappings: readonly EntityMapping[], overrides: readonly MappingOverride[]): EntityMapping[] {
  const key = (entity: string, stream: string) => `${entity}\u0000${stream}`;
  const byPair = new Map(overrides.map((override) => [key(override.entity, override.stream), override]));
  const result: EntityMapping[] = [];
  for (const mapping of mappings) {
    const override = byPair.get(key(mapping.entity, mapping.stream));
    byPair.delete(key(mapping.entity, mapping.stream));
    if (!override) {
      result.push(mapping);
    } else if (override.enabled) {
      result.push({ ...mapping, columns: { ...mapping.columns, ...override.columns } } as EntityMapping);
    }
  }
  for (const override of byPair.values()) {
    if (override.enabled) result.push({ entity: override.entity, stream: override.stream, columns: { ...override.columns } } as EntityMapping);
  }
  return result;
}
