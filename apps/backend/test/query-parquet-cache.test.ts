import { createHash, randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readdir, readFile, realpath, rm, stat, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, dirname, join, sep } from "node:path";
import {
  LocalFolderObjectStore,
  ObjectStoreError,
  S3ObjectStore,
  startS3TestServer,
  type DownloadResult,
  type GetOptions,
  type ListedObject,
  type ObjectInfo,
  type ObjectStore,
  type PutOptions,
  type PutResult,
  type S3ObjectStoreOptions,
  type S3TestServer,
} from "@tributary/object-store";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { MissingObjectError, ParquetCache, type ParquetCacheOptions } from "../src/query/parquet-cache.js";

let scratch: string;
let counter = 0;
const caches: ParquetCache[] = [];
const stores: ObjectStore[] = [];

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "query-parquet-cache-"));
});

afterAll(async () => {
  await Promise.all(caches.map((cache) => cache.close()));
  await Promise.all(stores.map((store) => store.close()));
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

interface RecordedLog {
  warnings: Array<{ obj: object; msg: string }>;
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

function recordingLog(): RecordedLog {
  const warnings: Array<{ obj: object; msg: string }> = [];
  return { warnings, warn: (obj, msg) => warnings.push({ obj, msg }), info: () => undefined };
}

async function openCache(
  store: ObjectStore,
  overrides: Partial<ParquetCacheOptions> = {},
): Promise<{ cache: ParquetCache; log: RecordedLog; directory: string }> {
  const log = recordingLog();
  const directory = overrides.directory ?? join(scratch, `cache-${++counter}`);
  const cache = await ParquetCache.open({ store, directory, maxBytes: 1 << 20, log, ...overrides });
  caches.push(cache);
  return { cache, log, directory };
}

function md5(bytes: Uint8Array): string {
  return createHash("md5").update(bytes).digest("hex");
}

/** Files in a folder, temporary ones included; none when the folder was never created. */
async function filesIn(folder: string): Promise<string[]> {
  try {
    return (await readdir(folder)).sort();
  } catch (error) {
    if ((error as { code?: string }).code === "ENOENT") return [];
    throw error;
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** Mirror-like keys with distinct content of a known size. */
async function putObjects(store: ObjectStore, names: readonly string[], size = 100): Promise<Map<string, Buffer>> {
  const contents = new Map<string, Buffer>();
  for (const name of names) {
    const content = randomBytes(size);
    const key = `ws/conn/issues/data/run-1/${name}.parquet`;
    await store.putBytes(key, content);
    contents.set(key, content);
  }
  return contents;
}

describe("ParquetCache on S3 (s3rver)", () => {
  let server: S3TestServer;

  const s3Store = (overrides: Partial<S3ObjectStoreOptions> = {}): S3ObjectStore => {
    const store = new S3ObjectStore({
      bucket: server.bucket,
      region: server.region,
      endpoint: server.endpoint,
      accessKeyId: server.accessKeyId,
      secretAccessKey: server.secretAccessKey,
      prefix: `case-${++counter}/`,
      ...overrides,
    });
    stores.push(store);
    return store;
  };

  const requests = async (): Promise<{ GetObject: number; HeadObject: number }> => {
    const counts = (await server.stats()).requests;
    return { GetObject: counts.GetObject ?? 0, HeadObject: counts.HeadObject ?? 0 };
  };

  /** A store holding `names`, with the server's request counts reset after the uploads. */
  const seeded = async (names: readonly string[], size = 100, overrides: Partial<S3ObjectStoreOptions> = {}) => {
    const store = s3Store(overrides);
    const contents = await putObjects(store, names, size);
    await server.resetStats();
    return { store, contents, keys: [...contents.keys()] };
  };

  beforeAll(async () => {
    server = await startS3TestServer();
  });
  afterAll(async () => {
    await server?.close();
  });
  beforeEach(async () => {
    await server.clearFaults();
    await server.resetStats();
  });

  it("downloads on a miss and serves the same file on a hit without another request", async () => {
    const { store, contents, keys } = await seeded(["a"]);
    const key = keys[0]!;
    const { cache } = await openCache(store);

    const first = await cache.acquire("ws1", [key]);
    const file = first.files[0]!;
    expect(first.files).toEqual([{ key, etag: md5(contents.get(key)!), path: file.path, size: 100 }]);
    expect(file.path.startsWith(cache.workspaceDirectory("ws1"))).toBe(true);
    // Both halves of the identity are in the name: a hash of the key and the ETag.
    expect(basename(file.path)).toBe(`${createHash("sha256").update(key).digest("hex").slice(0, 32)}-e${file.etag}.parquet`);
    expect(await readFile(file.path)).toEqual(contents.get(key));
    expect(await requests()).toEqual({ GetObject: 1, HeadObject: 1 });
    first.release();

    const second = await cache.acquire("ws1", [key]);
    expect(second.files).toEqual(first.files);
    expect(await requests()).toEqual({ GetObject: 1, HeadObject: 1 });
    expect(cache.stats()).toEqual({ bytes: 100, files: 1, hits: 1, misses: 1, downloadedBytes: 100, evictions: 0 });
    second.release();
  });

  it("fetches only the keys not cached and returns files in the order of the keys", async () => {
    const { store, keys } = await seeded(["a", "b", "c"]);
    const [a, b, c] = keys as [string, string, string];
    const { cache } = await openCache(store);

    (await cache.acquire("ws1", [a, b])).release();
    const lease = await cache.acquire("ws1", [c, a, b, c]);
    expect(lease.files.map((file) => file.key)).toEqual([c, a, b, c]);
    expect(lease.files[0]!.path).toBe(lease.files[3]!.path);
    expect(await requests()).toEqual({ GetObject: 3, HeadObject: 3 });
    expect(cache.stats()).toMatchObject({ hits: 2, misses: 3, files: 3 });
    lease.release();
  });

  it("shares one download between concurrent acquires of the same key", async () => {
    const { store, contents, keys } = await seeded(["a"], 5000);
    const key = keys[0]!;
    const { cache } = await openCache(store);

    const leases = await Promise.all([cache.acquire("ws1", [key]), cache.acquire("ws1", [key]), cache.acquire("ws1", [key, key])]);
    const paths = new Set(leases.flatMap((lease) => lease.files.map((file) => file.path)));
    expect(paths.size).toBe(1);
    expect(await readFile([...paths][0]!)).toEqual(contents.get(key));
    expect(await requests()).toEqual({ GetObject: 1, HeadObject: 1 });
    expect(cache.stats()).toMatchObject({ misses: 3, hits: 0, downloadedBytes: 5000, files: 1, bytes: 5000 });
    for (const lease of leases) lease.release();
  });

  it("evicts the least recently used files beyond maxBytes, counting a hit as a use", async () => {
    const { store, keys } = await seeded(["a", "b", "c"]);
    const [a, b, c] = keys as [string, string, string];
    const { cache } = await openCache(store, { maxBytes: 250 });

    const pathOf = async (key: string): Promise<string> => {
      const lease = await cache.acquire("ws1", [key]);
      lease.release();
      return lease.files[0]!.path;
    };
    const pathA = await pathOf(a);
    const pathB = await pathOf(b);
    await pathOf(a); // a is now more recent than b
    const pathC = await pathOf(c);
    await cache.settled();
    expect(await exists(pathB)).toBe(false);
    expect(await exists(pathA)).toBe(true);
    expect(await exists(pathC)).toBe(true);
    expect(cache.stats()).toMatchObject({ bytes: 200, files: 2, evictions: 1 });

    // b comes back with a new download, and a (now least recent) makes room for it.
    await pathOf(b);
    await cache.settled();
    expect(await requests()).toEqual({ GetObject: 4, HeadObject: 3 });
    expect(await exists(pathA)).toBe(false);
    expect(await exists(pathB)).toBe(true);
    expect(await exists(pathC)).toBe(true);
    expect(cache.stats()).toMatchObject({ bytes: 200, files: 2, evictions: 2 });
  });

  it("keeps leased files beyond maxBytes with one warning per occurrence, and evicts them once released", async () => {
    const { store, keys } = await seeded(["a", "b", "c", "d", "e"]);
    const [a, b, c, d, e] = keys as [string, string, string, string, string];
    const { cache, log } = await openCache(store, { maxBytes: 150 });

    const leaseA = await cache.acquire("ws1", [a]);
    const leaseB = await cache.acquire("ws1", [b]);
    const leaseC = await cache.acquire("ws1", [c]);
    await cache.settled();
    for (const lease of [leaseA, leaseB, leaseC]) expect(await exists(lease.files[0]!.path)).toBe(true);
    expect(cache.stats()).toMatchObject({ bytes: 300, files: 3, evictions: 0 });
    expect(log.warnings).toHaveLength(1);
    expect(log.warnings[0]!.obj).toMatchObject({ bytes: 200, maxBytes: 150, pinnedFiles: 2, pinnedBytes: 200 });

    leaseA.release();
    await cache.settled();
    expect(await exists(leaseA.files[0]!.path)).toBe(false);
    expect(cache.stats()).toMatchObject({ bytes: 200, files: 2, evictions: 1 });
    leaseB.release();
    leaseB.release(); // idempotent: a second release must not give back a pin it no longer holds
    await cache.settled();
    expect(await exists(leaseB.files[0]!.path)).toBe(false);
    expect(await exists(leaseC.files[0]!.path)).toBe(true);
    expect(cache.stats()).toMatchObject({ bytes: 100, files: 1, evictions: 2 });
    leaseC.release();
    expect(log.warnings).toHaveLength(1);

    // A new occurrence: d and e held together exceed the bound again, c goes, one more warning.
    const leaseD = await cache.acquire("ws1", [d]);
    const leaseE = await cache.acquire("ws1", [e]);
    await cache.settled();
    expect(await exists(leaseC.files[0]!.path)).toBe(false);
    expect(log.warnings).toHaveLength(2);
    leaseD.release();
    leaseE.release();
    await cache.settled();
    expect(cache.stats()).toMatchObject({ bytes: 100, files: 1 });
  });

  it("downloads a changed object again after forget(), and deletes the old version once released", async () => {
    const { store, keys } = await seeded(["a"]);
    const key = keys[0]!;
    const { cache } = await openCache(store);

    const oldLease = await cache.acquire("ws1", [key]);
    const oldFile = oldLease.files[0]!;
    const replacement = randomBytes(120);
    await store.putBytes(key, replacement);

    // Without forget() the remembered ETag is trusted (mirror files are immutable): no request at all.
    const trusted = await cache.acquire("ws1", [key]);
    expect(trusted.files[0]!.path).toBe(oldFile.path);
    trusted.release();
    expect(await requests()).toEqual({ GetObject: 1, HeadObject: 1 });

    cache.forget([key]);
    const newLease = await cache.acquire("ws1", [key]);
    const newFile = newLease.files[0]!;
    expect(newFile.etag).toBe(md5(replacement));
    expect(newFile.etag).not.toBe(oldFile.etag);
    expect(newFile.path).not.toBe(oldFile.path);
    expect(await readFile(newFile.path)).toEqual(replacement);
    expect(await requests()).toEqual({ GetObject: 2, HeadObject: 2 });

    // A query still reading the old version keeps it until it is done.
    await cache.settled();
    expect(await exists(oldFile.path)).toBe(true);
    oldLease.release();
    await cache.settled();
    expect(await exists(oldFile.path)).toBe(false);
    expect(await filesIn(cache.workspaceDirectory("ws1"))).toEqual([basename(newFile.path)]);
    expect(cache.stats()).toMatchObject({ bytes: 120, files: 1, evictions: 1 });
    newLease.release();
  });

  it("fails with an error naming a missing key, and returns the other keys' pins", async () => {
    const { store, keys } = await seeded(["a", "b"]);
    const [a, b] = keys as [string, string];
    const missing = "ws/conn/issues/data/run-1/nowhere.parquet";
    const { cache, log } = await openCache(store, { maxBytes: 100 });

    const error = await cache.acquire("ws1", [missing]).then(
      () => undefined,
      (failure: unknown) => failure,
    );
    expect(error).toBeInstanceOf(MissingObjectError);
    expect((error as MissingObjectError).key).toBe(missing);
    expect((error as Error).message).toContain(missing);
    expect((error as Error).message).not.toContain(server.secretAccessKey);
    expect(await requests()).toEqual({ GetObject: 0, HeadObject: 1 });

    // a is cached, then asked together with the missing key: the acquire fails and a stays unpinned, so
    // b's arrival evicts it without a warning about pinned files.
    const leaseA = await cache.acquire("ws1", [a]);
    leaseA.release();
    const pathA = leaseA.files[0]!.path;
    await expect(cache.acquire("ws1", [a, missing])).rejects.toThrow(MissingObjectError);
    const leaseB = await cache.acquire("ws1", [b]);
    await cache.settled();
    expect(await exists(pathA)).toBe(false);
    expect(log.warnings).toEqual([]);
    leaseB.release();
  });

  it("leaves no file after a failed download, rejects every waiter, and retries on the next acquire", async () => {
    const { store, contents, keys } = await seeded(["a"], 100, { maxAttempts: 2 });
    const key = keys[0]!;
    const { cache } = await openCache(store);
    const folder = cache.workspaceDirectory("ws1");

    await server.injectFaults({ count: 2, operations: ["GetObject"], response: "internal-error" });
    const results = await Promise.allSettled([cache.acquire("ws1", [key]), cache.acquire("ws1", [key])]);
    for (const result of results) {
      expect(result.status).toBe("rejected");
      const reason = (result as PromiseRejectedResult).reason as ObjectStoreError;
      expect(reason).toBeInstanceOf(ObjectStoreError);
      expect(reason.code).toBe("unavailable");
    }
    // One download (two attempts) shared by both acquires.
    expect(await requests()).toEqual({ GetObject: 2, HeadObject: 1 });
    expect((await server.stats()).faultsInjected).toBe(2);
    expect(await filesIn(folder)).toEqual([]);
    expect(cache.stats()).toMatchObject({ bytes: 0, files: 0, downloadedBytes: 0 });

    const lease = await cache.acquire("ws1", [key]);
    expect(await readFile(lease.files[0]!.path)).toEqual(contents.get(key));
    expect(await filesIn(folder)).toEqual([basename(lease.files[0]!.path)]);
    expect(await requests()).toEqual({ GetObject: 3, HeadObject: 1 });
    lease.release();
  });

  it("keeps its files across a restart: hits without GetObject, leftovers of interrupted downloads removed", async () => {
    const { store, keys } = await seeded(["a", "b"]);
    const first = await openCache(store);
    const lease = await first.cache.acquire("ws1", keys);
    lease.release();
    await first.cache.close();
    await expect(first.cache.acquire("ws1", keys)).rejects.toThrow(/closed/);

    const folder = dirname(lease.files[0]!.path);
    await writeFile(join(folder, ".tributary-tmp-0123456789abcdef"), "half a download");
    await server.resetStats();

    const { cache } = await openCache(store, { directory: first.directory });
    expect(cache.stats()).toEqual({ bytes: 200, files: 2, hits: 0, misses: 0, downloadedBytes: 0, evictions: 0 });
    expect(await filesIn(folder)).toEqual(lease.files.map((file) => basename(file.path)).sort());

    const again = await cache.acquire("ws1", keys);
    expect(again.files).toEqual(lease.files);
    // The ETag is confirmed once per key per process; the content is not fetched again.
    expect(await requests()).toEqual({ GetObject: 0, HeadObject: 2 });
    expect(cache.stats()).toMatchObject({ hits: 2, misses: 0 });
    again.release();
  });

  it("orders files by last use after a restart and evicts the least recent down to a smaller bound", async () => {
    const { store, keys } = await seeded(["a", "b", "c"]);
    const [a, b, c] = keys as [string, string, string];
    const first = await openCache(store);
    const lease = await first.cache.acquire("ws1", [a, b, c]);
    lease.release();
    await first.cache.close();
    const [pathA, pathB, pathC] = lease.files.map((file) => file.path) as [string, string, string];
    const at = (seconds: number): Date => new Date(Date.UTC(2020, 0, 1, 0, 0, seconds));
    await utimes(pathA, at(3), at(0));
    await utimes(pathB, at(1), at(0));
    await utimes(pathC, at(2), at(0));
    await server.resetStats();

    const { cache } = await openCache(store, { directory: first.directory, maxBytes: 200 });
    expect(await exists(pathB)).toBe(false);
    expect(await exists(pathA)).toBe(true);
    expect(await exists(pathC)).toBe(true);
    expect(cache.stats()).toMatchObject({ bytes: 200, files: 2, evictions: 1 });

    // A hit records the use in the access time and leaves the modification time (DuckDB's cache key) alone.
    const hit = await cache.acquire("ws1", [c]);
    const info = await stat(pathC);
    expect(info.mtime).toEqual(at(0));
    expect(info.atime.getTime()).toBeGreaterThan(at(3).getTime());
    hit.release();
    expect(await requests()).toEqual({ GetObject: 0, HeadObject: 1 });
  });

  it("keeps each workspace's files under its own directory", async () => {
    const { store, keys } = await seeded(["a"]);
    const key = keys[0]!;
    const { cache, directory } = await openCache(store);
    const root = await realpath(directory);

    expect(cache.workspaceDirectory("ws-a")).toBe(join(root, "ws-a") + sep);
    const leaseA = await cache.acquire("ws-a", [key]);
    const leaseB = await cache.acquire("ws_b", [key]);
    const pathA = leaseA.files[0]!.path;
    const pathB = leaseB.files[0]!.path;
    expect(pathA.startsWith(cache.workspaceDirectory("ws-a"))).toBe(true);
    expect(pathB.startsWith(cache.workspaceDirectory("ws_b"))).toBe(true);
    expect(pathA).not.toBe(pathB);
    expect(await filesIn(cache.workspaceDirectory("ws-a"))).toEqual([basename(pathA)]);
    expect(await filesIn(cache.workspaceDirectory("ws_b"))).toEqual([basename(pathB)]);
    expect((await filesIn(root)).sort()).toEqual(["ws-a", "ws_b"]);
    // Same object, one HEAD; but each workspace has its own copy.
    expect(await requests()).toEqual({ GetObject: 2, HeadObject: 1 });
    leaseA.release();
    leaseB.release();
  });

  it("rejects workspace ids that are not a plain path segment", async () => {
    const { store, keys } = await seeded(["a"]);
    const { cache, directory } = await openCache(store);
    for (const workspaceId of ["", ".", "..", "../escape", "a/b", ".hidden", "-dash", "a\\b", "x".repeat(129)]) {
      expect(() => cache.workspaceDirectory(workspaceId)).toThrow(/invalid workspace id/);
      await expect(cache.acquire(workspaceId, keys)).rejects.toThrow(/invalid workspace id/);
    }
    expect(await filesIn(directory)).toEqual([]);
    expect(await filesIn(dirname(directory))).not.toContain("escape");
    expect(await requests()).toEqual({ GetObject: 0, HeadObject: 0 });
  });
});

/**
 * A local-folder store that counts calls and can hold each download at a gate until the test opens it,
 * which makes concurrency observable without timing.
 */
class InstrumentedStore implements ObjectStore {
  readonly description: string;
  heads = 0;
  headsAnswered = 0;
  downloads = 0;
  active = 0;
  maxActive = 0;
  readonly started: Array<{ key: string; open: () => void }> = [];
  private readonly startListeners: Array<{ count: number; resolve: () => void }> = [];
  private readonly headListeners: Array<{ count: number; resolve: () => void }> = [];

  constructor(
    private readonly inner: ObjectStore,
    private readonly gated: boolean,
  ) {
    this.description = inner.description;
  }

  whenStarted(count: number): Promise<void> {
    return this.waitFor(this.startListeners, () => this.started.length, count);
  }

  whenHeadsAnswered(count: number): Promise<void> {
    return this.waitFor(this.headListeners, () => this.headsAnswered, count);
  }

  async getToFile(key: string, localPath: string, options: GetOptions = {}): Promise<DownloadResult | undefined> {
    this.downloads += 1;
    this.active += 1;
    this.maxActive = Math.max(this.maxActive, this.active);
    try {
      if (this.gated) {
        await new Promise<void>((resolve, reject) => {
          options.signal?.addEventListener("abort", () => reject(options.signal?.reason as Error), { once: true });
          this.started.push({ key, open: resolve });
          this.notify(this.startListeners, this.started.length);
        });
      }
      return await this.inner.getToFile(key, localPath, options);
    } finally {
      this.active -= 1;
    }
  }

  async head(key: string, options?: GetOptions): Promise<ObjectInfo | undefined> {
    this.heads += 1;
    try {
      return await this.inner.head(key, options);
    } finally {
      this.headsAnswered += 1;
      this.notify(this.headListeners, this.headsAnswered);
    }
  }

  putFile(key: string, localPath: string, options?: PutOptions): Promise<PutResult> {
    return this.inner.putFile(key, localPath, options);
  }

  putBytes(key: string, body: Uint8Array | string, options?: PutOptions): Promise<PutResult> {
    return this.inner.putBytes(key, body, options);
  }

  getBytes(key: string, options?: GetOptions): Promise<Uint8Array | undefined> {
    return this.inner.getBytes(key, options);
  }

  list(prefix: string, options?: GetOptions): AsyncIterable<ListedObject> {
    return this.inner.list(prefix, options);
  }

  deleteMany(keys: readonly string[], options?: GetOptions): Promise<void> {
    return this.inner.deleteMany(keys, options);
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  private waitFor(listeners: Array<{ count: number; resolve: () => void }>, current: () => number, count: number): Promise<void> {
    if (current() >= count) return Promise.resolve();
    return new Promise((resolve) => listeners.push({ count, resolve }));
  }

  private notify(listeners: Array<{ count: number; resolve: () => void }>, value: number): void {
    for (const listener of [...listeners]) {
      if (value < listener.count) continue;
      listeners.splice(listeners.indexOf(listener), 1);
      listener.resolve();
    }
  }
}

/** Lets every promise continuation run; no I/O is pending in the cache at the points this is used. */
function drainMicrotasks(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

describe("ParquetCache on a local folder store", () => {
  const localStore = async (gated: boolean): Promise<InstrumentedStore> => {
    const root = join(scratch, `objects-${++counter}`);
    await mkdir(root, { recursive: true });
    const store = new InstrumentedStore(new LocalFolderObjectStore({ root }), gated);
    stores.push(store);
    return store;
  };

  it("downloads on a miss and hits afterwards, named by the content's MD5", async () => {
    const store = await localStore(false);
    const contents = await putObjects(store, ["a", "b"]);
    const keys = [...contents.keys()];
    const { cache } = await openCache(store);

    const first = await cache.acquire("ws1", keys);
    for (const file of first.files) {
      expect(file.etag).toBe(md5(contents.get(file.key)!));
      expect(basename(file.path)).toContain(`-e${file.etag}.parquet`);
      expect(await readFile(file.path)).toEqual(contents.get(file.key));
    }
    first.release();
    const second = await cache.acquire("ws1", keys);
    expect(second.files).toEqual(first.files);
    expect({ heads: store.heads, downloads: store.downloads }).toEqual({ heads: 2, downloads: 2 });
    expect(cache.stats()).toMatchObject({ hits: 2, misses: 2, files: 2, bytes: 200 });
    second.release();
  });

  it("runs at most downloadConcurrency downloads at once", async () => {
    const store = await localStore(true);
    const keys = [...(await putObjects(store, ["a", "b", "c", "d", "e"])).keys()];
    const { cache } = await openCache(store, { downloadConcurrency: 2 });

    const pending = cache.acquire("ws1", keys);
    await store.whenHeadsAnswered(5);
    await store.whenStarted(2);
    await drainMicrotasks();
    expect(store.started).toHaveLength(2);
    for (let opened = 0; opened < keys.length; opened += 1) {
      await store.whenStarted(opened + 1);
      store.started[opened]!.open();
    }
    const lease = await pending;
    expect(lease.files.map((file) => file.key)).toEqual(keys);
    expect(store.maxActive).toBe(2);
    expect(store.downloads).toBe(5);
    lease.release();
  });

  it("lets one waiter give up without cancelling a download others wait for, and cancels it when all give up", async () => {
    const store = await localStore(true);
    const [a, b] = [...(await putObjects(store, ["a", "b"])).keys()] as [string, string];
    const { cache } = await openCache(store);
    const folder = cache.workspaceDirectory("ws1");

    const impatient = new AbortController();
    const leaving = cache.acquire("ws1", [a], { signal: impatient.signal });
    const staying = cache.acquire("ws1", [a]);
    await store.whenStarted(1);
    impatient.abort(new Error("query cancelled"));
    await expect(leaving).rejects.toThrow("query cancelled");
    store.started[0]!.open();
    const lease = await staying;
    expect(await exists(lease.files[0]!.path)).toBe(true);
    expect(store.downloads).toBe(1);
    lease.release();

    const alone = new AbortController();
    const abandoned = cache.acquire("ws1", [b], { signal: alone.signal });
    await store.whenStarted(2);
    alone.abort(new Error("gone"));
    await expect(abandoned).rejects.toThrow("gone");
    // A later acquire starts a fresh download rather than joining the cancelled one.
    const retry = cache.acquire("ws1", [b]);
    await store.whenStarted(3);
    store.started[2]!.open();
    const leaseB = await retry;
    expect(store.downloads).toBe(3);
    expect(await filesIn(folder)).toEqual([basename(lease.files[0]!.path), basename(leaseB.files[0]!.path)].sort());
    expect(cache.stats()).toMatchObject({ files: 2, bytes: 200, downloadedBytes: 200 });
    leaseB.release();
  });
});
