import type { LinearRecord } from "./linear-fixtures.js";
import { GraphqlValidationError } from "./linear-query-parser.js";
import type { LinearTable, OrderField } from "./linear-store.js";

/**
 * A page of a connection, as Linear answers it: archived rows hidden unless `includeArchived` (and,
 * for `users`, deactivated ones unless `includeDisabled`), `filter` on timestamps, ordered by
 * `orderBy` (createdAt by default) newest first, Relay cursors (the node's id) with `first`/`after`
 * and `last`/`before`, 50 rows by default and at most `maxPageSize` (250) per page.
 */
export interface ConnectionPage {
  nodes: LinearRecord[];
  hasNextPage: boolean;
  hasPreviousPage: boolean;
}

export interface PageOptions {
  /** Largest page served; larger `first`/`last` are cut down to it. */
  maxPageSize: number;
  /** `users` hides deactivated users unless `includeDisabled: true`. */
  hidesDisabled?: boolean;
}

const defaultPageSize = 50;
const comparators = new Set(["eq", "neq", "gt", "gte", "lt", "lte"]);
const filterableTimestamps = new Set(["createdAt", "updatedAt"]);

interface Condition {
  field: string;
  operator: string;
  /** The operand in epoch ms (NaN when unreadable: matches nothing, as Linear's comparison would). */
  bound: number;
}

/** A page of a root connection, found through the table's sorted index when the filter allows it. */
export function rootConnectionPage(
  table: LinearTable,
  args: Record<string, unknown>,
  filterType: string,
  options: PageOptions,
): ConnectionPage {
  const orderBy = orderField(args.orderBy);
  const conditions = parseFilter(args.filter, filterType);
  const visible = visibility(args, options);
  const first = pageSizeArgument(args.first, "first", options.maxPageSize);
  const last = pageSizeArgument(args.last, "last", options.maxPageSize);
  const ordering = table.ordering(orderBy);

  const indexable =
    last === undefined &&
    typeof args.before !== "string" &&
    conditions.every(
      (condition) => condition.field === orderBy && condition.operator !== "neq" && Number.isFinite(condition.bound),
    );
  if (!indexable) {
    const matching = ordering.records.filter((record) => visible(record) && conditions.every((condition) => matches(record, condition)));
    return slicePage(matching, args, first, last);
  }

  // The ordering is newest first, so every comparison on the ordered field selects one contiguous range.
  const records = ordering.records;
  let low = 0;
  let high = records.length;
  for (const { operator, bound } of conditions) {
    const value = new Date(bound).toISOString();
    const atOrBelow = firstIndex(records, (record) => String(record[orderBy]) <= value);
    const below = firstIndex(records, (record) => String(record[orderBy]) < value);
    if (operator === "gt") high = Math.min(high, atOrBelow);
    else if (operator === "gte") high = Math.min(high, below);
    else if (operator === "lt") low = Math.max(low, below);
    else if (operator === "lte") low = Math.max(low, atOrBelow);
    else {
      low = Math.max(low, atOrBelow);
      high = Math.min(high, below);
    }
  }
  let start = low;
  if (typeof args.after === "string") {
    const position = ordering.position.get(args.after);
    if (position !== undefined && position >= low && position < high) start = position + 1;
  }
  const size = first ?? defaultPageSize;
  const nodes: LinearRecord[] = [];
  let index = start;
  for (; index < high && nodes.length < size; index += 1) {
    const record = records[index] as LinearRecord;
    if (visible(record)) nodes.push(record);
  }
  let hasNextPage = false;
  for (; index < high; index += 1) {
    if (visible(records[index] as LinearRecord)) {
      hasNextPage = true;
      break;
    }
  }
  return { nodes, hasNextPage, hasPreviousPage: start > low };
}

/** A page of a nested connection (a project's teams): the referenced rows, filtered and ordered. */
export function listConnectionPage(
  records: LinearRecord[],
  args: Record<string, unknown>,
  filterType: string,
  options: PageOptions,
): ConnectionPage {
  const orderBy = orderField(args.orderBy);
  const conditions = parseFilter(args.filter, filterType);
  const visible = visibility(args, options);
  const matching = records
    .filter((record) => visible(record) && conditions.every((condition) => matches(record, condition)))
    .sort((a, b) => {
      const left = String(a[orderBy]);
      const right = String(b[orderBy]);
      if (left !== right) return left < right ? 1 : -1;
      return a.id === b.id ? 0 : a.id < b.id ? 1 : -1;
    });
  return slicePage(
    matching,
    args,
    pageSizeArgument(args.first, "first", options.maxPageSize),
    pageSizeArgument(args.last, "last", options.maxPageSize),
  );
}

function slicePage(ordered: LinearRecord[], args: Record<string, unknown>, first: number | undefined, last: number | undefined): ConnectionPage {
  let start = 0;
  let end = ordered.length;
  if (typeof args.after === "string") start = Math.max(start, ordered.findIndex((record) => record.id === args.after) + 1);
  if (typeof args.before === "string") {
    const index = ordered.findIndex((record) => record.id === args.before);
    if (index !== -1) end = Math.min(end, index);
  }
  if (first !== undefined) end = Math.min(end, start + first);
  else if (last !== undefined) start = Math.max(start, end - last);
  else end = Math.min(end, start + defaultPageSize);
  return { nodes: ordered.slice(start, end), hasNextPage: end < ordered.length, hasPreviousPage: start > 0 };
}

/** The first index whose record satisfies `predicate`, for a predicate false then true along the array. */
function firstIndex(records: LinearRecord[], predicate: (record: LinearRecord) => boolean): number {
  let low = 0;
  let high = records.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (predicate(records[middle] as LinearRecord)) high = middle;
    else low = middle + 1;
  }
  return low;
}

function orderField(value: unknown): OrderField {
  const orderBy = value ?? "createdAt";
  if (orderBy !== "createdAt" && orderBy !== "updatedAt") {
    throw new GraphqlValidationError(`Value "${String(orderBy)}" does not exist in "PaginationOrderBy" enum.`);
  }
  return orderBy;
}

function visibility(args: Record<string, unknown>, options: PageOptions): (record: LinearRecord) => boolean {
  const archived = args.includeArchived === true;
  const disabled = !options.hidesDisabled || args.includeDisabled === true;
  return (record) => (archived || record.archivedAt === null || record.archivedAt === undefined) && (disabled || record.active !== false);
}

function pageSizeArgument(value: unknown, name: string, maxPageSize: number): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
    throw new GraphqlValidationError(`Argument "${name}" must be a non-negative Int.`);
  }
  return Math.min(value, maxPageSize);
}

function parseFilter(filter: unknown, filterType: string): Condition[] {
  if (filter === undefined || filter === null) return [];
  if (typeof filter !== "object" || Array.isArray(filter)) {
    throw new GraphqlValidationError(`Expected value of type "${filterType}", found ${JSON.stringify(filter)}.`);
  }
  const conditions: Condition[] = [];
  for (const [field, condition] of Object.entries(filter as Record<string, unknown>)) {
    if (!filterableTimestamps.has(field)) {
      throw new GraphqlValidationError(`Field "${field}" is not defined by type "${filterType}".`);
    }
    if (typeof condition !== "object" || condition === null) continue;
    for (const [operator, operand] of Object.entries(condition as Record<string, unknown>)) {
      if (!comparators.has(operator)) {
        throw new GraphqlValidationError(`Field "${operator}" is not defined by type "DateComparator".`);
      }
      // A null operand leaves the comparison out, as GraphQL input objects treat an explicit null.
      if (operand === null || operand === undefined) continue;
      conditions.push({ field, operator, bound: Date.parse(String(operand)) });
    }
  }
  return conditions;
}

function matches(record: LinearRecord, { field, operator, bound }: Condition): boolean {
  const value = Date.parse(String(record[field]));
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
