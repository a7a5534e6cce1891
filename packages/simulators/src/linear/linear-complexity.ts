import { resolveValue, type FieldNode } from "./linear-query-parser.js";
import { fieldType, type TypeRef } from "./linear-schema.js";

/** Page size Linear assumes for a connection without `first` or `last`. */
const defaultPageSize = 50;

/**
 * A query's complexity as Linear computes it: 0.1 point per property, 1 point per object, and a
 * connection multiplies its nodes' cost by the requested page size (default 50); the total is rounded
 * up. `user(id: "me") { name }` costs 2, `createdIssues(first: 10) { nodes { id title createdAt } }` 13.
 */
export function queryComplexity(selections: FieldNode[], variables: Record<string, unknown>): number {
  return Math.ceil(exactQueryComplexity(selections, variables));
}

/** The complexity before rounding up, as Linear prints it when a query exceeds the maximum. */
export function exactQueryComplexity(selections: FieldNode[], variables: Record<string, unknown>): number {
  return round(costOf(selections, { kind: "query" }, variables));
}

/** The most complexity one query may have; Linear refuses larger ones outright. */
export const maxQueryComplexity = 10_000;

function costOf(selections: FieldNode[], parent: TypeRef, variables: Record<string, unknown>): number {
  let total = 0;
  for (const field of selections) {
    const type = fieldType(parent, field.name);
    if (!type || type.kind === "scalar" || type.kind === "query") {
      total += 0.1;
    } else if (type.kind === "connection") {
      total += pageSize(field, variables) * costOfConnectionItem(field.selections, type, variables);
      const pageInfo = field.selections.find((child) => child.name === "pageInfo");
      if (pageInfo) total += 1 + costOf(pageInfo.selections, { kind: "pageInfo" }, variables);
    } else {
      total += 1 + costOf(field.selections, type, variables);
    }
  }
  return total;
}

/** What one item of a connection costs, whether it is read through `nodes` or `edges`. */
function costOfConnectionItem(selections: FieldNode[], connection: TypeRef, variables: Record<string, unknown>): number {
  let total = 0;
  for (const child of selections) {
    if (child.name === "nodes" || child.name === "edges") {
      const type = fieldType(connection, child.name);
      if (type) total += 1 + costOf(child.selections, type, variables) - (child.name === "edges" ? 1 : 0);
    }
  }
  return total;
}

function pageSize(field: FieldNode, variables: Record<string, unknown>): number {
  for (const name of ["first", "last"]) {
    const node = field.args[name];
    const value = node ? resolveValue(node, variables) : undefined;
    if (typeof value === "number" && value >= 0) return value;
  }
  return defaultPageSize;
}

// Keeps 0.1 steps from drifting (0.1 + 0.2) before rounding up.
function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
