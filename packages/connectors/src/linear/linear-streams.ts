import type { ScopeRequirement, StreamDeclaration } from "../core/connector-types.js";

/**
 * OAuth tokens always carry `read` (Linear adds it to every grant); a personal API key has it when it
 * was created with Full access or the Read permission. Nothing broader than `read` widens what these
 * streams see, so none of them has optional scopes: a key limited to some teams simply sees fewer rows.
 */
const readScope: ScopeRequirement[] = [{ scope: "read" }];

/**
 * Every stream is a root connection of the GraphQL API, read globally (no partition) with Relay
 * pagination (`first: 250`/`after`, `pageInfo { hasNextPage endCursor }`), ordered by `updatedAt`
 * (newest first) and filtered with `filter: { updatedAt: { gt: <cursor> } }`. Archived rows are read
 * too (`includeArchived: true`) and kept with `archivedAt` set: Linear archives closed issues, old
 * cycles and finished projects by itself, and they remain history. Deleted issues and projects sit in
 * the trash (`trashed: true`) and reach the mirror as deletions.
 */
interface LinearStream extends StreamDeclaration {
  /** The root query field the stream is read from, also used to probe access during validation. */
  rootField: string;
}

function linearStream(name: string, rootField: string, description: string): LinearStream {
  return {
    name,
    description,
    rootField,
    primaryKey: ["id"],
    cursorField: ["updatedAt"],
    syncModes: ["full_refresh", "incremental"],
    partitionedBy: null,
    requiredScopes: readScope,
    optionalScopes: [],
  };
}

export const linearStreams: readonly LinearStream[] = [
  linearStream("teams", "teams", "Teams of the workspace the credentials can see, archived ones included."),
  linearStream("users", "users", "Members, guests and app users of the workspace, deactivated ones included."),
  linearStream("projects", "projects", "Projects with status, lead, dates and the teams they belong to."),
  linearStream("cycles", "cycles", "Cycles (sprints) of every team, with their number, dates and progress."),
  linearStream(
    "issues",
    "issues",
    "Issues with identifier, title, description, state, assignee, labels, estimate, priority and dates.",
  ),
  linearStream("comments", "comments", "Comments on issues, with author, body and thread parent."),
];

/** The root query field a declared stream is read from. */
export function rootFieldOf(stream: StreamDeclaration): string {
  const declared = linearStreams.find((candidate) => candidate.name === stream.name);
  if (!declared) throw new Error(`"${stream.name}" is not a Linear stream`);
  return declared.rootField;
}

/** Declarations as the engine sees them, without the Linear-only `rootField`. */
export const linearStreamDeclarations: StreamDeclaration[] = linearStreams.map(
  ({ rootField: _rootField, ...declaration }) => declaration,
);
