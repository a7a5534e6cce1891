/**
 * File operations for files that hold secrets: read a regular file without following a symlink, write
 * atomically (temp file in the same directory, fsync, rename) with mode 600, tighten a file's mode.
 * A symlink, a directory or any other non-regular file in the way is an error: it is never followed,
 * replaced or removed.
 */
import { randomBytes } from "node:crypto";
import { constants, promises as fs } from "node:fs";
import { basename, dirname, join } from "node:path";
import { CliError } from "./errors.js";

export const SECRET_FILE_MODE = 0o600;
export const SECRET_DIR_MODE = 0o700;

export interface RegularFile {
  bytes: Uint8Array;
  /** Permission bits (e.g. 0o644). */
  mode: number;
}

function describe(stat: { isSymbolicLink(): boolean; isDirectory(): boolean }): string {
  if (stat.isSymbolicLink()) return "a symbolic link";
  if (stat.isDirectory()) return "a directory";
  return "not a regular file";
}

function fsError(error: unknown, path: string, doing: string): CliError {
  const code = (error as NodeJS.ErrnoException).code;
  const reason = code === "EACCES" || code === "EPERM" ? "permission denied" : code ?? (error as Error).message;
  return new CliError("file_error", `Cannot ${doing} ${path}: ${reason}`);
}

/** Refuses anything but a regular file (or nothing) at `path`; returns whether a file is there. */
export async function assertRegularOrAbsent(path: string): Promise<boolean> {
  let stat;
  try {
    stat = await fs.lstat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw fsError(error, path, "inspect");
  }
  if (!stat.isFile()) throw new CliError("not_a_regular_file", `${path} is ${describe(stat)}; refusing to read or replace it`);
  return true;
}

/** The file's bytes and mode, or null when it does not exist. Never follows a symlink. */
export async function readRegularFile(path: string): Promise<RegularFile | null> {
  if (!(await assertRegularOrAbsent(path))) return null;
  let handle;
  try {
    // O_NOFOLLOW: a symlink swapped in after the lstat fails here instead of being read through.
    // O_NONBLOCK: a FIFO swapped in does not hang the open.
    handle = await fs.open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return null;
    if (code === "ELOOP") throw new CliError("not_a_regular_file", `${path} is a symbolic link; refusing to read or replace it`);
    throw fsError(error, path, "read");
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new CliError("not_a_regular_file", `${path} is not a regular file; refusing to read or replace it`);
    const bytes = new Uint8Array(await handle.readFile());
    return { bytes, mode: stat.mode & 0o777 };
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw fsError(error, path, "read");
  } finally {
    await handle.close();
  }
}

/** Sets mode 600 on an existing regular file, through a handle opened without following symlinks. */
export async function tightenMode(path: string): Promise<void> {
  let handle;
  try {
    handle = await fs.open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    await handle.chmod(SECRET_FILE_MODE);
  } catch (error) {
    throw fsError(error, path, "change the mode of");
  } finally {
    await handle?.close();
  }
}

/** Temp files sit next to their target, hidden, recognisably ours; the name alone does not collide. */
export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.tributary-${process.pid}-${randomBytes(6).toString("hex")}.tmp`);
}

export interface AtomicWriteOptions {
  /** Called after the temp file is durable and before the rename: a last chance to abort. */
  beforeRename?: () => Promise<void>;
}

/**
 * Replaces (or creates) `path` with `bytes`, mode 600: the content goes to a temp file in the same
 * directory (created exclusively, mode 600), is fsynced, then renamed over `path`, and the directory is
 * fsynced. A reader sees the old file or the new one, never a mix; on any error the temp file is removed
 * and `path` is as it was. The rename replaces a directory entry and so never writes through a symlink;
 * callers still refuse one beforehand ({@link assertRegularOrAbsent}) so that it is not silently replaced.
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array, options: AtomicWriteOptions = {}): Promise<void> {
  const temp = tempPathFor(path);
  let created = false;
  try {
    const handle = await fs.open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, SECRET_FILE_MODE);
    created = true;
    try {
      await handle.writeFile(bytes);
      // The umask cannot loosen 600, but a mode set at creation is still subject to it: make it exact.
      await handle.chmod(SECRET_FILE_MODE);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await options.beforeRename?.();
    await fs.rename(temp, path);
    created = false;
  } catch (error) {
    if (created) await fs.rm(temp, { force: true });
    if (error instanceof CliError) throw error;
    throw fsError(error, path, "write");
  }
  await syncDirectory(dirname(path));
}

async function syncDirectory(path: string): Promise<void> {
  let handle;
  try {
    handle = await fs.open(path, constants.O_RDONLY);
    await handle.sync();
  } catch {
    // Durability of the rename is best effort: some file systems refuse fsync on a directory.
  } finally {
    await handle?.close();
  }
}

/** Removes a regular file; refuses anything else. Absent is fine. */
export async function removeRegularFile(path: string): Promise<void> {
  if (!(await assertRegularOrAbsent(path))) return;
  try {
    await fs.unlink(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    throw fsError(error, path, "remove");
  }
}

/**
 * Makes sure `path` is a directory, creating it with mode 700 when absent (its parent must exist). An
 * existing directory is kept as it is; a symlink or a file in its place is refused.
 */
export async function ensureDirectory(path: string): Promise<void> {
  try {
    const stat = await fs.lstat(path);
    if (stat.isDirectory()) return;
    throw new CliError("not_a_directory", `${path} is ${describe(stat)}; refusing to write into it`);
  } catch (error) {
    if (error instanceof CliError) throw error;
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw fsError(error, path, "inspect");
  }
  try {
    await fs.mkdir(path, { mode: SECRET_DIR_MODE });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw fsError(error, path, "create");
    // Created by someone else meanwhile: check what it is.
    const stat = await fs.lstat(path);
    if (!stat.isDirectory()) throw new CliError("not_a_directory", `${path} is ${describe(stat)}; refusing to write into it`);
  }
}
