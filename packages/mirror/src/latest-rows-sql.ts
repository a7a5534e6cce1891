import type { ManifestColumn } from "./manifest-schema.js";
import { metadataColumns } from "./storage-layout.js";

export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export function quoteLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/**
 * SQL selecting one row per primary key, the latest version winning, deleted keys dropped, every column
 * cast to the manifest's widened type (older files may hold a narrower one). `localFiles` are the
 * stream's Parquet files on local disk (DuckDB reads no remote storage here).
 */
export function latestRowsSql(options: { localFiles: string[]; columns: ManifestColumn[]; primaryKey: string[] }): string {
  const { localFiles, columns, primaryKey } = options;
  if (localFiles.length === 0) {
    const empty = columns.map((column) => `CAST(NULL AS ${column.type}) AS ${quoteIdentifier(column.name)}`).join(", ");
    return `SELECT ${empty || "NULL AS _empty"} WHERE false`;
  }
  const fileList = `[${localFiles.map(quoteLiteral).join(", ")}]`;
  const { version, seq, deleted } = metadataColumns;
  const casts = columns.map((column) => `CAST(${quoteIdentifier(column.name)} AS ${column.type}) AS ${quoteIdentifier(column.name)}`);
  const partition = primaryKey.map(quoteIdentifier).join(", ");
  return [
    `SELECT ${columns.map((column) => quoteIdentifier(column.name)).join(", ")} FROM (`,
    `  SELECT ${casts.join(", ")}, coalesce(${deleted}, false) AS __deleted`,
    `  FROM read_parquet(${fileList}, union_by_name = true)`,
    `  QUALIFY row_number() OVER (PARTITION BY ${partition} ORDER BY ${version} DESC, ${seq} DESC) = 1`,
    `) WHERE NOT __deleted`,
  ].join("\n");
}
