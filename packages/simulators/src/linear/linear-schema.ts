import type { LinearCollection } from "./linear-fixtures.js";

/**
 * The part of Linear's GraphQL schema the simulator serves: the viewer, the organization and the root
 * connections of the mirrored entities, with the scalar fields and references each one exposes.
 * Connections are Relay-style: `nodes`, `edges { node cursor }`, `pageInfo`.
 */

export type EntityName = "Organization" | "User" | "Team" | "Project" | "Cycle" | "Issue" | "Comment";

interface Reference {
  type: EntityName;
  collection: LinearCollection;
  /** Field of the stored record holding the referenced id. */
  key: string;
}

interface EntityType {
  scalars: readonly string[];
  references: Readonly<Record<string, Reference>>;
}

const timestamps = ["createdAt", "updatedAt", "archivedAt"] as const;

const entities: Record<EntityName, EntityType> = {
  Organization: { scalars: ["id", "name", "urlKey", "createdAt", "updatedAt"], references: {} },
  User: {
    scalars: ["id", "name", "displayName", "email", "active", "admin", "guest", ...timestamps],
    references: {},
  },
  Team: { scalars: ["id", "key", "name", "description", "private", ...timestamps], references: {} },
  Project: {
    scalars: ["id", "name", "description", "state", "startDate", "targetDate", ...timestamps],
    references: { lead: { type: "User", collection: "users", key: "leadId" } },
  },
  Cycle: {
    scalars: ["id", "number", "name", "startsAt", "endsAt", "completedAt", ...timestamps],
    references: { team: { type: "Team", collection: "teams", key: "teamId" } },
  },
  Issue: {
    scalars: [
      "id",
      "identifier",
      "number",
      "title",
      "description",
      "priority",
      "estimate",
      "completedAt",
      "canceledAt",
      "dueDate",
      ...timestamps,
    ],
    references: {
      team: { type: "Team", collection: "teams", key: "teamId" },
      assignee: { type: "User", collection: "users", key: "assigneeId" },
      creator: { type: "User", collection: "users", key: "creatorId" },
      project: { type: "Project", collection: "projects", key: "projectId" },
      cycle: { type: "Cycle", collection: "cycles", key: "cycleId" },
    },
  },
  Comment: {
    scalars: ["id", "body", "editedAt", ...timestamps],
    references: {
      issue: { type: "Issue", collection: "issues", key: "issueId" },
      user: { type: "User", collection: "users", key: "userId" },
      parent: { type: "Comment", collection: "comments", key: "parentId" },
    },
  },
};

/** Root connections: field name, stored collection, node type. */
export const rootConnections: Readonly<Record<string, { collection: LinearCollection; type: EntityName }>> = {
  users: { collection: "users", type: "User" },
  teams: { collection: "teams", type: "Team" },
  projects: { collection: "projects", type: "Project" },
  cycles: { collection: "cycles", type: "Cycle" },
  issues: { collection: "issues", type: "Issue" },
  comments: { collection: "comments", type: "Comment" },
};

export const connectionArguments = new Set(["first", "after", "last", "before", "includeArchived", "orderBy", "filter"]);

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
      const connection = rootConnections[field];
      return connection ? { kind: "connection", node: connection.type } : undefined;
    }
    case "entity": {
      const entity = entities[parent.name];
      if (entity.scalars.includes(field)) return { kind: "scalar" };
      const reference = entity.references[field];
      return reference ? { kind: "entity", name: reference.type } : undefined;
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

export function referenceOf(entity: EntityName, field: string): Reference | undefined {
  return entities[entity].references[field];
}
