import type { StreamDeclaration } from "../core/connector-types.js";
import { organizationMembersScope, privateRepositoriesScope } from "./github-scopes.js";

/**
 * Streams read per repository: each repository keeps its own cursor, so adding a repository to the
 * configuration backfills it without rereading the others. Every record of these streams carries a
 * `repository` field ("owner/name") added by the reader, which keys the partition.
 */
const perRepository = {
  partitionedBy: "repository",
  requiredScopes: [],
  optionalScopes: [privateRepositoriesScope],
} as const satisfies Pick<StreamDeclaration, "partitionedBy" | "requiredScopes" | "optionalScopes">;

export const githubStreams: StreamDeclaration[] = [
  {
    name: "repositories",
    description:
      "Repositories of the configured list, the configured organization, or every repository the token can access. " +
      "Listings come newest-updated first (`sort=updated`), so an incremental read stops at the saved `updated_at`; " +
      "configured repositories are fetched one by one with conditional requests (304 when unchanged).",
    primaryKey: ["id"],
    cursorField: ["updated_at"],
    syncModes: ["full_refresh", "incremental"],
    partitionedBy: null,
    requiredScopes: [],
    optionalScopes: [privateRepositoriesScope],
  },
  {
    name: "issues",
    description:
      "Issues of each repository (pull requests, which the issues endpoint also returns, are left to `pull_requests`). " +
      "Incremental reads pass the saved `updated_at` as `since`, which GitHub filters server-side.",
    primaryKey: ["id"],
    cursorField: ["updated_at"],
    syncModes: ["full_refresh", "incremental"],
    ...perRepository,
  },
  {
    name: "pull_requests",
    description:
      "Pull requests of each repository. The endpoint has no `since` filter: it is read with `sort=updated&direction=desc` " +
      "and stops at the first pull request not newer than the saved `updated_at`.",
    primaryKey: ["id"],
    cursorField: ["updated_at"],
    syncModes: ["full_refresh", "incremental"],
    ...perRepository,
  },
  {
    name: "issue_comments",
    description:
      "Comments on issues and pull requests of each repository (the repository-wide comments endpoint), " +
      "filtered server-side with `since` on `updated_at`.",
    primaryKey: ["id"],
    cursorField: ["updated_at"],
    syncModes: ["full_refresh", "incremental"],
    ...perRepository,
  },
  {
    name: "pull_request_reviews",
    description:
      "Reviews of each pull request. GitHub offers no server-side filter on reviews; a review (submitted, edited, " +
      "dismissed) shows as activity on its pull request, so incremental reads list the pull requests updated since the " +
      "saved cursor (the partition's cursor is the pull requests' `updated_at`) and read all the reviews of each.",
    primaryKey: ["id"],
    cursorField: ["submitted_at"],
    syncModes: ["full_refresh", "incremental"],
    ...perRepository,
  },
  {
    name: "commits",
    description:
      "Commits of each repository's default branch; incremental reads pass the saved committer date as `since`. " +
      "A SHA identifies a commit only within a repository (forks share them), hence the composite key.",
    primaryKey: ["repository", "sha"],
    cursorField: ["commit", "committer", "date"],
    syncModes: ["full_refresh", "incremental"],
    ...perRepository,
  },
  {
    name: "releases",
    description:
      "Releases of each repository. Releases are few, listed by creation date and edited in place (drafts get " +
      "published), so they are read in full each time.",
    primaryKey: ["id"],
    cursorField: null,
    syncModes: ["full_refresh"],
    ...perRepository,
  },
  {
    name: "users",
    description:
      "Members of the configured organization (or of the organization a GitHub App is installed on). " +
      "Membership has no change date, so it is read in full each time.",
    primaryKey: ["id"],
    cursorField: null,
    syncModes: ["full_refresh"],
    partitionedBy: null,
    requiredScopes: [organizationMembersScope],
    optionalScopes: [],
  },
];

export function readsRepositories(streams: StreamDeclaration[]): boolean {
  return streams.some((stream) => stream.name === "repositories" || stream.partitionedBy === "repository");
}

export function readsOrganizationMembers(streams: StreamDeclaration[]): boolean {
  return streams.some((stream) => stream.name === "users");
}
