import type { ReadMessage, SourceRecord } from "../core/connector-types.js";
import { maxCursor } from "../core/read-helpers.js";
import {
  githubPageSize,
  listingUrl,
  pageItems,
  repositoryPath,
  unexpectedStatus,
  type GithubReadClient,
  type GithubReadContext,
} from "./github-read-client.js";
import { unreadableRepositoryStatuses } from "./github-read-keyset.js";
import type { KeptEtag, PartitionEvent, PartitionStart } from "./github-read-state.js";

/**
 * Pull requests of a repository, newest-updated first. `GET /repos/{o}/{r}/pulls` has no `since`:
 * the read stops at the first pull request older than the saved cursor (inclusive, so the boundary one
 * comes again). The first page's URL never changes, so its ETag is kept: an unchanged repository
 * answers 304 and costs no rate limit. Order is newest first, so the cursor is only saved once the
 * partition completes; a pull request updated during the read moves to the top and may come twice,
 * never zero times.
 */
export async function* readPullRequestPages(
  context: GithubReadContext,
  client: GithubReadClient,
  partition: string,
  start: PartitionStart,
  onPage: (records: Array<Record<string, unknown>>) => AsyncGenerator<PartitionEvent>,
): AsyncGenerator<PartitionEvent> {
  const first = listingUrl(`${repositoryPath(partition)}/pulls`, {
    state: "all",
    sort: "updated",
    direction: "desc",
    per_page: githubPageSize,
  });
  let cursor = start.cursor;
  let etag: KeptEtag | null = null;
  for (let url: string | undefined = first; url; ) {
    const conditional = url === first && start.etag?.url === url ? start.etag.etag : undefined;
    const answer = await client.get(url, conditional);
    if (answer.status === 304) {
      yield { kind: "progress", partition, cursor: start.cursor, done: true };
      return;
    }
    if (unreadableRepositoryStatuses.has(answer.status)) {
      context.logger.warn({ repository: partition, status: answer.status, path: "/pulls" }, "repository not readable; skipped");
      yield { kind: "progress", partition, cursor: start.cursor, done: true };
      return;
    }
    if (answer.status !== 200) throw unexpectedStatus(answer, `GET ${repositoryPath(partition)}/pulls`);
    if (url === first && answer.etag) etag = { url, etag: answer.etag };
    const fresh: Array<Record<string, unknown>> = [];
    let reachedCursor = false;
    for (const item of pageItems(answer, `GET ${repositoryPath(partition)}/pulls`)) {
      const updated = typeof item.updated_at === "string" ? item.updated_at : null;
      if (start.cursor !== null && updated !== null && updated < start.cursor) {
        reachedCursor = true;
        break;
      }
      cursor = maxCursor(cursor, updated);
      fresh.push(item);
    }
    if (fresh.length > 0) yield* onPage(fresh);
    url = reachedCursor ? undefined : answer.next;
  }
  yield { kind: "progress", partition, cursor, done: true, etag };
}

export function readPullRequests(context: GithubReadContext, client: GithubReadClient, partition: string, start: PartitionStart) {
  return readPullRequestPages(context, client, partition, start, async function* (items) {
    for (const item of items) item.repository = partition;
    yield { kind: "records", records: items };
  });
}

/**
 * Reviews have no filter of their own, and a review (submitted, edited, dismissed) shows as activity on
 * its pull request. So the reviews of every pull request updated since the cursor are listed — the
 * cursor being that of the pull-request listing above — a few pull requests at a time.
 */
export function readPullRequestReviews(context: GithubReadContext, client: GithubReadClient, partition: string, start: PartitionStart) {
  return readPullRequestPages(context, client, partition, start, async function* (pulls) {
    const lists = await Promise.all(
      pulls.map(async (pull) => {
        const reviews: SourceRecord[] = [];
        let url: string | undefined = listingUrl(`${repositoryPath(partition)}/pulls/${String(pull.number)}/reviews`, {
          per_page: githubPageSize,
        });
        while (url) {
          const answer = await client.get(url);
          // A pull request gone between the listing and now (or a repository that became unreadable).
          if (unreadableRepositoryStatuses.has(answer.status)) break;
          if (answer.status !== 200) throw unexpectedStatus(answer, `GET ${repositoryPath(partition)}/pulls/{number}/reviews`);
          for (const review of pageItems(answer, "GET /pulls/{number}/reviews")) {
            review.repository = partition;
            reviews.push(review);
          }
          url = answer.next;
        }
        return reviews;
      }),
    );
    const records = lists.flat();
    if (records.length > 0) yield { kind: "records", records };
  });
}

/**
 * Commits of the default branch (no `sha` parameter), newest first, with `since` on the committer
 * date (inclusive). An empty repository answers 409. The cursor is the newest committer date seen,
 * saved when the partition completes. The ETag of the first request is kept when the next run will
 * send the same one (no new commit): it then answers 304.
 */
export async function* readCommits(
  context: GithubReadContext,
  client: GithubReadClient,
  partition: string,
  start: PartitionStart,
): AsyncGenerator<PartitionEvent> {
  const first = listingUrl(`${repositoryPath(partition)}/commits`, { since: start.cursor ?? undefined, per_page: githubPageSize });
  let cursor = start.cursor;
  let firstEtag: string | undefined;
  for (let url: string | undefined = first; url; ) {
    const conditional = url === first && start.etag?.url === url ? start.etag.etag : undefined;
    const answer = await client.get(url, conditional);
    if (answer.status === 304 || answer.status === 409) {
      yield { kind: "progress", partition, cursor: start.cursor, done: true };
      return;
    }
    if (unreadableRepositoryStatuses.has(answer.status)) {
      context.logger.warn({ repository: partition, status: answer.status, path: "/commits" }, "repository not readable; skipped");
      yield { kind: "progress", partition, cursor: start.cursor, done: true };
      return;
    }
    if (answer.status !== 200) throw unexpectedStatus(answer, `GET ${repositoryPath(partition)}/commits`);
    if (url === first) firstEtag = answer.etag;
    const records = pageItems(answer, `GET ${repositoryPath(partition)}/commits`);
    for (const record of records) {
      const date = (record.commit as { committer?: { date?: unknown } } | undefined)?.committer?.date;
      cursor = maxCursor(cursor, typeof date === "string" ? date : null);
      record.repository = partition;
    }
    if (records.length > 0) yield { kind: "records", records };
    url = answer.next;
  }
  const etag = firstEtag && cursor === start.cursor ? { url: first, etag: firstEtag } : null;
  yield { kind: "progress", partition, cursor, done: true, etag };
}

/** Every page of a listing with no filter, each record tagged with its repository (releases). */
export async function* readWholeListing(
  context: GithubReadContext,
  client: GithubReadClient,
  partition: string,
  path: string,
): AsyncGenerator<PartitionEvent> {
  for (let url: string | undefined = listingUrl(`${repositoryPath(partition)}${path}`, { per_page: githubPageSize }); url; ) {
    const answer = await client.get(url);
    if (unreadableRepositoryStatuses.has(answer.status)) {
      context.logger.warn({ repository: partition, status: answer.status, path }, "repository not readable; skipped");
      break;
    }
    if (answer.status !== 200) throw unexpectedStatus(answer, `GET ${repositoryPath(partition)}${path}`);
    const records = pageItems(answer, `GET ${repositoryPath(partition)}${path}`);
    for (const record of records) record.repository = partition;
    if (records.length > 0) yield { kind: "records", records };
    url = answer.next;
  }
  yield { kind: "progress", partition, cursor: null, done: true };
}

/**
 * Members of the configured organization. Membership has no change date and GitHub no filter, so the
 * list is read in full every run. Without `organization` the stream is empty (validation warns).
 */
export async function* readMembers(context: GithubReadContext, client: GithubReadClient): AsyncGenerator<ReadMessage> {
  const organization = context.config.organization;
  if (!organization) {
    context.logger.warn({}, "no organization configured: the users stream stays empty");
    yield { type: "state", state: {} };
    return;
  }
  for (let url: string | undefined = listingUrl(`/orgs/${encodeURIComponent(organization)}/members`, { per_page: githubPageSize }); url; ) {
    const answer = await client.get(url);
    if (answer.status !== 200) throw unexpectedStatus(answer, `GET /orgs/${organization}/members`);
    const records = pageItems(answer, `GET /orgs/${organization}/members`);
    if (records.length > 0) yield { type: "records", records };
    url = answer.next;
  }
  yield { type: "state", state: {} };
}
