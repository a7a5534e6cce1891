import { mkdir, rm } from "node:fs/promises";
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import { quoteIdentifier, quoteLiteral } from "@tributary/mirror";
import pLimit, { type LimitFunction } from "p-limit";
import type { MirrorDataset, WorkspaceMirror } from "./mirror-datasets.js";
import { datasetViewSql, entitiesOf, entitiesSchema, placeholderViewSql, qualifiedName, sourceEntityViewSql, uniquenessProbeSql, workspaceEntityViewSql } from "./mirror-views.js";

export interface SandboxOptions {
  workspaceId: string;
  /** The only folders DuckDB may read: the workspace's own mirror files (local store or cache), with a trailing slash. */
  readableDirectories: string[];
  /** The workspace's scratch folder: DuckDB's spill files and Parquet exports. Emptied on open and close. */
  scratchDirectory: string;
  memoryLimitBytes: number;
  threads: number;
  /** Queries run at once in this workspace; more wait for a connection. */
  connections: number;
}

interface ViewState {
  dataset: MirrorDataset;
  /** The local files the view reads, once it reads them (a placeholder until then). */
  loadedFiles: string[] | undefined;
}

/** `github.issues` → the key of the view and of its dataset. */
export function datasetKey(sqlName: string, stream: string): string {
  return `${sqlName}.${stream}`;
}

/**
 * One workspace's DuckDB: an in-memory database holding nothing but views over that workspace's mirror,
 * locked down before any user SQL reaches it. External access is off, except the workspace's own
 * folders (`allowed_directories`), extensions can be neither installed nor loaded, and the configuration
 * is locked, so no statement can undo any of it. Views are (re)built only when a snapshot changes, and
 * a dataset's files are read (fetched by the caller) only once a query names it.
 */
export class WorkspaceSandbox {
  private readonly views = new Map<string, ViewState>();
  /** Per snapshot version: whether it holds one row per key and no deletions (a plain scan). */
  private readonly plainByVersion = new Map<string, boolean>();
  private entityFingerprint = "";
  /** `github.entity_people`…: the sources' entity views this sandbox created. */
  private readonly sourceEntityViews = new Set<string>();
  private readonly schemas = new Set<string>();
  /** Catalogue changes happen one at a time, on the admin connection. */
  private readonly catalogue = pLimit(1);
  private readonly idle: DuckDBConnection[] = [];
  private readonly slots: LimitFunction;
  private busy = 0;
  private closed = false;
  private version = 0;

  private constructor(
    readonly options: SandboxOptions,
    private readonly instance: DuckDBInstance,
    private readonly admin: DuckDBConnection,
  ) {
    this.slots = pLimit(options.connections);
  }

  static async open(options: SandboxOptions): Promise<WorkspaceSandbox> {
    await rm(options.scratchDirectory, { recursive: true, force: true });
    await mkdir(options.scratchDirectory, { recursive: true });
    const instance = await DuckDBInstance.create(":memory:", {
      memory_limit: `${Math.floor(options.memoryLimitBytes / (1024 * 1024))}MB`,
      threads: String(options.threads),
      temp_directory: `${options.scratchDirectory}spill`,
      autoinstall_known_extensions: "false",
      autoload_known_extensions: "false",
    });
    const admin = await instance.connect();
    try {
      const allowed = [...options.readableDirectories, options.scratchDirectory];
      await admin.run(`SET allowed_directories = [${allowed.map(quoteLiteral).join(", ")}]`);
      await admin.run("SET errors_as_json = true");
      // Parquet footers are read once per file, not at every bind: a query is bound twice (the guard
      // prepares it, then it runs), and the files behind a snapshot's views never change in place.
      await admin.run("SET parquet_metadata_cache = true");
      await admin.run("SET enable_external_access = false");
      await admin.run("SET lock_configuration = true");
      await admin.run(`CREATE SCHEMA ${quoteIdentifier(entitiesSchema)}`);
    } catch (error) {
      admin.closeSync();
      instance.closeSync();
      throw error;
    }
    return new WorkspaceSandbox(options, instance, admin);
  }

  /** Queries waiting for a connection of this workspace. */
  get waiting(): number {
    return this.slots.pendingCount;
  }

  /**
   * One of the workspace's connections, waiting for one when all are busy. The caller holds it until it
   * calls `release` (a streamed result keeps it for as long as the client reads).
   */
  async acquire(signal?: AbortSignal): Promise<{ connection: DuckDBConnection; release: () => void }> {
    const releaseSlot = await new Promise<() => void>((resolve) => {
      void this.slots(() => new Promise<void>((release) => resolve(release)));
    });
    if (this.closed || signal?.aborted) {
      releaseSlot();
      throw signal?.reason instanceof Error ? signal.reason : new Error("the workspace's query engine was closed");
    }
    this.busy += 1;
    let connection: DuckDBConnection;
    try {
      connection = this.idle.pop() ?? (await this.instance.connect());
    } catch (error) {
      this.busy -= 1;
      releaseSlot();
      throw error;
    }
    let released = false;
    return {
      connection,
      release: () => {
        if (released) return;
        released = true;
        this.busy -= 1;
        if (this.closed) connection.closeSync();
        else this.idle.push(connection);
        releaseSlot();
      },
    };
  }

  /**
   * Changes whenever a view is replaced. A statement prepared at one version reads the views as they were
   * then (DuckDB does not rebind it when a view changes): reuse it only at the same version.
   */
  get catalogueVersion(): number {
    return this.version;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Queries holding a connection now. */
  get active(): number {
    return this.busy;
  }

  /**
   * Brings the views in line with the workspace's committed snapshots: a new version or a renamed data
   * source replaces the view with a placeholder (its files are loaded when a query names it); removed
   * datasets and sources disappear. Entity views are rebuilt when the set of sources or their catalogue
   * entities change. Cheap when nothing changed.
   */
  sync(mirror: WorkspaceMirror): Promise<void> {
    return this.catalogue(async () => {
      const wanted = new Map(mirror.datasets.map((dataset) => [datasetKey(dataset.sqlName, dataset.stream), dataset]));
      for (const [key, state] of this.views) {
        if (!wanted.has(key)) {
          await this.admin.run(`DROP VIEW IF EXISTS ${qualifiedName(state.dataset.sqlName, state.dataset.stream)}`);
          this.views.delete(key);
          this.version += 1;
        }
      }
      for (const source of mirror.sources) await this.ensureSchema(source.sqlName);
      for (const [key, dataset] of wanted) {
        const current = this.views.get(key);
        if (current && current.dataset.version === dataset.version && current.dataset.dataSourceId === dataset.dataSourceId) continue;
        await this.admin.run(`CREATE OR REPLACE VIEW ${qualifiedName(dataset.sqlName, dataset.stream)} AS ${placeholderViewSql(dataset)}`);
        this.views.set(key, { dataset, loadedFiles: undefined });
        this.version += 1;
      }
      await this.syncEntities(mirror);
      const liveSchemas = new Set(mirror.sources.map((source) => source.sqlName));
      for (const schema of this.schemas) {
        if (!liveSchemas.has(schema)) {
          await this.admin.run(`DROP SCHEMA IF EXISTS ${quoteIdentifier(schema)} CASCADE`);
          this.schemas.delete(schema);
        }
      }
    });
  }

  /**
   * Points the named datasets' views at their local files (the caller keeps the files there while its
   * query runs). The first time a snapshot version is loaded, its keys are counted to decide between a
   * plain scan and latest-version-wins. Each replaced view moves `catalogueVersion`.
   */
  load(files: Array<{ dataset: MirrorDataset; localFiles: string[] }>): Promise<void> {
    return this.catalogue(async () => {
      for (const { dataset, localFiles } of files) {
        const key = datasetKey(dataset.sqlName, dataset.stream);
        const state = this.views.get(key);
        if (!state || state.dataset.version !== dataset.version) continue;
        if (state.loadedFiles && sameFiles(state.loadedFiles, localFiles)) continue;
        const plain = await this.isPlain(dataset, localFiles);
        await this.admin.run(`CREATE OR REPLACE VIEW ${qualifiedName(dataset.sqlName, dataset.stream)} AS ${datasetViewSql(dataset, localFiles, plain)}`);
        state.loadedFiles = localFiles;
        this.version += 1;
      }
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Busy connections are closed by their tasks as they finish; interrupting them ends those quickly.
    for (const connection of this.idle.splice(0)) connection.closeSync();
    await this.catalogue(async () => {
      this.admin.closeSync();
    });
    this.instance.closeSync();
    await rm(this.options.scratchDirectory, { recursive: true, force: true });
  }

  private async isPlain(dataset: MirrorDataset, localFiles: string[]): Promise<boolean> {
    if (localFiles.length === 0 || dataset.primaryKey.length === 0) return localFiles.length === 0;
    const versionKey = `${dataset.dataSourceId}/${dataset.stream}/${dataset.version}`;
    const known = this.plainByVersion.get(versionKey);
    if (known !== undefined) return known;
    const reader = await this.admin.runAndReadAll(uniquenessProbeSql(dataset, localFiles));
    const [rowCount, keyCount, deletedCount] = reader.getRows()[0]!.map((value) => Number(value));
    const plain = rowCount === keyCount && deletedCount === 0;
    this.plainByVersion.set(versionKey, plain);
    return plain;
  }

  private async ensureSchema(schema: string): Promise<void> {
    if (this.schemas.has(schema)) return;
    await this.admin.run(`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(schema)}`);
    this.schemas.add(schema);
  }

  private async syncEntities(mirror: WorkspaceMirror): Promise<void> {
    const mirrored = new Set(mirror.datasets.map((dataset) => datasetKey(dataset.sqlName, dataset.stream)));
    // An entity view reads its streams' views: one whose stream has no committed snapshot cannot bind.
    const usable = mirror.sources.map((source) => ({
      source,
      entities: entitiesOf(source).filter((entity) => entity.streams.every((stream) => mirrored.has(datasetKey(source.sqlName, stream)))),
    }));
    const fingerprint = JSON.stringify(usable.map(({ source, entities }) => [source.sqlName, entities.map((entity) => [entity.view_name, entity.select_sql])]));
    if (fingerprint === this.entityFingerprint) return;
    const byEntity = new Map<string, { entity: (typeof usable)[number]["entities"][number]; sources: Array<{ sqlName: string; viewName: string }> }>();
    const wantedSourceViews = new Set(usable.flatMap(({ source, entities }) => entities.map((entity) => qualifiedName(source.sqlName, entity.view_name))));
    for (const view of this.sourceEntityViews) {
      if (!wantedSourceViews.has(view)) await this.admin.run(`DROP VIEW IF EXISTS ${view}`);
    }
    this.sourceEntityViews.clear();
    for (const { source, entities } of usable) {
      for (const entity of entities) {
        await this.admin.run(`CREATE OR REPLACE VIEW ${qualifiedName(source.sqlName, entity.view_name)} AS ${sourceEntityViewSql(entity)}`);
        this.sourceEntityViews.add(qualifiedName(source.sqlName, entity.view_name));
        const entry = byEntity.get(entity.name) ?? { entity, sources: [] };
        entry.sources.push({ sqlName: source.sqlName, viewName: entity.view_name });
        byEntity.set(entity.name, entry);
      }
    }
    const existing = await this.admin.runAndReadAll(`SELECT view_name FROM duckdb_views() WHERE schema_name = ${quoteLiteral(entitiesSchema)}`);
    for (const [name] of existing.getRows()) {
      if (!byEntity.has(String(name))) await this.admin.run(`DROP VIEW ${qualifiedName(entitiesSchema, String(name))}`);
    }
    for (const [name, { entity, sources }] of byEntity) {
      await this.admin.run(`CREATE OR REPLACE VIEW ${qualifiedName(entitiesSchema, name)} AS ${workspaceEntityViewSql(entity, sources)}`);
    }
    this.entityFingerprint = fingerprint;
    this.version += 1;
  }
}

function sameFiles(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((file, index) => file === b[index]);
}
