import { connectionPage } from "./linear-connections.js";
import { forbiddenScopeError, type LinearGraphqlErrorBody } from "./linear-errors.js";
import type { LinearRecord, LinearWorkspace } from "./linear-fixtures.js";
import {
  GraphqlValidationError,
  resolveArguments,
  type FieldNode,
  type OperationNode,
  type SourceLocation,
} from "./linear-query-parser.js";
import { connectionArguments, fieldType, referenceOf, rootConnections, typeName, type TypeRef } from "./linear-schema.js";

export interface ExecutionContext {
  workspace: LinearWorkspace;
  viewer: LinearRecord;
  scopes: ReadonlySet<string>;
  variables: Record<string, unknown>;
}

export interface ExecutionResult {
  data: Record<string, unknown> | null;
  errors: LinearGraphqlErrorBody[];
}

/** Validation problems of an operation against the schema, all of them, as GraphQL servers report. */
export function validateOperation(operation: OperationNode): Array<{ message: string; location?: SourceLocation }> {
  const problems: Array<{ message: string; location?: SourceLocation }> = [];
  if (operation.operation !== "query") {
    problems.push({ message: `Schema is not configured to execute ${operation.operation} operation.` });
    return problems;
  }
  validateSelections(operation.selections, { kind: "query" }, problems);
  return problems;
}

function validateSelections(
  selections: FieldNode[],
  parent: TypeRef,
  problems: Array<{ message: string; location?: SourceLocation }>,
): void {
  for (const field of selections) {
    const type = fieldType(parent, field.name);
    const parentName = typeName(parent);
    if (!type) {
      problems.push({ message: `Cannot query field "${field.name}" on type "${parentName}".`, location: field.location });
      continue;
    }
    const allowed = parent.kind === "query" && rootConnections[field.name] ? connectionArguments : new Set<string>();
    for (const argument of Object.keys(field.args)) {
      if (!allowed.has(argument)) {
        problems.push({
          message: `Unknown argument "${argument}" on field "${parentName}.${field.name}".`,
          location: field.location,
        });
      }
    }
    if (type.kind === "scalar" && field.selections.length > 0) {
      problems.push({
        message: `Field "${field.name}" must not have a selection since type "${typeName(type)}" has no subfields.`,
        location: field.location,
      });
    } else if (type.kind !== "scalar" && field.selections.length === 0) {
      problems.push({
        message: `Field "${field.name}" of type "${typeName(type)}!" must have a selection of subfields. Did you mean "${field.name} { ... }"?`,
        location: field.location,
      });
    } else {
      validateSelections(field.selections, type, problems);
    }
  }
}

/**
 * Runs a validated query. Root connections need the `read` scope; a refused field is reported with its
 * path and, Linear's root fields being non-null, the whole `data` becomes null.
 */
export function executeOperation(operation: OperationNode, context: ExecutionContext): ExecutionResult {
  const data: Record<string, unknown> = {};
  const errors: LinearGraphqlErrorBody[] = [];
  for (const field of operation.selections) {
    if (field.name === "__typename") {
      data[field.alias] = "Query";
    } else if (field.name === "viewer") {
      data[field.alias] = selectEntity(context.viewer, field.selections, "User", context);
    } else if (field.name === "organization") {
      data[field.alias] = selectEntity(context.workspace.organization, field.selections, "Organization", context);
    } else {
      const connection = rootConnections[field.name];
      if (!connection) throw new GraphqlValidationError(`Cannot query field "${field.name}" on type "Query".`, field.location);
      if (!context.scopes.has("read")) {
        errors.push(forbiddenScopeError("read", field.alias, field.location));
        continue;
      }
      const args = resolveArguments(field.args, context.variables);
      const page = connectionPage(context.workspace[connection.collection], args, `${connection.type}Filter`);
      data[field.alias] = selectConnection(page, field.selections, connection.type, context);
    }
  }
  return errors.length > 0 ? { data: null, errors } : { data, errors };
}

function selectConnection(
  page: ReturnType<typeof connectionPage>,
  selections: FieldNode[],
  node: Parameters<typeof selectEntity>[2],
  context: ExecutionContext,
): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const field of selections) {
    if (field.name === "__typename") result[field.alias] = `${node}Connection`;
    else if (field.name === "nodes") result[field.alias] = page.nodes.map((record) => selectEntity(record, field.selections, node, context));
    else if (field.name === "edges") {
      result[field.alias] = page.nodes.map((record) => {
        const edge: Record<string, unknown> = {};
        for (const edgeField of field.selections) {
          if (edgeField.name === "node") edge[edgeField.alias] = selectEntity(record, edgeField.selections, node, context);
          else if (edgeField.name === "cursor") edge[edgeField.alias] = record.id;
          else edge[edgeField.alias] = `${node}Edge`;
        }
        return edge;
      });
    } else if (field.name === "pageInfo") {
      const info: Record<string, unknown> = {
        __typename: "PageInfo",
        hasNextPage: page.hasNextPage,
        hasPreviousPage: page.hasPreviousPage,
        startCursor: page.nodes[0]?.id ?? null,
        endCursor: page.nodes.at(-1)?.id ?? null,
      };
      result[field.alias] = Object.fromEntries(field.selections.map((child) => [child.alias, info[child.name]]));
    }
  }
  return result;
}

function selectEntity(
  record: Record<string, unknown>,
  selections: FieldNode[],
  entity: Extract<TypeRef, { kind: "entity" }>["name"],
  context: ExecutionContext,
): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const field of selections) {
    if (field.name === "__typename") {
      result[field.alias] = entity;
      continue;
    }
    const reference = referenceOf(entity, field.name);
    if (!reference) {
      result[field.alias] = record[field.name] ?? null;
      continue;
    }
    const target = context.workspace[reference.collection].find((candidate) => candidate.id === record[reference.key]);
    result[field.alias] = target ? selectEntity(target, field.selections, reference.type, context) : null;
  }
  return result;
}
