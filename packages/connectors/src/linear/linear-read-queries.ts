/**
 * The documents the streams are read with. Each stream is one root connection, paged with
 * `first`/`after`, newest change first (`orderBy: updatedAt`), archived rows included, and narrowed to
 * what changed with `filter: { updatedAt: { gt, lte } }` (every one of these connections takes a filter
 * with an `updatedAt` DateComparator in Linear's schema).
 *
 * Fields are the scalars an analyst wants plus references as `{ id }` (a workflow state also with its
 * name and type, which issues are counted by). Issue labels come as `labelIds`, a plain list, which
 * costs one property instead of a nested connection per issue. Complexity of a 250-row page (Linear
 * refuses more than 10,000 points per query): teams 702, users 652, cycles 827, comments 1,277, issues
 * 2,752, projects 7,427 (its `teams` connection is asked for 20 rows per project; a project in more
 * teams gets the rest from `project(id:)`, 278 points a page).
 */

export type LinearStreamName = "teams" | "users" | "projects" | "cycles" | "issues" | "comments";

/** Linear's largest page: `first` above it is not served. */
export const linearPageSize = 250;

/** Teams per project read with the project page; the rest are fetched per project. */
export const projectTeamsPageSize = 20;

const fields: Record<LinearStreamName, string> = {
  teams:
    "id key name displayName description color icon private timezone cyclesEnabled cycleDuration cycleStartDay issueEstimationType triageEnabled autoArchivePeriod createdAt updatedAt archivedAt",
  users:
    "id name displayName email avatarUrl description timezone active admin guest app url lastSeen createdAt updatedAt archivedAt",
  projects: `id name description slugId url icon color priority progress health startDate targetDate startedAt completedAt canceledAt autoArchivedAt trashed createdAt updatedAt archivedAt status { id name type } lead { id } creator { id } teams(first: ${projectTeamsPageSize}, includeArchived: true) { nodes { id } pageInfo { hasNextPage endCursor } }`,
  cycles:
    "id number name description startsAt endsAt completedAt progress autoArchivedAt createdAt updatedAt archivedAt team { id }",
  issues:
    "id identifier number title description priority priorityLabel estimate url branchName dueDate startedAt completedAt canceledAt autoClosedAt autoArchivedAt trashed labelIds createdAt updatedAt archivedAt state { id name type } team { id } assignee { id } creator { id } project { id } cycle { id } parent { id }",
  comments: "id body url editedAt resolvedAt createdAt updatedAt archivedAt issue { id } user { id } parent { id }",
};

const filterTypes: Record<LinearStreamName, string> = {
  teams: "TeamFilter",
  users: "UserFilter",
  projects: "ProjectFilter",
  cycles: "CycleFilter",
  issues: "IssueFilter",
  comments: "CommentFilter",
};

/**
 * One page of a stream. `users` also passes `includeDisabled: true`: deactivated members are hidden
 * by default, and they still author issues and comments.
 */
export function streamPageQuery(stream: LinearStreamName): string {
  const operation = `TributaryLinear${stream.charAt(0).toUpperCase()}${stream.slice(1)}`;
  const disabled = stream === "users" ? " includeDisabled: true," : "";
  return (
    `query ${operation}($first: Int!, $after: String, $filter: ${filterTypes[stream]}) { ` +
    `${stream}(first: $first, after: $after, filter: $filter, orderBy: updatedAt, includeArchived: true,${disabled}) ` +
    `{ nodes { ${fields[stream]} } pageInfo { hasNextPage endCursor } } }`
  );
}

/** The rest of a project's teams, for projects in more teams than the project page reads. */
export const projectTeamsQuery =
  "query TributaryLinearProjectTeams($id: String!, $after: String) { " +
  `project(id: $id) { teams(first: ${linearPageSize}, after: $after, includeArchived: true) { nodes { id } pageInfo { hasNextPage endCursor } } } }`;
