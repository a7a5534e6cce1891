/**
 * Column types of the mirror's Parquet files. Top-level fields are typed; nested objects and arrays are
 * kept as JSON, so a provider adding a nested key never changes a column's type, and readers get typed
 * columns for what they filter and aggregate on.
 */
export const columnTypes = ["BOOLEAN", "BIGINT", "DOUBLE", "TIMESTAMPTZ", "VARCHAR", "JSON"] as const;
export type ColumnType = (typeof columnTypes)[number];

/** The type a column must have to hold values of both types: how a stream's schema evolves without failing. */
export function widenColumnType(current: ColumnType | undefined, next: ColumnType): ColumnType {
  if (current === undefined || current === next) return next;
  if (current === "JSON" || next === "JSON") return "JSON";
  const pair = new Set([current, next]);
  if (pair.has("BIGINT") && pair.has("DOUBLE")) return "DOUBLE";
  // Any other mix of scalars (a number that became a string, a timestamp that became free text) is text.
  return "VARCHAR";
}

const isoTimestamp = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?(?:Z|[+-]\d{2}:\d{2})$/;

/** The narrowest column type of one JSON value; undefined for null (which fits any type). */
export function columnTypeOf(value: unknown): ColumnType | undefined {
  switch (typeof value) {
    case "boolean":
      return "BOOLEAN";
    case "number":
      return Number.isInteger(value) && Number.isSafeInteger(value) ? "BIGINT" : "DOUBLE";
    case "string":
      return isoTimestamp.test(value) ? "TIMESTAMPTZ" : "VARCHAR";
    case "object":
      return value === null ? undefined : "JSON";
    default:
      return "VARCHAR";
  }
}
