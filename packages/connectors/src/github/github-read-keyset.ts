import type { ScannedObject } from "@tributary/mirror";
import {
  githubPageSize,
  listingUrl,
  repositoryPath,
  scannedPageItems,
  unexpectedStatus,
  type GithubReadClient,
  type GithubReadContext,
} from "./github-read-client.js";
import type { KeptEtag, PartitionEvent, PartitionStart } from "./github-read-state.js";

/** Answers that mean "this repository cannot be read now", not "the run failed": reported and skipped. */
export const unreadableRepositoryStatuses = new Set([403, 404, 451]);

export interface KeysetListing {
  /** Path under the repository: `/issues`, `/issues/comments`. */
  path: string;
  /** Fixed parameters; `sort=updated&direction=asc` is what makes `since` a key. */
  query: Record<string, string>;
  /** Items that have this field are not the stream's (the issues listing also returns pull requests). */
  dropWhenPresent?: string;
}

/**
 * Reads a repository listing ordered by `updated_at` ascending with GitHub's server-side `since`
 * filter (inclusive), as keyset pagination: each next request asks `since=<last updated_at seen>`,
 * page 1, instead of following `page=N+1`. Page numbers shift when a record already read is updated
 * during the read (it moves to the end, and every later record moves up one place, so following
 * `page=N+1` would skip one); restarting from the last timestamp cannot skip. GitHub's `Link` header
 * still says whether more pages exist. Records sharing the boundary timestamp come back at the top of
 * the next page and are not yielded twice; more than a page of them sharing one second is walked with
 * `page=2, 3…` at the same `since`.
 *
 * The cursor after each page is a safe resume point (everything older was yielded), so long
 * backfills checkpoint as they go. The first request of an incremental read is conditional on the
 * ETag kept for exactly that request: 304 means nothing changed in the repository since.
 *
 * These listings are the bulk of a GitHub mirror, so pages are never parsed: they are scanned for the
 * three fields the read needs (`id`, `updated_at`, the drop field) and spooled as the bytes they came in.
 */
export async function* readKeyset(
  context: GithubReadContext,
  client: GithubReadClient,
  partition: string,
  start: PartitionStart,
  listing: KeysetListing,
): AsyncGenerator<PartitionEvent> {
  const base = `${repositoryPath(partition)}${listing.path}`;
  let since = start.cursor;
  let page = 1;
  let cursor = start.cursor;
  /** Ids yielded in this read whose `updated_at` equals `cursor`: they come back at the top of the next page. */
  let atCursor = new Set<unknown>();
  let first = true;

  const fields = listing.dropWhenPresent ? ["id", "updated_at", listing.dropWhenPresent] : ["id", "updated_at"];
  for (;;) {
    const url = listingUrl(base, { ...listing.query, since: since ?? undefined, per_page: githubPageSize, page: page > 1 ? page : undefined });
    const conditional = first && start.etag?.url === url ? start.etag.etag : undefined;
    const answer = await client.get(url, conditional, fields);
    first = false;
    if (answer.status === 304) {
      yield { kind: "progress", partition, cursor, done: true };
      return;
    }
    if (unreadableRepositoryStatuses.has(answer.status)) {
      context.logger.warn({ repository: partition, status: answer.status, path: listing.path }, "repository not readable; skipped");
      yield { kind: "progress", partition, cursor: start.cursor, done: true };
      return;
    }
    if (answer.status !== 200) throw unexpectedStatus(answer, `GET ${base}`);

    const { bytes, objects: items } = scannedPageItems(answer, `GET ${base}`);
    const kept: ScannedObject[] = [];
    for (const item of items) {
      const [id, updatedAt, dropField] = item.picked;
      const updated = typeof updatedAt === "string" ? updatedAt : null;
      if (updated !== null) {
        if (cursor === null || updated > cursor) {
          cursor = updated;
          atCursor = new Set();
        }
        if (updated === cursor) {
          if (atCursor.has(id)) continue;
          atCursor.add(id);
        }
      }
      if (dropField !== undefined) continue;
      kept.push(item);
    }
    if (kept.length > 0) yield { kind: "raw_records", batch: { page: bytes, objects: kept, extraFields: { repository: partition } } };

    if (!answer.next || items.length === 0) {
      // Kept only when this request is the one the next run will start with (same `since`, page 1).
      const etag: KeptEtag | null = answer.etag && page === 1 && since === cursor ? { url, etag: answer.etag } : null;
      yield { kind: "progress", partition, cursor, done: true, etag };
      return;
    }
    const last = items[items.length - 1]?.picked[1];
    if (typeof last === "string" && last !== since) {
      since = last;
      page = 1;
    } else {
      page += 1;
    }
    yield { kind: "progress", partition, cursor, done: false };
  }
}
