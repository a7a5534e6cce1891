import { maxCursor, sharedLookup } from "../core/read-helpers.js";
import type { ReadMessage, SourceRecord } from "../core/connector-types.js";
import {
  githubPageSize,
  githubReadConcurrency,
  listingUrl,
  pageItems,
  repositoryPath,
  unexpectedStatus,
  type GithubPage,
  type GithubReadClient,
  type GithubReadContext,
} from "./github-read-client.js";
import { readEtags, type KeptEtag } from "./github-read-state.js";
import { tokenTypeFromPrefix } from "./github-token-type.js";

/** Where the repositories come from, in the configuration's order of precedence. */
export type RepositorySource =
  | { kind: "configured"; names: string[] }
  | { kind: "organization"; login: string }
  | { kind: "installation" }
  | { kind: "user" };

/**
 * `repositories` when configured (the organization then only names whose members `users` reads);
 * otherwise the organization's repositories; otherwise every repository the token reaches: an
 * installation token's through `/installation/repositories`, a user token's through `/user/repos`.
 */
export function repositorySource(context: GithubReadContext): RepositorySource {
  const { config, credentials } = context;
  if (config.repositories) return { kind: "configured", names: config.repositories };
  if (config.organization) return { kind: "organization", login: config.organization };
  return tokenTypeFromPrefix(credentials.token) === "app_installation" ? { kind: "installation" } : { kind: "user" };
}

/** The first page of a repository listing, newest-updated first where GitHub can sort. */
function listingStart(source: Exclude<RepositorySource, { kind: "configured" }>, sort: "updated" | "full_name"): string {
  const order = sort === "updated" ? { sort: "updated", direction: "desc" } : { sort: "full_name", direction: "asc" };
  switch (source.kind) {
    case "organization":
      return listingUrl(`/orgs/${encodeURIComponent(source.login)}/repos`, { type: "all", ...order, per_page: githubPageSize });
    case "user":
      return listingUrl("/user/repos", { ...order, per_page: githubPageSize });
    case "installation":
      // No sort parameter on this endpoint.
      return listingUrl("/installation/repositories", { per_page: githubPageSize });
  }
}

function listingItems(page: GithubPage, source: RepositorySource): Array<Record<string, unknown>> {
  if (source.kind === "installation") {
    const body = page.body as { repositories?: unknown } | undefined;
    return pageItems({ ...page, body: body?.repositories }, "GET /installation/repositories");
  }
  return pageItems(page, page.url);
}

/**
 * The repositories the per-repository streams read (their partitions), listed once per run and shared
 * by every stream of the run. Configured repositories cost no call: a repository the token cannot
 * reach is reported when a stream reads it.
 */
export function listPartitions(context: GithubReadContext, client: GithubReadClient): Promise<string[]> {
  return sharedLookup(context, "github:repositories", async () => {
    const source = repositorySource(context);
    if (source.kind === "configured") return [...source.names];
    const names: string[] = [];
    for (let url: string | undefined = listingStart(source, "full_name"); url; ) {
      const page = await client.get(url);
      if (page.status !== 200) throw unexpectedStatus(page, `GET ${page.url.split("?")[0]}`);
      for (const item of listingItems(page, source)) if (typeof item.full_name === "string") names.push(item.full_name);
      url = page.next;
    }
    return [...new Set(names)];
  });
}

/**
 * The `repositories` stream. Listings come newest-updated first (`sort=updated&direction=desc`), so an
 * incremental read stops at the first repository older than the saved `updated_at`. Configured
 * repositories are asked for one by one with their kept ETag: an unchanged one answers 304.
 */
export async function* readRepositories(context: GithubReadContext, client: GithubReadClient): AsyncGenerator<ReadMessage> {
  const source = repositorySource(context);
  const incremental = context.syncMode === "incremental";
  const saved = incremental ? context.state : undefined;
  const since = typeof saved?.cursor === "string" ? saved.cursor : null;
  let cursor: string | null = since;

  if (source.kind === "configured") {
    const etags: Record<string, KeptEtag> = incremental ? readEtags(saved) : {};
    for (let index = 0; index < source.names.length; index += githubReadConcurrency) {
      const batch = source.names.slice(index, index + githubReadConcurrency);
      const pages = await Promise.all(
        batch.map((name) => {
          const url = repositoryPath(name);
          const kept = etags[name];
          return client.get(url, kept?.url === url ? kept.etag : undefined);
        }),
      );
      const records: SourceRecord[] = [];
      pages.forEach((page, position) => {
        const name = batch[position] ?? "";
        if (page.status === 304) return;
        if (page.status !== 200) {
          context.logger.warn({ repository: name, status: page.status }, "repository not readable; skipped");
          return;
        }
        const record = page.body as SourceRecord;
        records.push(record);
        if (page.etag) etags[name] = { url: page.url, etag: page.etag };
        cursor = maxCursor(cursor, typeof record.updated_at === "string" ? record.updated_at : null);
      });
      if (records.length > 0) yield { type: "records", records };
    }
    yield { type: "state", state: { cursor, ...(Object.keys(etags).length > 0 ? { extra: { etags } } : {}) } };
    return;
  }

  for (let url: string | undefined = listingStart(source, "updated"); url; ) {
    const page = await client.get(url);
    if (page.status !== 200) throw unexpectedStatus(page, `GET ${page.url.split("?")[0]}`);
    const records: SourceRecord[] = [];
    let reachedCursor = false;
    for (const item of listingItems(page, source)) {
      const updated = typeof item.updated_at === "string" ? item.updated_at : null;
      if (since !== null && updated !== null && updated < since) {
        // Sorted listings end here; the installation listing has no order, so it is filtered instead.
        if (source.kind !== "installation") {
          reachedCursor = true;
          break;
        }
        continue;
      }
      records.push(item);
      cursor = maxCursor(cursor, updated);
    }
    if (records.length > 0) yield { type: "records", records };
    url = reachedCursor ? undefined : page.next;
  }
  yield { type: "state", state: { cursor } };
}
