import type { Kysely } from "kysely";
import { catalogueEntitySchema, type CatalogueEntity } from "@tributary/contracts";
import { streamFolder, streamManifestSchema, versionedManifestKey, type ManifestColumn, type StreamManifest } from "@tributary/mirror";
import type { ObjectStore } from "@tributary/object-store";
import type { CoreSchema } from "../db/core-schema.js";

/** One committed stream of a data source: what its view reads. */
export interface MirrorDataset {
  dataSourceId: string;
  /** The data source's schema in SQL: the view is `<sqlName>.<stream>`. */
  sqlName: string;
  stream: string;
  /** The committed manifest version; a new one means new files and a rebuilt view. */
  version: number;
  primaryKey: string[];
  columns: ManifestColumn[];
  /** The live files' object keys, relative to the store's root. */
  objectKeys: string[];
  rows: number;
}

/** A data source as SQL sees it: its schema name and its shared-entity views. */
export interface MirrorSource {
  dataSourceId: string;
  sqlName: string;
  connector: string;
  /** Entity views as the last catalogue sync built them (mapping edits applied); empty before one. */
  entities: CatalogueEntity[];
}

export interface WorkspaceMirror {
  workspaceId: string;
  sources: MirrorSource[];
  datasets: MirrorDataset[];
}

/** Versioned manifests never change once written: each is read once per process (bounded). */
const manifestMemoLimit = 2000;

/**
 * Reads what a workspace's SQL can see: its data sources and their committed snapshots (the backend's
 * durable record, `stream_snapshots`), each completed with its manifest's schema from storage. Read on
 * every query (two small indexed queries), so a query right after a sync sees the new snapshot.
 */
export class MirrorDatasets {
  private readonly manifests = new Map<string, Promise<StreamManifest | undefined>>();

  constructor(
    private readonly core: Kysely<CoreSchema>,
    private readonly store: ObjectStore,
    private readonly bucketPrefix: string,
    private readonly log: { warn(details: object, message: string): void },
  ) {}

  async load(workspaceId: string): Promise<WorkspaceMirror> {
    const [sourceRows, snapshotRows] = await Promise.all([
      this.core
        .selectFrom("data_sources")
        .leftJoin("catalogues", "catalogues.data_source_id", "data_sources.id")
        .select(["data_sources.id", "data_sources.sql_name", "data_sources.connector", "catalogues.entities"])
        .where("data_sources.workspace_id", "=", workspaceId)
        .orderBy("data_sources.sql_name")
        .execute(),
      this.core
        .selectFrom("stream_snapshots")
        .select(["data_source_id", "stream", "manifest_version", "records"])
        .where("workspace_id", "=", workspaceId)
        .orderBy("stream")
        .execute(),
    ]);
    const sources: MirrorSource[] = sourceRows.map((row) => ({
      dataSourceId: row.id,
      sqlName: row.sql_name,
      connector: row.connector,
      entities: (row.entities ?? []).flatMap((entity) => {
        const parsed = catalogueEntitySchema.safeParse(entity);
        return parsed.success ? [parsed.data] : [];
      }),
    }));
    const sqlNameOf = new Map(sources.map((source) => [source.dataSourceId, source.sqlName]));
    const datasets = await Promise.all(
      snapshotRows.map(async (snapshot): Promise<MirrorDataset | undefined> => {
        const sqlName = sqlNameOf.get(snapshot.data_source_id);
        if (sqlName === undefined) return undefined;
        const location = { prefix: this.bucketPrefix, workspaceId, connectionId: snapshot.data_source_id, stream: snapshot.stream };
        const manifest = await this.manifest(versionedManifestKey(location, snapshot.manifest_version));
        if (!manifest) return undefined;
        const folder = streamFolder(location);
        return {
          dataSourceId: snapshot.data_source_id,
          sqlName,
          stream: snapshot.stream,
          version: manifest.version,
          primaryKey: manifest.primary_key,
          columns: manifest.columns,
          objectKeys: manifest.files.map((file) => `${folder}${file.key}`),
          rows: manifest.files.reduce((total, file) => total + file.rows, 0),
        };
      }),
    );
    return { workspaceId, sources, datasets: datasets.filter((dataset): dataset is MirrorDataset => dataset !== undefined) };
  }

  private manifest(key: string): Promise<StreamManifest | undefined> {
    let pending = this.manifests.get(key);
    if (!pending) {
      pending = this.readManifest(key);
      this.manifests.set(key, pending);
      if (this.manifests.size > manifestMemoLimit) this.manifests.delete(this.manifests.keys().next().value!);
      // A failed read is not remembered: the next query tries again.
      pending.then((manifest) => manifest ?? this.manifests.delete(key)).catch(() => this.manifests.delete(key));
    }
    return pending;
  }

  private async readManifest(key: string): Promise<StreamManifest | undefined> {
    const bytes = await this.store.getBytes(key);
    if (!bytes) {
      this.log.warn({ key }, "a committed snapshot's manifest is missing from storage; its stream is left out of SQL");
      return undefined;
    }
    const parsed = streamManifestSchema.safeParse(JSON.parse(Buffer.from(bytes).toString("utf8")));
    if (!parsed.success) {
      this.log.warn({ key }, "a committed snapshot's manifest is not readable; its stream is left out of SQL");
      return undefined;
    }
    return parsed.data;
  }
}
