import { createHash } from "node:crypto";
import type { Stats } from "node:fs";
import { mkdir, readdir, realpath, stat, unlink, utimes } from "node:fs/promises";
import { join, resolve, sep } from "node:path";
import { pathSegmentPattern } from "@tributary/mirror";
import type { ObjectStore } from "@tributary/object-store";

/**
 * A local, size-bounded copy of mirrored Parquet files for DuckDB, which reads local paths only.
 *
 * Identity. A cached file is the content of one object version: (key, ETag). Its name is
 * `<directory>/<workspace>/<sha256(key), 32 hex>-<etag tag>.parquet`, so a replaced object (new ETag)
 * can never be served from the file of the old one.
 *
 * ETags are remembered. A key's ETag is asked with `head` the first time the key is seen in this
 * process and then trusted: mirror data files are immutable once committed and new data always gets new
 * keys, so a remembered ETag stays right. Where that assumption may break (a snapshot changed), the
 * caller drops the remembered ETags with `forget`, and the next acquire asks again.
 *
 * No index file. The folder is the index: a name is derived from (workspace, key, ETag), never inverted,
 * so a restart needs nothing but the names, sizes and times of the files. The price is one HEAD per key
 * after a restart (never a GET for a file that is still valid), which is also what protects against an
 * object replaced while the process was down; a separate index could disagree with the folder after a
 * crash, the folder cannot.
 *
 * One cache per directory: a second process on the same folder would evict files under this one.
 */
export interface ParquetCacheOptions {
  /** Where the objects are. */
  store: ObjectStore;
  /** Cache root on local disk (created), e.g. `$TRIBUTARY_DATA_DIR/query-cache`. */
  directory: string;
  /**
   * Size bound in bytes. Least-recently-used files not pinned by a lease are evicted beyond it. Files
   * being downloaded count only once complete, so the disk may hold up to `downloadConcurrency` files more.
   */
  maxBytes: number;
  /** Downloads at once across the whole cache (default 4). */
  downloadConcurrency?: number;
  log?: { warn(obj: object, msg: string): void; info?(obj: object, msg: string): void };
}

export interface CachedFile {
  key: string;
  etag: string;
  /** Absolute local path, under `workspaceDirectory(workspaceId)`. */
  path: string;
  size: number;
}

/** Files in the order of the keys asked for; they stay on disk until `release` (idempotent). */
export interface CacheLease {
  files: CachedFile[];
  release(): void;
}

export interface ParquetCacheStats {
  /** Bytes of the cached files (complete ones; downloads in progress are not counted). */
  bytes: number;
  files: number;
  /** Keys served from a file already on disk. */
  hits: number;
  /** Keys that needed a download, whether started for them or shared with a concurrent acquire. */
  misses: number;
  downloadedBytes: number;
  /** Files deleted to stay within maxBytes or because a newer version of the same key replaced them. */
  evictions: number;
}

/** Thrown when a key has no object in the store; names the key and the store, never credentials. */
export class MissingObjectError extends Error {
  readonly code = "not_found";

  constructor(
    readonly key: string,
    storeDescription: string,
  ) {
    super(`query cache: no object ${JSON.stringify(key)} in ${storeDescription}`);
    this.name = "MissingObjectError";
  }
}

/** The object changed between HEAD and GET; the acquire asks again once before giving up. */
class ObjectChangedError extends Error {
  constructor(key: string) {
    super(`query cache: object ${JSON.stringify(key)} changed while it was being downloaded`);
    this.name = "ObjectChangedError";
  }
}

const defaultDownloadConcurrency = 4;
/** HEADs are cheap but a query over thousands of files must not open thousands of requests at once. */
const headConcurrency = 16;
/** Forgetting a remembered ETag only costs a HEAD, so the memory is bounded rather than exact. */
const rememberedKeysLimit = 100_000;
const cacheFileName = /^([0-9a-f]{32})-([eh][A-Za-z0-9-]{1,64})\.parquet$/;
/** ETags used verbatim in names; anything else (quotes, slashes, very long) is hashed. */
const plainEtag = /^[A-Za-z0-9-]{1,64}$/;

interface Entry {
  /** `<workspace>/<file name>`: the entries' map key, unique per (workspace, key, ETag). */
  readonly relative: string;
  /** `<workspace>/<sha of key>`, shared by every version of one key in one workspace. */
  readonly versionGroup: string;
  readonly path: string;
  readonly size: number;
  /** Leases (and waiters about to receive a lease) holding the file. */
  pins: number;
  /** A newer version of the key was cached: delete as soon as nothing holds this one. */
  superseded: boolean;
}

interface Download {
  readonly relative: string;
  readonly controller: AbortController;
  /** Acquires waiting; each receives one pin when the file is complete. */
  waiters: number;
  /** Set (with the waiters' pins) the moment the file is complete, before `done` resolves. */
  entry: Entry | undefined;
  done: Promise<Entry>;
}

interface RemoteVersion {
  etag: string;
  size: number;
}

export class ParquetCache {
  private readonly store: ObjectStore;
  private readonly root: string;
  private readonly maxBytes: number;
  private readonly log: ParquetCacheOptions["log"];
  /** Insertion order is recency order: least recently used first. */
  private readonly entries = new Map<string, Entry>();
  private readonly versions = new Map<string, Set<Entry>>();
  private readonly downloads = new Map<string, Download>();
  private readonly remembered = new Map<string, RemoteVersion>();
  private readonly heads = new Map<string, Promise<RemoteVersion>>();
  /**
   * The last file operation (download, deletion) per relative path. Every operation on a path waits for
   * the previous one, so an eviction's unlink can never remove a file that a new download has just
   * renamed into place under the same name.
   */
  private readonly pathTasks = new Map<string, Promise<void>>();
  private readonly deletions = new Set<Promise<void>>();
  private readonly downloadLimiter: Limiter;
  private readonly headLimiter = new Limiter(headConcurrency);
  private readonly lifetime = new AbortController();
  private bytes = 0;
  private hits = 0;
  private misses = 0;
  private downloadedBytes = 0;
  private evictions = 0;
  /** Whether the pinned files alone are over the bound; warned once each time this starts. */
  private overPinned = false;
  private closing: Promise<void> | undefined;

  private constructor(options: ParquetCacheOptions, root: string) {
    this.store = options.store;
    this.root = root;
    this.maxBytes = options.maxBytes;
    this.log = options.log;
    this.downloadLimiter = new Limiter(options.downloadConcurrency ?? defaultDownloadConcurrency);
  }

  /**
   * Creates the directory, indexes the files already there (recency from their access time, see
   * `touch`), deletes leftovers of interrupted downloads, and evicts down to maxBytes.
   */
  static async open(options: ParquetCacheOptions): Promise<ParquetCache> {
    if (!Number.isFinite(options.maxBytes) || options.maxBytes < 0) {
      throw new Error(`query cache: maxBytes must be a non-negative number, got ${options.maxBytes}`);
    }
    const concurrency = options.downloadConcurrency ?? defaultDownloadConcurrency;
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new Error(`query cache: downloadConcurrency must be a positive integer, got ${concurrency}`);
    }
    await mkdir(resolve(options.directory), { recursive: true });
    // DuckDB compares allowed_directories with the paths it is given; a symlinked root would make the two
    // spell the same folder differently.
    const root = await realpath(resolve(options.directory));
    const cache = new ParquetCache(options, root);
    await cache.index();
    return cache;
  }

  /** `<directory>/<workspaceId>/`, with the trailing slash DuckDB's allowed_directories expects. */
  workspaceDirectory(workspaceId: string): string {
    assertWorkspaceId(workspaceId);
    return join(this.root, workspaceId) + sep;
  }

  /**
   * Local paths for `keys` (object keys of one workspace's mirror), downloading only those not cached.
   * Every file is pinned until the lease is released. Fails with MissingObjectError for a key without
   * object, or with the store's error; on failure nothing stays pinned.
   */
  async acquire(workspaceId: string, keys: readonly string[], options: { signal?: AbortSignal } = {}): Promise<CacheLease> {
    this.assertOpen();
    assertWorkspaceId(workspaceId);
    options.signal?.throwIfAborted();
    const unique = [...new Set(keys)];
    // Aborted on the first failure too, so the other keys stop waiting and their pins are returned.
    const controller = new AbortController();
    const forwardAbort = (): void => controller.abort(options.signal?.reason);
    options.signal?.addEventListener("abort", forwardAbort, { once: true });
    const held: Entry[] = [];
    const resolved = new Map<string, { entry: Entry; etag: string }>();
    let failure: { error: unknown } | undefined;
    try {
      await Promise.all(
        unique.map(async (key) => {
          try {
            const result = await this.resolveKey(workspaceId, key, controller.signal);
            held.push(result.entry);
            resolved.set(key, result);
          } catch (error) {
            failure ??= { error };
            controller.abort(error);
          }
        }),
      );
    } finally {
      options.signal?.removeEventListener("abort", forwardAbort);
    }
    if (failure !== undefined || this.closing !== undefined) {
      for (const entry of held) this.unpin(entry);
      this.evict();
      throw failure?.error ?? closedError();
    }

    let released = false;
    return {
      files: keys.map((key) => {
        const { entry, etag } = resolved.get(key)!;
        return { key, etag, path: entry.path, size: entry.size };
      }),
      release: () => {
        if (released) return;
        released = true;
        for (const entry of held) this.unpin(entry);
        this.evict();
      },
    };
  }

  /**
   * Drops the remembered ETags of `keys`, so the next acquire asks the store again (a snapshot changed).
   * Files stay: if the ETag turns out unchanged they are hits; otherwise the new version replaces them.
   */
  forget(keys: Iterable<string>): void {
    for (const key of keys) {
      this.remembered.delete(key);
      this.heads.delete(key);
    }
  }

  stats(): ParquetCacheStats {
    return {
      bytes: this.bytes,
      files: this.entries.size,
      hits: this.hits,
      misses: this.misses,
      downloadedBytes: this.downloadedBytes,
      evictions: this.evictions,
    };
  }

  /**
   * Resolves once the file deletions started so far are done. Eviction after a release (or a download)
   * is accounted at once but unlinks in the background; this is for shutdown and for tests.
   */
  async settled(): Promise<void> {
    while (this.deletions.size > 0) await Promise.all(this.deletions);
  }

  /**
   * Cancels downloads and HEADs in progress and waits for file operations to finish. Files stay on disk
   * for the next `open`; acquires after this fail.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.lifetime.abort(closedError());
      await Promise.allSettled([...this.downloads.values()].map((download) => download.done));
      await Promise.allSettled([...this.pathTasks.values()]);
      await this.settled();
    })();
    return this.closing;
  }

  /** Returns the entry pinned once for the caller. */
  private async resolveKey(workspaceId: string, key: string, signal: AbortSignal): Promise<{ entry: Entry; etag: string }> {
    for (let attempt = 1; ; attempt += 1) {
      const remote = await abortable(this.remoteVersion(key), signal);
      const keyHash = sha256(key).slice(0, 32);
      const relative = `${workspaceId}/${keyHash}-${etagTag(remote.etag)}.parquet`;
      const existing = this.entries.get(relative);
      // A pinned entry has passed the size check already (same key, same ETag, so same object).
      if (existing !== undefined && (existing.size === remote.size || existing.pins > 0)) {
        existing.pins += 1;
        this.hits += 1;
        // Versions of the key left from before a restart go as soon as the current one is used.
        if (this.remembered.get(key)?.etag === remote.etag) this.supersedeOthers(existing);
        await this.touch(existing);
        return { entry: existing, etag: remote.etag };
      }
      // A size that disagrees with the object's (a file damaged outside the cache) is not served.
      if (existing !== undefined) this.remove(existing, false);
      this.misses += 1;
      try {
        const download = this.downloads.get(relative) ?? this.startDownload(key, remote, relative, `${workspaceId}/${keyHash}`);
        const entry = await this.waitForDownload(download, signal);
        return { entry, etag: remote.etag };
      } catch (error) {
        if (!(error instanceof ObjectChangedError) || attempt >= 2) throw error;
      }
    }
  }

  /** The remembered version of `key`, or one HEAD shared by every acquire asking meanwhile. */
  private remoteVersion(key: string): Promise<RemoteVersion> {
    const known = this.remembered.get(key);
    if (known !== undefined) return Promise.resolve(known);
    const pending = this.heads.get(key);
    if (pending !== undefined) return pending;
    const head = this.headLimiter
      .run(() => this.store.head(key, { signal: this.lifetime.signal }), this.lifetime.signal)
      .then(
        (info) => {
          // A `forget` during the HEAD makes its answer stale: hand it to the waiters but do not keep it.
          const current = this.heads.get(key) === head;
          if (current) this.heads.delete(key);
          if (info === undefined) throw new MissingObjectError(key, this.store.description);
          const version = { etag: info.etag, size: info.size };
          if (current) this.remember(key, version);
          return version;
        },
        (error: unknown) => {
          if (this.heads.get(key) === head) this.heads.delete(key);
          throw error;
        },
      );
    this.heads.set(key, head);
    return head;
  }

  private remember(key: string, version: RemoteVersion): void {
    if (this.remembered.size >= rememberedKeysLimit) {
      const oldest = this.remembered.keys().next();
      if (!oldest.done) this.remembered.delete(oldest.value);
    }
    this.remembered.set(key, version);
  }

  private startDownload(key: string, remote: RemoteVersion, relative: string, versionGroup: string): Download {
    const controller = new AbortController();
    const signal = AbortSignal.any([controller.signal, this.lifetime.signal]);
    const done = this.onPath(relative, async () => {
      // An earlier download of this path, abandoned by its waiters, may have completed after all.
      const already = this.entries.get(relative);
      if (already !== undefined) {
        already.pins += download.waiters;
        download.entry = already;
        return already;
      }
      signal.throwIfAborted();
      const path = join(this.root, relative);
      const result = await this.downloadLimiter.run(() => this.store.getToFile(key, path, { signal }), signal);
      if (result === undefined) {
        this.forget([key]);
        throw new MissingObjectError(key, this.store.description);
      }
      if (result.etag !== remote.etag) {
        // The file holds another version than its name says; drop it and let the acquire ask again.
        await unlinkIfPresent(path);
        this.forget([key]);
        throw new ObjectChangedError(key);
      }
      this.downloadedBytes += result.size;
      const entry: Entry = {
        relative,
        versionGroup,
        path,
        size: result.size,
        pins: download.waiters,
        superseded: false,
      };
      this.add(entry);
      download.entry = entry;
      // Only the version the cache currently believes in replaces others; a download that started before a
      // `forget` and finished after must not delete the newer file.
      if (this.remembered.get(key)?.etag === remote.etag) this.supersedeOthers(entry);
      this.evict();
      return entry;
    });
    // The task above runs on a later tick (behind the path's previous operation), when this is assigned.
    const download: Download = { relative, controller, waiters: 0, entry: undefined, done };
    this.downloads.set(relative, download);
    void download.done.then(
      () => this.endDownload(download),
      () => this.endDownload(download),
    );
    return download;
  }

  private endDownload(download: Download): void {
    if (this.downloads.get(download.relative) === download) this.downloads.delete(download.relative);
  }

  /**
   * Waits for a shared download. Leaving early (signal) gives back the pin if the file was already
   * handed out, and cancels the download when nobody waits for it any more.
   */
  private waitForDownload(download: Download, signal: AbortSignal): Promise<Entry> {
    download.waiters += 1;
    return new Promise<Entry>((resolvePromise, rejectPromise) => {
      let left = false;
      const leave = (): void => {
        left = true;
        if (download.entry !== undefined) {
          this.unpin(download.entry);
          this.evict();
        } else {
          download.waiters -= 1;
          if (download.waiters === 0) {
            download.controller.abort(signal.reason);
            // Later acquires start afresh (queued behind this one on the path) instead of joining a cancelled one.
            this.endDownload(download);
          }
        }
        rejectPromise(signal.reason);
      };
      if (signal.aborted) {
        leave();
        return;
      }
      signal.addEventListener("abort", leave, { once: true });
      download.done.then(
        (entry) => {
          if (left) return;
          signal.removeEventListener("abort", leave);
          resolvePromise(entry);
        },
        (error: unknown) => {
          if (left) return;
          signal.removeEventListener("abort", leave);
          rejectPromise(error);
        },
      );
    });
  }

  private add(entry: Entry): void {
    this.entries.set(entry.relative, entry);
    this.bytes += entry.size;
    let group = this.versions.get(entry.versionGroup);
    if (group === undefined) {
      group = new Set();
      this.versions.set(entry.versionGroup, group);
    }
    group.add(entry);
  }

  /** Forgets the entry at once (accounting, lookups) and deletes its file in the background. */
  private remove(entry: Entry, eviction: boolean): void {
    if (this.entries.get(entry.relative) !== entry) return;
    this.entries.delete(entry.relative);
    this.bytes -= entry.size;
    const group = this.versions.get(entry.versionGroup);
    group?.delete(entry);
    if (group?.size === 0) this.versions.delete(entry.versionGroup);
    if (eviction) this.evictions += 1;
    const deletion = this.onPath(entry.relative, async () => {
      try {
        await unlinkIfPresent(entry.path);
      } catch (error) {
        this.log?.warn({ path: entry.path, error: describeError(error) }, "query cache: could not delete a cached file");
      }
    });
    this.deletions.add(deletion);
    void deletion.finally(() => this.deletions.delete(deletion));
  }

  private supersedeOthers(current: Entry): void {
    for (const other of this.versions.get(current.versionGroup) ?? []) {
      if (other === current) continue;
      other.superseded = true;
      if (other.pins === 0) this.remove(other, true);
    }
  }

  private unpin(entry: Entry): void {
    entry.pins -= 1;
    if (entry.pins === 0 && entry.superseded) this.remove(entry, true);
  }

  /**
   * Evicts least-recently-used unpinned files until the total fits. When the pinned files alone do not
   * fit, queries keep running (their files stay) and one warning marks the start of that state; later
   * releases and downloads catch up.
   */
  private evict(): void {
    if (this.closing !== undefined) return;
    for (const entry of this.entries.values()) {
      if (this.bytes <= this.maxBytes) break;
      if (entry.pins === 0) this.remove(entry, true);
    }
    if (this.bytes <= this.maxBytes) {
      this.overPinned = false;
      return;
    }
    if (this.overPinned) return;
    this.overPinned = true;
    let pinnedFiles = 0;
    let pinnedBytes = 0;
    for (const entry of this.entries.values()) {
      if (entry.pins === 0) continue;
      pinnedFiles += 1;
      pinnedBytes += entry.size;
    }
    this.log?.warn(
      { bytes: this.bytes, maxBytes: this.maxBytes, pinnedFiles, pinnedBytes },
      "query cache: files in use by queries exceed the size bound; evicting once they are released",
    );
  }

  /**
   * Marks the entry most recently used: in memory (map order) and on disk in the access time, which the
   * next `open` reads. The modification time is left alone on purpose: DuckDB's external file cache
   * validates cached file contents by modification time, and touching it would discard them every query.
   */
  private async touch(entry: Entry): Promise<void> {
    this.entries.delete(entry.relative);
    this.entries.set(entry.relative, entry);
    try {
      const info = await stat(entry.path);
      await utimes(entry.path, new Date(), info.mtime);
    } catch {
      // Recency on disk only orders evictions after a restart; losing it is harmless.
    }
  }

  private onPath<T>(relative: string, task: () => Promise<T>): Promise<T> {
    const previous = this.pathTasks.get(relative) ?? Promise.resolve();
    const run = previous.then(task);
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    this.pathTasks.set(relative, tail);
    void tail.then(() => {
      if (this.pathTasks.get(relative) === tail) this.pathTasks.delete(relative);
    });
    return run;
  }

  /** Rebuilds the entries from the folder, oldest access first, then evicts down to the bound. */
  private async index(): Promise<void> {
    const found: Array<{ entry: Entry; recency: number; name: string }> = [];
    let leftovers = 0;
    for (const workspace of await readdir(this.root, { withFileTypes: true })) {
      if (!workspace.isDirectory() || !pathSegmentPattern.test(workspace.name)) continue;
      const folder = join(this.root, workspace.name);
      for (const file of await readdir(folder, { withFileTypes: true })) {
        const path = join(folder, file.name);
        // getToFile writes to a hidden temporary file next to the target; the cache itself names no file
        // with a dot, so every dot file here is an interrupted download.
        if (file.name.startsWith(".")) {
          await unlinkIfPresent(path);
          leftovers += 1;
          continue;
        }
        const match = cacheFileName.exec(file.name);
        if (match === null || !file.isFile()) continue;
        let info: Stats;
        try {
          info = await stat(path);
        } catch {
          continue;
        }
        const relative = `${workspace.name}/${file.name}`;
        found.push({
          entry: {
            relative,
            versionGroup: `${workspace.name}/${match[1]}`,
            path,
            size: info.size,
            pins: 0,
            superseded: false,
          },
          recency: Math.max(info.atimeMs, info.mtimeMs),
          name: relative,
        });
      }
    }
    found.sort((a, b) => a.recency - b.recency || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const { entry } of found) this.add(entry);
    this.evict();
    await this.settled();
    this.log?.info?.(
      { directory: this.root, files: this.entries.size, bytes: this.bytes, evicted: this.evictions, removedTemporaryFiles: leftovers },
      "query cache: indexed the files on disk",
    );
  }

  private assertOpen(): void {
    if (this.closing !== undefined) throw closedError();
  }
}

/** Bounds how many tasks run at once; a waiter whose signal fires leaves the queue. */
class Limiter {
  private active = 0;
  private readonly queue: Array<() => void> = [];

  constructor(private readonly limit: number) {}

  async run<T>(task: () => Promise<T>, signal: AbortSignal): Promise<T> {
    await this.enter(signal);
    try {
      return await task();
    } finally {
      this.leave();
    }
  }

  private enter(signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.reject(signal.reason as Error);
    if (this.active < this.limit) {
      this.active += 1;
      return Promise.resolve();
    }
    return new Promise<void>((resolvePromise, rejectPromise) => {
      const grant = (): void => {
        signal.removeEventListener("abort", onAbort);
        resolvePromise();
      };
      const onAbort = (): void => {
        const index = this.queue.indexOf(grant);
        if (index !== -1) this.queue.splice(index, 1);
        rejectPromise(signal.reason as Error);
      };
      signal.addEventListener("abort", onAbort, { once: true });
      this.queue.push(grant);
    });
  }

  private leave(): void {
    const next = this.queue.shift();
    // The slot passes straight to the next waiter, so `active` stays as it is.
    if (next !== undefined) next();
    else this.active -= 1;
  }
}

function assertWorkspaceId(workspaceId: string): void {
  if (typeof workspaceId !== "string" || !pathSegmentPattern.test(workspaceId)) {
    throw new Error(`query cache: invalid workspace id ${JSON.stringify(String(workspaceId).slice(0, 64))}`);
  }
}

/**
 * The ETag part of a file name: `e<etag>` for plain ETags (S3's hex and multipart `hex-N` forms) and
 * `h<sha256(etag), 32 hex>` otherwise; the two prefixes keep the forms from colliding.
 */
function etagTag(etag: string): string {
  return plainEtag.test(etag) ? `e${etag}` : `h${sha256(etag).slice(0, 32)}`;
}

function sha256(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

/** Lets one waiter stop waiting for a promise others share; the promise itself runs on. */
function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolvePromise, rejectPromise) => {
    const onAbort = (): void => rejectPromise(signal.reason as Error);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolvePromise(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        rejectPromise(error);
      },
    );
  });
}

async function unlinkIfPresent(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (error) {
    if ((error as { code?: string }).code !== "ENOENT") throw error;
  }
}

function closedError(): Error {
  return new Error("query cache: closed");
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
