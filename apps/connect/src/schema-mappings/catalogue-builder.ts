import { randomUUID } from "node:crypto";
import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { catalogueFormat, type Catalogue, type CatalogueTable, type MappingOverride } from "@tributary/contracts";
import { ConnectorError, type AnyConnector, type StreamDeclaration } from "@tributary/connectors";
import { quoteIdentifier, quoteLiteral, streamFolder, type StreamManifest } from "@tributary/mirror";
import type { ObjectStore } from "@tributary/object-store";
import { readManifest } from "../ingestion/manifest-store.js";
import { readCatalogue, writeCatalogue, type ConnectionLocation } from "./catalogue-store.js";
import { withDuckDb, type DuckDbSettings } from "../duckdb/duckdb-session.js";
import { buildEntityViews } from "./entity-views.js";
import { applyMappingOverrides, checkMappingOverrides } from "./mapping-overrides.js";
import type { EntityMapping } from "./mapping-types.js";
import { mappingsFor } from "./mappings/index.js";
import { materializeLatestRows, profileLatestRows } from "./stream-profile.js";

export interface CatalogueBuildInput {
  connector: AnyConnector;
  store: ObjectStore;
  location: ConnectionLocation;
  /** Streams whose tables are rebuilt from the data; undefined: every stream of the connector. */
  streams: StreamDeclaration[] | undefined;
  duckdb: DuckDbSettings;
  /** Local scratch space; the build works in a subfolder it removes at the end. */
  workDirectory: string;
  signal: AbortSignal;
  /** Default: the connector's own mapping file. */
  mappings?: readonly EntityMapping[];
  /** The workspace's edits of those mappings (disabled pairs, replaced expressions, added pairs). */
  mappingOverrides?: readonly MappingOverride[];
}

interface RebuiltTable {
  table: CatalogueTable;
  /** The latest rows on local disk, for the mapping checks; undefined for a stream without columns. */
  latestPath: string | undefined;
}

/**
 * Builds the catalogue of one connection: a profile of every mirrored stream (what a reader sees:
 * latest row per key, tombstones excluded) and the entity views of the connector's mappings, checked
 * against the data. Writes it to `_catalogue.json` next to the streams and returns it.
 *
 * Streams left out of `streams` keep the table the stored catalogue has for them (if they are still
 * mirrored), so rebuilding one stream never drops the others from the stored catalogue.
 */
export async function buildCatalogue(input: CatalogueBuildInput): Promise<Catalogue> {
  const { connector, store, location, signal } = input;
  checkMappingOverrides(input.mappingOverrides ?? []);
  const builtAt = new Date().toISOString();
  const rebuild = new Set((input.streams ?? connector.streams).map((stream) => stream.name));

  const manifests = new Map<string, StreamManifest>();
  for (const stream of connector.streams) {
    signal.throwIfAborted();
    const manifest = await readManifest(store, { ...location, stream: stream.name });
    if (!manifest) continue;
    if (manifest.connector !== connector.id) {
      throw new ConnectorError(
        "bad_request",
        `connector: connection ${location.workspaceId}/${location.connectionId} holds ${manifest.connector} data, not ${connector.id}`,
        { field: "connector" },
      );
    }
    manifests.set(stream.name, manifest);
  }
  const previous = rebuild.size < connector.streams.length ? await readCatalogue(store, location, signal) : undefined;
  const previousTables = new Map(previous?.connector === connector.id ? previous.tables.map((table) => [table.name, table]) : []);

  const directory = join(input.workDirectory, `catalogue-${randomUUID()}`);
  await mkdir(directory, { recursive: true });
  try {
    const tables: CatalogueTable[] = [];
    const latestPaths = new Map<string, string>();
    for (const stream of connector.streams) {
      const manifest = manifests.get(stream.name);
      if (!manifest) continue;
      if (rebuild.has(stream.name)) {
        const rebuilt = await rebuildTable(input, stream, manifest, join(directory, stream.name));
        tables.push(rebuilt.table);
        if (rebuilt.latestPath) latestPaths.set(stream.name, rebuilt.latestPath);
      } else {
        const carried = previousTables.get(stream.name);
        if (carried) tables.push(carried);
      }
    }

    // The mapping checks see each rebuilt stream's latest rows, and each carried-over stream's current
    // columns (from its manifest, no data): LIMIT 0 binds columns and types, which is all it checks.
    const mappings = applyMappingOverrides(input.mappings ?? mappingsFor(connector.id), input.mappingOverrides ?? []);
    const views = await withDuckDb(input.duckdb, async (connection) => {
      const available = new Set<string>();
      for (const table of tables) {
        const latestPath = latestPaths.get(table.name);
        const manifest = manifests.get(table.name)!;
        if (latestPath) {
          await connection.run(`CREATE VIEW ${quoteIdentifier(table.name)} AS SELECT * FROM read_parquet(${quoteLiteral(latestPath)})`);
        } else if (manifest.columns.length > 0) {
          const columns = manifest.columns.map((column) => `${quoteIdentifier(column.name)} ${column.type}`).join(", ");
          await connection.run(`CREATE TABLE ${quoteIdentifier(table.name)} (${columns})`);
        } else {
          continue;
        }
        available.add(table.name);
      }
      return buildEntityViews(connection, { connector: connector.id, mappings, availableStreams: available });
    });

    const catalogue: Catalogue = {
      format: catalogueFormat,
      connector: connector.id,
      workspace_id: location.workspaceId,
      connection_id: location.connectionId,
      built_at: builtAt,
      tables,
      entities: views.entities,
      mapping_errors: views.mapping_errors,
    };
    signal.throwIfAborted();
    await writeCatalogue(store, location, catalogue, signal);
    return catalogue;
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

/** Downloads the stream's live files, writes its latest rows to one local file and profiles it. */
async function rebuildTable(
  input: CatalogueBuildInput,
  stream: StreamDeclaration,
  manifest: StreamManifest,
  directory: string,
): Promise<RebuiltTable> {
  const folder = streamFolder({ ...input.location, stream: stream.name });
  const base = {
    name: stream.name,
    description: stream.description,
    primary_key: manifest.primary_key,
    cursor_field: manifest.cursor_field,
    sync_mode: manifest.sync_mode,
    files: manifest.files.length,
    bytes: manifest.files.reduce((sum, file) => sum + file.bytes, 0),
  };
  const freshness = { committed_at: manifest.committed_at, version: manifest.version };
  if (manifest.columns.length === 0) {
    // Committed without a single record so far: nothing to read.
    return {
      table: { ...base, row_count: 0, columns: [], freshness: { ...freshness, cursor_max: null }, profiled_at: new Date().toISOString() },
      latestPath: undefined,
    };
  }

  await mkdir(directory, { recursive: true });
  const localFiles: string[] = [];
  for (const [index, file] of manifest.files.entries()) {
    input.signal.throwIfAborted();
    const path = join(directory, `in-${index}.parquet`);
    const fetched = await input.store.getToFile(`${folder}${file.key}`, path, { signal: input.signal });
    if (!fetched) {
      throw new ConnectorError("storage_error", `The manifest of stream ${stream.name} references a missing file: ${folder}${file.key}`);
    }
    localFiles.push(path);
  }
  const latestPath = join(directory, "latest.parquet");
  const profile = await withDuckDb(input.duckdb, async (connection) => {
    await materializeLatestRows(connection, manifest, localFiles, latestPath);
    return profileLatestRows(connection, manifest, latestPath);
  });
  // The deduplicated file is all the mapping checks need.
  await Promise.all(localFiles.map((path) => rm(path, { force: true })));
  return {
    table: {
      ...base,
      row_count: profile.rowCount,
      columns: profile.columns,
      freshness: { ...freshness, cursor_max: profile.cursorMax },
      profiled_at: new Date().toISOString(),
    },
    latestPath,
  };
}
