import { latestRowsSql, metadataColumns, quoteIdentifier, quoteLiteral, type ManifestColumn } from "@tributary/mirror";
import type { CatalogueEntity } from "@tributary/contracts";
import type { MirrorDataset, MirrorSource } from "./mirror-datasets.js";

/** The schema of the workspace-wide shared-entity views: `entities.people` spans every data source. */
export const entitiesSchema = "entities";

export function qualifiedName(schema: string, name: string): string {
  return `${quoteIdentifier(schema)}.${quoteIdentifier(name)}`;
}

/**
 * A dataset's view before its files are on local disk: the right columns and types (so DESCRIBE,
 * information_schema and the entity views bind), but reading it fails loudly. A query is always
 * prepared for the datasets it names before it runs, so this only fires if that preparation missed
 * one: an error beats a silently empty answer.
 */
export function placeholderViewSql(dataset: MirrorDataset): string {
  const message = `${dataset.sqlName}.${dataset.stream} was not loaded for this query; run it again`;
  return `SELECT ${typedNulls(dataset.columns)} FROM (SELECT 1) WHERE error(${quoteLiteral(message)})`;
}

/**
 * A dataset's view over its local files. `plain` when the snapshot holds exactly one row per primary
 * key and no deletion markers (a full refresh or a compacted stream): then it is a straight scan.
 * Otherwise the latest version of each key wins and deleted keys are dropped.
 */
export function datasetViewSql(dataset: MirrorDataset, localFiles: string[], plain: boolean): string {
  if (!plain || localFiles.length === 0) return latestRowsSql({ localFiles, columns: dataset.columns, primaryKey: dataset.primaryKey });
  const casts = dataset.columns.map((column) => `CAST(${quoteIdentifier(column.name)} AS ${column.type}) AS ${quoteIdentifier(column.name)}`);
  return `SELECT ${casts.join(", ") || "NULL AS _empty"} FROM ${parquetSource(localFiles)}`;
}

/**
 * Counts what decides whether a snapshot can be read as a plain scan: rows, distinct primary keys and
 * deletion markers. Computed once per snapshot version.
 */
export function uniquenessProbeSql(dataset: MirrorDataset, localFiles: string[]): string {
  const key = dataset.primaryKey.map(quoteIdentifier);
  const distinctKey = key.length === 1 ? `count(DISTINCT ${key[0]})` : `count(DISTINCT row(${key.join(", ")}))`;
  return [
    `SELECT count(*) AS row_count, ${distinctKey} AS key_count,`,
    `count(*) FILTER (WHERE coalesce(${quoteIdentifier(metadataColumns.deleted)}, false)) AS deleted_count`,
    `FROM ${parquetSource(localFiles)}`,
  ].join(" ");
}

/** The data source's entity view (`github.entity_people`), as the catalogue built it. */
export function sourceEntityViewSql(entity: CatalogueEntity): string {
  return entity.select_sql;
}

/**
 * `entities.<name>`: the entity's rows from every data source that maps onto it, with the data source's
 * SQL name as a first column (two GitHub sources are told apart).
 */
export function workspaceEntityViewSql(entity: CatalogueEntity, sources: Array<{ sqlName: string; viewName: string }>): string {
  if (sources.length === 0) {
    return `SELECT CAST(NULL AS VARCHAR) AS data_source, ${entity.columns.map((column) => `CAST(NULL AS ${column.type}) AS ${quoteIdentifier(column.name)}`).join(", ")} WHERE false`;
  }
  return sources
    .map(({ sqlName, viewName }) => `SELECT ${quoteLiteral(sqlName)} AS data_source, * FROM ${qualifiedName(sqlName, viewName)}`)
    .join("\nUNION ALL BY NAME\n");
}

/** Entities of a source that have rows to show (a mapped, mirrored stream). */
export function entitiesOf(source: MirrorSource): CatalogueEntity[] {
  return source.entities.filter((entity) => entity.streams.length > 0);
}

function typedNulls(columns: ManifestColumn[]): string {
  return columns.map((column) => `CAST(NULL AS ${column.type}) AS ${quoteIdentifier(column.name)}`).join(", ") || "NULL AS _empty";
}

function parquetSource(localFiles: string[]): string {
  return `read_parquet([${localFiles.map(quoteLiteral).join(", ")}], union_by_name = true)`;
}
