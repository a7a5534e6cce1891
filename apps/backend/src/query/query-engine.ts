import { join } from "node:path";
import type { Kysely } from "kysely";
import type { ObjectStore } from "@tributary/object-store";
import type { BackendConfig } from "../config.js";
import type { CoreSchema } from "../db/core-schema.js";
import { openMirrorStore } from "../storage/mirror-store.js";
import { MirrorDatasets, type MirrorDataset, type WorkspaceMirror } from "./mirror-datasets.js";
import { ParquetCache } from "./parquet-cache.js";
import { WorkspaceSandbox } from "./workspace-sandbox.js";

interface Log {
  warn(details: object, message: string): void;
  info(details: object, message: string): void;
}

/** Local files of some datasets, kept on disk until released. */
export interface LoadedFiles {
  files: Array<{ dataset: MirrorDataset; localFiles: string[] }>;
  release(): void;
}

/**
 * Where a workspace's Parquet files are read from. The local store is read in place; S3 objects go
 * through the ETag-keyed cache, fetched only when a query names their dataset.
 */
interface MirrorFiles {
  readableDirectory(workspaceId: string): string;
  load(workspaceId: string, datasets: MirrorDataset[], signal?: AbortSignal): Promise<LoadedFiles>;
  close(): Promise<void>;
}

class LocalMirrorFiles implements MirrorFiles {
  constructor(
    private readonly root: string,
    private readonly prefix: string,
  ) {}

  readableDirectory(workspaceId: string): string {
    return `${join(this.root, `${this.prefix}${workspaceId}`)}/`;
  }

  async load(_workspaceId: string, datasets: MirrorDataset[]): Promise<LoadedFiles> {
    return { files: datasets.map((dataset) => ({ dataset, localFiles: dataset.objectKeys.map((key) => join(this.root, key)) })), release: () => undefined };
  }

  async close(): Promise<void> {}
}

class CachedMirrorFiles implements MirrorFiles {
  constructor(private readonly cache: ParquetCache) {}

  readableDirectory(workspaceId: string): string {
    return this.cache.workspaceDirectory(workspaceId);
  }

  async load(workspaceId: string, datasets: MirrorDataset[], signal?: AbortSignal): Promise<LoadedFiles> {
    const keys = datasets.flatMap((dataset) => dataset.objectKeys);
    const lease = await this.cache.acquire(workspaceId, keys, signal ? { signal } : {});
    let next = 0;
    const files = datasets.map((dataset) => {
      const localFiles = lease.files.slice(next, next + dataset.objectKeys.length).map((file) => file.path);
      next += dataset.objectKeys.length;
      return { dataset, localFiles };
    });
    return { files, release: () => lease.release() };
  }

  close(): Promise<void> {
    return this.cache.close();
  }
}

interface OpenSandbox {
  sandbox: Promise<WorkspaceSandbox>;
  lastUsed: number;
}

/**
 * The query side of the backend: reads which datasets a workspace has, keeps one locked-down DuckDB per
 * recently used workspace (at most `maxOpenWorkspaces`; the least recently used idle one is closed
 * beyond), and provides the local files the views read.
 */
export class QueryEngine {
  readonly datasets: MirrorDatasets;
  private readonly sandboxes = new Map<string, OpenSandbox>();
  private clock = 0;

  private constructor(
    private readonly config: BackendConfig,
    private readonly store: ObjectStore,
    private readonly files: MirrorFiles,
    core: Kysely<CoreSchema>,
    private readonly log: Log,
  ) {
    this.datasets = new MirrorDatasets(core, store, config.bucketPrefix, log);
  }

  static async open(config: BackendConfig, core: Kysely<CoreSchema>, log: Log): Promise<QueryEngine> {
    const store = openMirrorStore(config.objectStorage);
    const files: MirrorFiles =
      config.objectStorage.kind === "local"
        ? new LocalMirrorFiles(config.objectStorage.directory, config.bucketPrefix)
        : new CachedMirrorFiles(await ParquetCache.open({ store, directory: config.query.cacheDirectory, maxBytes: config.query.cacheMaxBytes, log }));
    return new QueryEngine(config, store, files, core, log);
  }

  /** What the workspace's SQL can see now, with its sandbox brought up to date. */
  async prepare(workspaceId: string): Promise<{ mirror: WorkspaceMirror; sandbox: WorkspaceSandbox }> {
    const mirror = await this.datasets.load(workspaceId);
    for (;;) {
      const sandbox = await this.sandbox(workspaceId);
      try {
        await sandbox.sync(mirror);
        return { mirror, sandbox };
      } catch (error) {
        // Closed as least recently used between lookup and use: open it again.
        if (!sandbox.isClosed) throw error;
      }
    }
  }

  /** The datasets' files on local disk and their views pointed at them, until `release`. */
  async load(workspaceId: string, sandbox: WorkspaceSandbox, datasets: MirrorDataset[], signal?: AbortSignal): Promise<LoadedFiles> {
    const loaded = await this.files.load(workspaceId, datasets, signal);
    try {
      await sandbox.load(loaded.files);
      return loaded;
    } catch (error) {
      loaded.release();
      throw error;
    }
  }

  async close(): Promise<void> {
    const open = [...this.sandboxes.values()];
    this.sandboxes.clear();
    await Promise.all(open.map(async (entry) => (await entry.sandbox.catch(() => undefined))?.close()));
    await this.files.close();
    await this.store.close();
  }

  private sandbox(workspaceId: string): Promise<WorkspaceSandbox> {
    const existing = this.sandboxes.get(workspaceId);
    if (existing) {
      existing.lastUsed = ++this.clock;
      return existing.sandbox;
    }
    const query = this.config.query;
    const sandbox = WorkspaceSandbox.open({
      workspaceId,
      readableDirectories: [this.files.readableDirectory(workspaceId)],
      scratchDirectory: `${join(query.scratchDirectory, workspaceId)}/`,
      memoryLimitBytes: query.memoryLimitBytes,
      threads: query.threads,
      connections: query.concurrencyPerWorkspace,
    });
    const entry: OpenSandbox = { sandbox, lastUsed: ++this.clock };
    this.sandboxes.set(workspaceId, entry);
    sandbox.catch(() => this.sandboxes.get(workspaceId) === entry && this.sandboxes.delete(workspaceId));
    void this.closeLeastRecentlyUsed();
    return sandbox;
  }

  /** Beyond the limit, closes idle sandboxes, least recently used first; busy ones are kept. */
  private async closeLeastRecentlyUsed(): Promise<void> {
    const excess = this.sandboxes.size - this.config.query.maxOpenWorkspaces;
    if (excess <= 0) return;
    const candidates = [...this.sandboxes.entries()].sort((a, b) => a[1].lastUsed - b[1].lastUsed);
    let closed = 0;
    for (const [workspaceId, entry] of candidates) {
      if (closed >= excess) break;
      const sandbox = await entry.sandbox.catch(() => undefined);
      if (sandbox && (sandbox.active > 0 || sandbox.waiting > 0)) continue;
      if (this.sandboxes.get(workspaceId) !== entry) continue;
      this.sandboxes.delete(workspaceId);
      closed += 1;
      await sandbox?.close();
      this.log.info({ workspace_id: workspaceId }, "closed an idle workspace's query engine");
    }
  }
}
