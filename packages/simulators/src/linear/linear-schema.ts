import type { StoredCollection } from "./linear-fixtures.js";

/**
 * The part of Linear's GraphQL schema the simulator serves: the viewer, the organization, the root
 * connections of the mirrored entities and single-entity lookups, with the scalar fields, references
 * and nested connections each entity exposes (names as in Linear's published schema). Connections are
 * Relay-style: `nodes`, `edges { node cursor }`, `pageInfo`.
 */

export type EntityName =
  | "Organization"
  | "User"
  | "Team"
  | "Project"
  | "ProjectStatus"
  | "Cycle"
  | "Issue"
  | "WorkflowState"
  | "Comment";

/** A field of an entity: a value, a reference to one entity, or a connection over a list of ids. */
type FieldDefinition =
  | { kind: "scalar" }
  | { kind: "reference"; type: EntityName; collection: StoredCollection; key: string }
  | { kind: "list"; type: EntityName; collection: StoredCollection; key: string };

const scalar = { kind: "scalar" } as const;
const timestamps = ["createdAt", "updatedAt", "archivedAt"] as const;

function scalars(...names: string[]): Record<string, FieldDefinition> {
  return Object.fromEntries(names.map((name) => [name, scalar]));
}

function ref(type: EntityName, collection: StoredCollection, key: string): FieldDefinition {
  return { kind: "reference", type, collection, key };
}

const entities: Record<EntityName, Record<string, FieldDefinition>> = {
  Organization: scalars("id", "name", "urlKey", "createdAt", "updatedAt"),
  User: scalars(
    "id", "name", "displayName", "email", "avatarUrl", "description", "timezone", "active", "admin", "guest",
    "app", "url", "lastSeen", ...timestamps,
  ),
  Team: scalars(
    "id", "key", "name", "displayName", "description", "color", "icon", "private", "timezone", "cyclesEnabled",
    "cycleDuration", "cycleStartDay", "issueEstimationType", "triageEnabled", "autoArchivePeriod", ...timestamps,
  ),
  ProjectStatus: scalars("id", "name", "type", "color", "position", ...timestamps),
  Project: {
    ...scalars(
      "id", "name", "description", "slugId", "url", "icon", "color", "state", "priority", "progress", "health",
      "startDate", "targetDate", "startedAt", "completedAt", "canceledAt", "autoArchivedAt", "trashed", ...timestamps,
    ),
    status: ref("ProjectStatus", "projectStatuses", "statusId"),
    lead: ref("User", "users", "leadId"),
    creator: ref("User", "users", "creatorId"),
    teams: { kind: "list", type: "Team", collection: "teams", key: "teamIds" },
  },
  Cycle: {
    ...scalars("id", "number", "name", "description", "startsAt", "endsAt", "completedAt", "progress", "autoArchivedAt", ...timestamps),
    team: ref("Team", "teams", "teamId"),
  },
  WorkflowState: {
    ...scalars("id", "name", "type", "color", "position", "description", ...timestamps),
    team: ref("Team", "teams", "teamId"),
  },
  Issue: {
    ...scalars(
      "id", "identifier", "number", "title", "description", "priority", "priorityLabel", "estimate", "url",
      "branchName", "dueDate", "startedAt", "completedAt", "canceledAt", "autoClosedAt", "autoArchivedAt", "trashed",
      "labelIds", ...timestamps,
    ),
    state: ref("WorkflowState", "workflowStates", "stateId"),
    team: ref("Team", "teams", "teamId"),
    assignee: ref("User", "users", "assigneeId"),
    creator: ref("User", "users", "creatorId"),
    project: ref("Project", "projects", "projectId"),
    cycle: ref("Cycle", "cycles", "cycleId"),
    parent: ref("Issue", "issues", "parentId"),
  },
  Comment: {
    ...scalars("id", "body", "url", "editedAt", "resolvedAt", ...timestamps),
    issue: ref("Issue", "issues", "issueId"),
    user: ref("User", "users", "userId"),
    parent: ref("Comment", "comments", "parentId"),
  },
};

export interface RootConnection {
  collection: StoredCollection;
  type: EntityName;
  /** Arguments beyond the common connection ones (`users` also takes `includeDisabled`). */
  extraArguments?: readonly string[];
}

/** Root connections: field name, stored collection, node type. */
export const rootConnections: Readonly<Record<string, RootConnection>> = {
  users: { collection: "users", type: "User", extraArguments: ["includeDisabled"] },
  teams: { collection: "teams", type: "Team" },
  projects: { collection: "projects", type: "Project" },
  cycles: { collection: "cycles", type: "Cycle" },
  issues: { collection: "issues", type: "Issue" },
  comments: { collection: "comments", type: "Comment" },
  workflowStates: { collection: "workflowStates", type: "WorkflowState" },
};

/** Root lookups of one entity by id: `project(id: "…")`. */
export const rootEntities: Readonly<Record<string, { collection: StoredCollection; type: EntityName }>> = {
  user: { collection: "users", type: "User" },
  team: { collection: "teams", type: "Team" },
  project: { collection: "projects", type: "Project" },
  cycle: { collection: "cycles", type: "Cycle" },
  issue: { collection: "issues", type: "Issue" },
  comment: { collection: "comments", type: "Comment" },
};

export const connectionArguments: ReadonlySet<string> = new Set([
  "first", "after", "last", "before", "includeArchived", "orderBy", "filter",
]);

export type TypeRef =
  | { kind: "query" }
  | { kind: "scalar" }
  | { kind: "entity"; name: EntityName }
  | { kind: "connection"; node: EntityName }
  | { kind: "edge"; node: EntityName }
  | { kind: "pageInfo" };

export function typeName(type: TypeRef): string {
  switch (type.kind) {
    case "query":
      return "Query";
    case "scalar":
      return "String";
    case "entity":
      return type.name;
    case "connection":
      return `${type.node}Connection`;
    case "edge":
      return `${type.node}Edge`;
    case "pageInfo":
      return "PageInfo";
  }
}

/** The type of `parent.field`, or undefined when the schema has no such field. */
export function fieldType(parent: TypeRef, field: string): TypeRef | undefined {
  if (field === "__typename") return { kind: "scalar" };
  switch (parent.kind) {
    case "query": {
      if (field === "viewer") return { kind: "entity", name: "User" };
      if (field === "organization") return { kind: "entity", name: "Organization" };
      const single = rootEntities[field];
      if (single) return { kind: "entity", name: single.type };
      const connection = rootConnections[field];
      return connection ? { kind: "connection", node: connection.type } : undefined;
    }
    case "entity": {
      const definition = entities[parent.name][field];
      if (!definition) return undefined;
      if (definition.kind === "scalar") return { kind: "scalar" };
      if (definition.kind === "reference") return { kind: "entity", name: definition.type };
      return { kind: "connection", node: definition.type };
    }
    case "connection":
      if (field === "nodes") return { kind: "entity", name: parent.node };
      if (field === "edges") return { kind: "edge", node: parent.node };
      if (field === "pageInfo") return { kind: "pageInfo" };
      return undefined;
    case "edge":
      if (field === "node") return { kind: "entity", name: parent.node };
      if (field === "cursor") return { kind: "scalar" };
      return undefined;
    case "pageInfo":
      return ["hasNextPage", "hasPreviousPage", "startCursor", "endCursor"].includes(field) ? { kind: "scalar" } : undefined;
    case "scalar":
      return undefined;
  }
}

/** The arguments `parent.field` accepts. */
export function fieldArguments(parent: TypeRef, field: string): ReadonlySet<string> {
  if (parent.kind === "query") {
    if (rootEntities[field]) return new Set(["id"]);
    const connection = rootConnections[field];
    if (connection) return new Set([...connectionArguments, ...(connection.extraArguments ?? [])]);
    return new Set();
  }
  if (parent.kind === "entity" && entities[parent.name][field]?.kind === "list") return connectionArguments;
  return new Set();
}

/** A field that is not a plain value: a reference or a nested connection. */
export function relationOf(
  entity: EntityName,
  field: string,
): Exclude<FieldDefinition, { kind: "scalar" }> | undefined {
  const definition = entities[entity][field];
  return definition && definition.kind !== "scalar" ? definition : undefined;
}
