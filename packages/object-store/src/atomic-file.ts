import { createHash, randomBytes } from "node:crypto";
import { mkdir, open, rename, rm } from "node:fs/promises";
import type { Stats } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import { dirname, join } from "node:path";
import { reservedNamePrefix } from "./object-keys.js";

export interface WrittenFile {
  size: number;
  /** MD5 hex of what was written, computed on the way (no second read). */
  md5: string;
  /** The file's status taken before the rename (which keeps inode and mtime), for identity checks. */
  stats: Stats;
}

/** Name of a temporary file in `folder`; the reserved prefix keeps it out of listings and key space. */
export function temporaryPathIn(folder: string): string {
  return join(folder, `${reservedNamePrefix}tmp-${randomBytes(8).toString("hex")}`);
}

/**
 * Writes `source` to `target` so that `target` is either absent/old or complete and durable, never
 * partial: the bytes go to a temporary file in the same folder (same file system, so the rename is
 * atomic), which is fsynced, renamed over `target`, and the folder fsynced so the rename survives a
 * crash. On any failure the temporary file is removed and `target` is untouched.
 */
export async function writeFileAtomically(
  target: string,
  source: Uint8Array | AsyncIterable<Uint8Array | string>,
  signal?: AbortSignal,
): Promise<WrittenFile> {
  const folder = dirname(target);
  const temporary = temporaryPathIn(folder);
  const hash = createHash("md5");
  let size = 0;
  let stats: Stats;
  let handle: FileHandle | undefined;
  try {
    signal?.throwIfAborted();
    handle = await createInFolder(folder, temporary);
    if (source instanceof Uint8Array) {
      hash.update(source);
      size = source.byteLength;
      await handle.writeFile(source);
    } else {
      for await (const piece of source) {
        signal?.throwIfAborted();
        const chunk = typeof piece === "string" ? Buffer.from(piece, "utf8") : piece;
        hash.update(chunk);
        size += chunk.byteLength;
        await writeAll(handle, chunk);
      }
    }
    signal?.throwIfAborted();
    await handle.sync();
    stats = await handle.stat();
    await handle.close();
    handle = undefined;
    await rename(temporary, target);
  } catch (error) {
    // A stream that was not read to the end would keep its file descriptor open.
    (source as { destroy?: () => void }).destroy?.();
    await handle?.close().catch(() => undefined);
    await rm(temporary, { force: true }).catch(() => undefined);
    throw error;
  }
  await syncFolder(folder);
  return { size, md5: hash.digest("hex"), stats };
}

/**
 * Creates `path` exclusively ("wx": never write through someone else's file), creating its folder first.
 * A concurrent delete may prune the folder between the two steps, so ENOENT means "create it again".
 */
async function createInFolder(folder: string, path: string): Promise<FileHandle> {
  for (let attempt = 1; ; attempt += 1) {
    await mkdir(folder, { recursive: true });
    try {
      return await open(path, "wx", 0o644);
    } catch (error) {
      const missing = typeof error === "object" && error !== null && "code" in error && error.code === "ENOENT";
      if (!missing || attempt >= 5) throw error;
    }
  }
}

async function writeAll(handle: FileHandle, chunk: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < chunk.byteLength) {
    const { bytesWritten } = await handle.write(chunk, offset, chunk.byteLength - offset);
    offset += bytesWritten;
  }
}

/** Makes a rename or unlink in `folder` durable. Some platforms cannot fsync a folder; that is not fatal. */
export async function syncFolder(folder: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(folder, "r");
    await handle.sync();
  } catch {
    // EISDIR/EPERM/EINVAL on platforms without directory fsync: the rename itself is still atomic.
  } finally {
    await handle?.close().catch(() => undefined);
  }
}
