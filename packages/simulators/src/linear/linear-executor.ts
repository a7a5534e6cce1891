import { listConnectionPage, rootConnectionPage, type ConnectionPage } from "./linear-connections.js";
import { entityNotFoundError, forbiddenScopeError, type LinearGraphqlErrorBody } from "./linear-errors.js";
import type { LinearRecord } from "./linear-fixtures.js";
import {
  GraphqlValidationError,
  resolveArguments,
  type FieldNode,
  type OperationNode,
  type SourceLocation,
} from "./linear-query-parser.js";
import {
  fieldArguments,
  fieldType,
  relationOf,
  rootConnections,
  rootEntities,
  typeName,
  type EntityName,
  type TypeRef,
} from "./linear-schema.js";
import type { LinearStore } from "./linear-store.js";

export interface ExecutionContext {
  store: LinearStore;
  viewer: LinearRecord;
  scopes: ReadonlySet<string>;
  variables: Record<string, unknown>;
  /** Largest page any connection serves. */
  maxPageSize: number;
  /** Rendered nodes of earlier answers, reused while the data has not changed. */
  cache?: RenderCache;
}

export interface ExecutionResult {
  data: Record<string, unknown> | null;
  errors: LinearGraphqlErrorBody[];
}

/** A piece of an answer already serialized to JSON (UTF-8): how cached nodes travel into the response body. */
export class RawJson {
  constructor(readonly bytes: Buffer) {}
}

/**
 * The response body of an answer whose values may hold RawJson pieces: structure is written as text,
 * cached nodes are copied in as bytes, so a page of cached nodes is never re-encoded.
 */
export function answerBody(value: unknown): Buffer {
  const parts: Buffer[] = [];
  let text = "";
  const flush = () => {
    if (text.length > 0) parts.push(Buffer.from(text));
    text = "";
  };
  const walk = (entry: unknown): void => {
    if (entry instanceof RawJson) {
      flush();
      parts.push(entry.bytes);
    } else if (Array.isArray(entry)) {
      text += "[";
      entry.forEach((item, index) => {
        if (index > 0) text += ",";
        walk(item);
      });
      text += "]";
    } else if (entry !== null && typeof entry === "object") {
      text += "{";
      let first = true;
      for (const [key, item] of Object.entries(entry)) {
        if (item === undefined) continue;
        if (!first) text += ",";
        first = false;
        text += `${JSON.stringify(key)}:`;
        walk(item);
      }
      text += "}";
    } else {
      text += JSON.stringify(entry ?? null);
    }
  };
  walk(value);
  flush();
  return Buffer.concat(parts);
}

/**
 * Rendered connection nodes (UTF-8 JSON) keyed by record and selection. Records are immutable objects
 * and the whole cache is dropped when the store changes, so an entry never outlives its data; the
 * number of entries is bounded (about 40 MB of issues) so that a large dataset is not held twice.
 */
export class RenderCache {
  private readonly entries = new Map<string, Map<LinearRecord, Buffer>>();
  private size = 0;
  private version = -1;

  constructor(private readonly maxEntries = 20_000) {}

  get(store: LinearStore, selectionKey: string, record: LinearRecord, render: () => string): Buffer {
    if (store.version !== this.version) {
      this.entries.clear();
      this.size = 0;
      this.version = store.version;
    }
    let bySelection = this.entries.get(selectionKey);
    const hit = bySelection?.get(record);
    if (hit !== undefined) return hit;
    const bytes = Buffer.from(render());
    if (this.size >= this.maxEntries) {
      this.entries.clear();
      this.size = 0;
      bySelection = undefined;
    }
    if (!bySelection) {
      bySelection = new Map();
      this.entries.set(selectionKey, bySelection);
    }
    bySelection.set(record, bytes);
    this.size += 1;
    return bytes;
  }
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
    const allowed = fieldArguments(parent, field.name);
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
 * Runs a validated query. Root connections and lookups need the `read` scope; a refused field is
 * reported with its path and, Linear's root fields being non-null, the whole `data` becomes null.
 */
export function executeOperation(operation: OperationNode, context: ExecutionContext): ExecutionResult {
  const data: Record<string, unknown> = {};
  const errors: LinearGraphqlErrorBody[] = [];
  const renderer = new Renderer(context);
  for (const field of operation.selections) {
    if (field.name === "__typename") {
      data[field.alias] = "Query";
    } else if (field.name === "viewer") {
      data[field.alias] = renderer.entity(context.viewer, field.selections, "User");
    } else if (field.name === "organization") {
      data[field.alias] = renderer.entity(context.store.organization, field.selections, "Organization");
    } else {
      const single = rootEntities[field.name];
      const connection = rootConnections[field.name];
      if (!single && !connection) throw new GraphqlValidationError(`Cannot query field "${field.name}" on type "Query".`, field.location);
      if (!context.scopes.has("read")) {
        errors.push(forbiddenScopeError("read", field.alias, field.location));
        continue;
      }
      const args = resolveArguments(field.args, context.variables);
      if (single) {
        const record = typeof args.id === "string" ? context.store.get(single.collection, args.id) : undefined;
        if (!record) {
          errors.push(entityNotFoundError(single.type, field.alias, field.location));
          continue;
        }
        data[field.alias] = renderer.entity(record, field.selections, single.type);
      } else if (connection) {
        const page = rootConnectionPage(context.store.table(connection.collection), args, `${connection.type}Filter`, {
          maxPageSize: context.maxPageSize,
          hidesDisabled: connection.collection === "users",
        });
        data[field.alias] = renderer.connection(page, field.selections, connection.type, true);
      }
    }
  }
  return errors.length > 0 ? { data: null, errors } : { data, errors };
}

/**
 * Renders records with a selection, as the answer of a query would hold them; `groundTruth` uses the
 * same rendering, without page limits, so the mirror can be compared field for field.
 */
export function renderRecord(
  store: LinearStore,
  record: LinearRecord,
  selections: FieldNode[],
  entity: EntityName,
): Record<string, unknown> {
  const renderer = new Renderer({
    store,
    viewer: record,
    scopes: new Set(["read"]),
    variables: {},
    maxPageSize: Number.MAX_SAFE_INTEGER,
  });
  return renderer.entity(record, selections, entity);
}

class Renderer {
  private readonly selectionKeys = new Map<FieldNode[], string>();

  constructor(private readonly context: ExecutionContext) {}

  connection(page: ConnectionPage, selections: FieldNode[], node: EntityName, cacheable: boolean): Record<string, unknown> {
    const result: Record<string, unknown> = {};
    for (const field of selections) {
      if (field.name === "__typename") result[field.alias] = `${node}Connection`;
      else if (field.name === "nodes") result[field.alias] = page.nodes.map((record) => this.node(record, field.selections, node, cacheable));
      else if (field.name === "edges") {
        result[field.alias] = page.nodes.map((record) => {
          const edge: Record<string, unknown> = {};
          for (const edgeField of field.selections) {
            if (edgeField.name === "node") edge[edgeField.alias] = this.node(record, edgeField.selections, node, cacheable);
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

  entity(record: Record<string, unknown>, selections: FieldNode[], entity: EntityName): Record<string, unknown> {
    const result: Record<string, unknown> = {};
    const { store } = this.context;
    for (const field of selections) {
      if (field.name === "__typename") {
        result[field.alias] = entity;
        continue;
      }
      const relation = relationOf(entity, field.name);
      if (!relation) {
        result[field.alias] = record[field.name] ?? null;
      } else if (relation.kind === "reference") {
        const id = record[relation.key];
        const target = typeof id === "string" ? store.get(relation.collection, id) : undefined;
        result[field.alias] = target ? this.entity(target, field.selections, relation.type) : null;
      } else {
        const ids = Array.isArray(record[relation.key]) ? (record[relation.key] as unknown[]) : [];
        const targets = ids
          .map((id) => (typeof id === "string" ? store.get(relation.collection, id) : undefined))
          .filter((target): target is LinearRecord => target !== undefined);
        const args = resolveArguments(field.args, this.context.variables);
        const page = listConnectionPage(targets, args, `${relation.type}Filter`, { maxPageSize: this.context.maxPageSize });
        result[field.alias] = this.connection(page, field.selections, relation.type, false);
      }
    }
    return result;
  }

  private node(record: LinearRecord, selections: FieldNode[], entity: EntityName, cacheable: boolean): unknown {
    const cache = this.context.cache;
    if (!cache || !cacheable) return this.entity(record, selections, entity);
    const key = this.selectionKey(selections, entity);
    return new RawJson(cache.get(this.context.store, key, record, () => JSON.stringify(this.entity(record, selections, entity))));
  }

  /** What identifies a selection: its fields, aliases and resolved arguments, all the way down. */
  private selectionKey(selections: FieldNode[], entity: EntityName): string {
    let key = this.selectionKeys.get(selections);
    if (key === undefined) {
      const describe = (nodes: FieldNode[]): unknown =>
        nodes.map((node) => [node.alias, node.name, resolveArguments(node.args, this.context.variables), describe(node.selections)]);
      key = `${entity}:${JSON.stringify(describe(selections))}`;
      this.selectionKeys.set(selections, key);
    }
    return key;
  }
}
