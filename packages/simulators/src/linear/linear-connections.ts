import type { LinearRecord } from "./linear-fixtures.js";
import { GraphqlValidationError } from "./linear-query-parser.js";

/**
 * A page of a root connection, as Linear answers it: archived rows hidden unless `includeArchived`,
 * `filter` on timestamps, ordered by `orderBy` (createdAt by default) newest first, Relay cursors
 * (the node's id) with `first`/`after` and `last`/`before`, 50 rows by default.
 */
export interface ConnectionPage {
  nodes: LinearRecord[];
  hasNextPage: boolean;
  hasPreviousPage: boolean;
}

const defaultPageSize = 50;
const comparators = new Set(["eq", "neq", "gt", "gte", "lt", "lte"]);
const filterableTimestamps = new Set(["createdAt", "updatedAt"]);

export function connectionPage(records: LinearRecord[], args: Record<string, unknown>, filterType: string): ConnectionPage {
  const visible = records
    .filter((record) => args.includeArchived === true || record.archivedAt === null)
    .filter(filterPredicate(args.filter, filterType));
  const orderBy = args.orderBy ?? "createdAt";
  if (orderBy !== "createdAt" && orderBy !== "updatedAt") {
    throw new GraphqlValidationError(`Value "${String(orderBy)}" does not exist in "PaginationOrderBy" enum.`);
  }
  const ordered = [...visible].sort(
    (a, b) => String(b[orderBy]).localeCompare(String(a[orderBy])) || b.id.localeCompare(a.id),
  );

  let start = 0;
  let end = ordered.length;
  if (typeof args.after === "string") start = Math.max(start, ordered.findIndex((record) => record.id === args.after) + 1);
  if (typeof args.before === "string") {
    const index = ordered.findIndex((record) => record.id === args.before);
    if (index !== -1) end = Math.min(end, index);
  }
  const first = pageSizeArgument(args.first, "first");
  const last = pageSizeArgument(args.last, "last");
  if (first !== undefined) end = Math.min(end, start + first);
  else if (last !== undefined) start = Math.max(start, end - last);
  else end = Math.min(end, start + defaultPageSize);

  return { nodes: ordered.slice(start, end), hasNextPage: end < ordered.length, hasPreviousPage: start > 0 };
}

function pageSizeArgument(value: unknown, name: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
    throw new GraphqlValidationError(`Argument "${name}" must be a non-negative Int.`);
  }
  return value;
}

function filterPredicate(filter: unknown, filterType: string): (record: LinearRecord) => boolean {
  if (filter === undefined || filter === null) return () => true;
  if (typeof filter !== "object" || Array.isArray(filter)) {
    throw new GraphqlValidationError(`Expected value of type "${filterType}", found ${JSON.stringify(filter)}.`);
  }
  const checks: Array<(record: LinearRecord) => boolean> = [];
  for (const [field, condition] of Object.entries(filter as Record<string, unknown>)) {
    if (!filterableTimestamps.has(field)) {
      throw new GraphqlValidationError(`Field "${field}" is not defined by type "${filterType}".`);
    }
    if (typeof condition !== "object" || condition === null) continue;
    for (const [operator, operand] of Object.entries(condition as Record<string, unknown>)) {
      if (!comparators.has(operator)) {
        throw new GraphqlValidationError(`Field "${operator}" is not defined by type "DateComparator".`);
      }
      const bound = Date.parse(String(operand));
      checks.push((record) => compare(Date.parse(String(record[field])), operator, bound));
    }
  }
  return (record) => checks.every((check) => check(record));
}

function compare(value: number, operator: string, bound: number): boolean {
  switch (operator) {
    case "eq":
      return value === bound;
    case "neq":
      return value !== bound;
    case "gt":
      return value > bound;
    case "gte":
      return value >= bound;
    case "lt":
      return value < bound;
    default:
      return value <= bound;
  }
}
