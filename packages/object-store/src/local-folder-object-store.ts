import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { lstat, open, opendir, readFile, rmdir, stat, unlink } from "node:fs/promises";
import type { FileHandle } from "node:fs/promises";
import type { Stats } from "node:fs";
import { dirname, join, resolve, sep } from "node:path";
import { pathToFileURL } from "node:url";
import { syncFolder, writeFileAtomically } from "./atomic-file.js";
import { assertValidKey, assertValidPrefix, compareKeys, reservedNamePrefix } from "./object-keys.js";
import { ObjectStoreError, type ObjectStoreOperation } from "./object-store-error.js";
import type {
  DownloadResult,
  GetOptions,
  ListedObject,
  ObjectInfo,
  ObjectStore,
  PutOptions,
  PutResult,
} from "./object-store.js";

export interface LocalFolderObjectStoreOptions {
  /** Folder holding the objects; created on first write. */
  root: string;
  /** Plain string prepended to every key, as for S3 ("tenant-a/"). */
  prefix?: string;
}

/** How many objects' MD5s a store remembers, so `head` and `list` do not re-read unchanged files. */
const etagCacheSize = 50_000;

/**
 * The embedded default: each object is a file under `root` at the path its key names. Writes are atomic
 * (temporary file in the same folder, fsync, rename), so a crash never leaves a half-written object
 * visible under its key. The ETag is the MD5 hex of the content, as S3 computes it for single-part
 * uploads; it is computed while writing, and for `head`/`list` read once per file identity (device,
 * inode, size, mtime) and remembered, since objects are only ever replaced by a rename, never modified.
 */
export class LocalFolderObjectStore implements ObjectStore {
  readonly description: string;
  private readonly root: string;
  private readonly prefix: string;
  private readonly etags = new Map<string, string>();

  constructor(options: LocalFolderObjectStoreOptions) {
    this.root = resolve(options.root);
    this.prefix = options.prefix ?? "";
    this.description = `${pathToFileURL(this.root).href}${this.prefix ? `/${this.prefix}` : ""}`;
    assertValidPrefix(this.prefix, "list", this.description);
  }

  async putFile(key: string, localPath: string, options: PutOptions = {}): Promise<PutResult> {
    const target = this.pathOf(key, "putFile");
    try {
      await this.assertReadableFile(localPath, "putFile", key);
      // 1 MiB reads: few syscalls, bounded memory whatever the file size.
      const written = await this.writeObject(target, createReadStream(localPath, { highWaterMark: 1 << 20 }), options.signal);
      return { key, size: written.size, etag: written.md5 };
    } catch (error) {
      throw this.failure(error, "putFile", key, options.signal);
    }
  }

  async putBytes(key: string, body: Uint8Array | string, options: PutOptions = {}): Promise<PutResult> {
    const target = this.pathOf(key, "putBytes");
    const bytes = typeof body === "string" ? Buffer.from(body, "utf8") : body;
    try {
      const written = await this.writeObject(target, bytes, options.signal);
      return { key, size: written.size, etag: written.md5 };
    } catch (error) {
      throw this.failure(error, "putBytes", key, options.signal);
    }
  }

  async getBytes(key: string, options: GetOptions = {}): Promise<Uint8Array | undefined> {
    const path = this.pathOf(key, "getBytes");
    try {
      const content = await readFile(path, { signal: options.signal });
      return new Uint8Array(content.buffer, content.byteOffset, content.byteLength);
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw this.failure(error, "getBytes", key, options.signal);
    }
  }

  async getToFile(key: string, localPath: string, options: GetOptions = {}): Promise<DownloadResult | undefined> {
    const path = this.pathOf(key, "getToFile");
    let handle: FileHandle;
    try {
      // Opening first pins the current version: a concurrent overwrite renames a new file into place
      // and the copy still reads the old one from start to end.
      handle = await open(path, "r");
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw this.failure(error, "getToFile", key, options.signal);
    }
    try {
      if (!(await handle.stat()).isFile()) return undefined;
      const source = handle.createReadStream({ highWaterMark: 1 << 20, autoClose: false });
      const written = await writeFileAtomically(localPath, source, options.signal);
      return { size: written.size, etag: written.md5 };
    } catch (error) {
      throw this.failure(error, "getToFile", key, options.signal);
    } finally {
      await handle.close().catch(() => undefined);
    }
  }

  async head(key: string, options: GetOptions = {}): Promise<ObjectInfo | undefined> {
    const path = this.pathOf(key, "head");
    try {
      const info = await stat(path);
      if (!info.isFile()) return undefined;
      return { size: info.size, etag: await this.etagOf(path, info), lastModified: info.mtime };
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw this.failure(error, "head", key, options.signal);
    }
  }

  async *list(prefix: string, options: GetOptions = {}): AsyncIterable<ListedObject> {
    assertValidPrefix(prefix, "list", this.description);
    const fullPrefix = this.prefix + prefix;
    // Start at the deepest folder the prefix names completely; the rest filters that folder's entries.
    const slash = fullPrefix.lastIndexOf("/");
    const folderPart = slash === -1 ? "" : fullPrefix.slice(0, slash + 1);
    const namePrefix = fullPrefix.slice(slash + 1);
    try {
      for await (const entry of this.walk(folderPart, namePrefix, options.signal)) {
        yield { ...entry, key: entry.key.slice(this.prefix.length) };
      }
    } catch (error) {
      throw this.failure(error, "list", prefix, options.signal);
    }
  }

  async deleteMany(keys: readonly string[], options: GetOptions = {}): Promise<void> {
    const paths = keys.map((key) => ({ key, path: this.pathOf(key, "deleteMany") }));
    const touchedFolders = new Set<string>();
    for (const { key, path } of paths) {
      options.signal?.throwIfAborted();
      try {
        await unlink(path);
        touchedFolders.add(dirname(path));
      } catch (error) {
        if (isMissing(error)) continue;
        throw this.failure(error, "deleteMany", key, options.signal);
      }
    }
    for (const folder of touchedFolders) {
      await syncFolder(folder);
      await this.pruneEmptyFolders(folder);
    }
  }

  async close(): Promise<void> {
    // Nothing held open between calls.
  }

  /** Validates the key and maps it to a path that is guaranteed to lie under the root. */
  private pathOf(key: string, operation: ObjectStoreOperation): string {
    assertValidKey(key, operation, this.description);
    assertValidKey(this.prefix + key, operation, this.description);
    const path = join(this.root, ...(this.prefix + key).split("/"));
    // Belt and braces: the key rules already exclude every way out of the root.
    if (!path.startsWith(this.root + sep)) {
      throw new ObjectStoreError("invalid_key", operation, key, `${operation} on ${this.description}: key ${JSON.stringify(key)} escapes the root`);
    }
    return path;
  }

  private async writeObject(
    target: string,
    source: Uint8Array | AsyncIterable<Uint8Array>,
    signal: AbortSignal | undefined,
  ): Promise<{ size: number; md5: string }> {
    const written = await writeFileAtomically(target, source, signal);
    this.remember(identity(written.stats), written.md5);
    return written;
  }

  private async assertReadableFile(localPath: string, operation: ObjectStoreOperation, key: string): Promise<void> {
    const info = await stat(localPath).catch((error: unknown) => {
      throw new ObjectStoreError("io", operation, key, `${operation} ${JSON.stringify(key)} on ${this.description}: cannot read ${localPath}: ${systemCode(error) ?? "error"}`, { serverCode: systemCode(error) }, { cause: error });
    });
    if (!info.isFile()) {
      throw new ObjectStoreError("io", operation, key, `${operation} ${JSON.stringify(key)} on ${this.description}: ${localPath} is not a file`);
    }
  }

  private async etagOf(path: string, info: Stats): Promise<string> {
    const id = identity(info);
    const known = this.etags.get(id);
    if (known !== undefined) return known;
    const hash = createHash("md5");
    for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
    const etag = hash.digest("hex");
    this.remember(id, etag);
    return etag;
  }

  private remember(id: string, etag: string): void {
    if (this.etags.size >= etagCacheSize) {
      // Oldest first: Maps iterate in insertion order.
      const oldest = this.etags.keys().next();
      if (!oldest.done) this.etags.delete(oldest.value);
    }
    this.etags.set(id, etag);
  }

  /**
   * Yields the files under `folderKey` (a key prefix ending in "/" or empty) whose first-level names
   * start with `namePrefix`, in S3 order. A folder "a" sorts as "a/", which is where its keys fall among
   * its siblings' keys ("a-b" < "a/x" because '-' < '/'), so sorting each level that way and recursing
   * yields globally sorted keys while holding only one listing per level in memory.
   */
  private async *walk(folderKey: string, namePrefix: string, signal: AbortSignal | undefined): AsyncGenerator<ListedObject> {
    signal?.throwIfAborted();
    const folder = join(this.root, ...folderKey.split("/").filter(Boolean));
    const entries: { name: string; sortKey: string; isFolder: boolean }[] = [];
    try {
      const handle = await opendir(folder);
      for await (const entry of handle) {
        if (!entry.name.startsWith(namePrefix) || entry.name.startsWith(reservedNamePrefix)) continue;
        // Symlinks and special files are not objects; following links could leave the root.
        if (entry.isDirectory()) entries.push({ name: entry.name, sortKey: `${entry.name}/`, isFolder: true });
        else if (entry.isFile()) entries.push({ name: entry.name, sortKey: entry.name, isFolder: false });
      }
    } catch (error) {
      // A folder that does not exist (yet, or any more) simply holds no objects.
      if (isMissing(error)) return;
      throw error;
    }
    entries.sort((a, b) => compareKeys(a.sortKey, b.sortKey));
    for (const entry of entries) {
      const key = `${folderKey}${entry.name}`;
      if (entry.isFolder) {
        yield* this.walk(`${key}/`, "", signal);
        continue;
      }
      const path = join(folder, entry.name);
      const info = await lstat(path).catch((error: unknown) => {
        if (isMissing(error)) return undefined; // deleted since the folder was read
        throw error;
      });
      if (!info?.isFile()) continue;
      const etag = await this.etagOf(path, info).catch((error: unknown) => {
        if (isMissing(error)) return undefined;
        throw error;
      });
      if (etag === undefined) continue;
      yield { key, size: info.size, etag, lastModified: info.mtime };
    }
  }

  /** Removes folders left empty by deletions, up to (not including) the root, like S3 has no folders. */
  private async pruneEmptyFolders(folder: string): Promise<void> {
    let current = folder;
    while (current.startsWith(this.root + sep)) {
      try {
        await rmdir(current);
      } catch {
        return; // not empty (or already gone, or in use): stop climbing
      }
      current = dirname(current);
    }
  }

  private failure(error: unknown, operation: ObjectStoreOperation, key: string, signal: AbortSignal | undefined): ObjectStoreError {
    if (error instanceof ObjectStoreError) return error;
    const where = `${operation} ${JSON.stringify(key)} on ${this.description}`;
    if (signal?.aborted || (error instanceof Error && error.name === "AbortError")) {
      return new ObjectStoreError("cancelled", operation, key, `${where} was cancelled`);
    }
    const code = systemCode(error);
    if (code === "ENOTDIR" || code === "EISDIR" || code === "EEXIST") {
      return new ObjectStoreError("conflict", operation, key, `${where}: a local file and folder collide on this key (${code}); a key cannot be both an object and a prefix of other keys in the local store`, { serverCode: code }, { cause: error });
    }
    return new ObjectStoreError("io", operation, key, `${where}: ${error instanceof Error ? error.message : String(error)}`, code ? { serverCode: code } : {}, { cause: error });
  }
}

function identity(info: Stats): string {
  // Not ctime: the rename that publishes an object changes it, and the identity is taken before.
  return `${info.dev}:${info.ino}:${info.size}:${info.mtimeMs}`;
}

function isMissing(error: unknown): boolean {
  const code = systemCode(error);
  // ENOTDIR: a path component is a file, so nothing can exist below it; EISDIR: the key names a folder.
  return code === "ENOENT" || code === "ENOTDIR" || code === "EISDIR";
}

function systemCode(error: unknown): string | undefined {
  return typeof error === "object" && error !== null && "code" in error && typeof error.code === "string" ? error.code : undefined;
}
