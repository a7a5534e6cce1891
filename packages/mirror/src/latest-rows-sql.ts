import type { ManifestColumn } from "./manifest-schema.js";
import { metadataColumns } from "./storage-layout.js";

export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export function quoteLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** Orders a row's versions: the manifest version first, then the row's place in its run (< 2^40). */
function rowOrder(alias: string): string {
  const { version, seq } = metadataColumns;
  return `(CAST(${alias}.${version} AS BIGINT) * 1099511627776 + ${alias}.${seq})`;
}

/**
 * SQL selecting one row per primary key, the latest version winning, deleted keys dropped, every column
 * cast to the manifest's widened type (older files may hold a narrower one). `localFiles` are the
 * stream's Parquet files on local disk (DuckDB reads no remote storage here).
 *
 * The winners are found on a narrow projection (key and order only) and the wide rows kept with a semi
 * join, so memory grows with the number of keys, not with the width of the records: a window function
 * over the wide rows needs the whole stream in memory or on disk.
 */
export function latestRowsSql(options: { localFiles: string[]; columns: ManifestColumn[]; primaryKey: string[] }): string {
  const { localFiles, columns, primaryKey } = options;
  if (localFiles.length === 0) {
    const empty = columns.map((column) => `CAST(NULL AS ${column.type}) AS ${quoteIdentifier(column.name)}`).join(", ");
    return `SELECT ${empty || "NULL AS _empty"} WHERE false`;
  }
  const source = `read_parquet([${localFiles.map(quoteLiteral).join(", ")}], union_by_name = true)`;
  const keys = primaryKey.map(quoteIdentifier);
  const casts = columns.map((column) => `CAST(f.${quoteIdentifier(column.name)} AS ${column.type}) AS ${quoteIdentifier(column.name)}`);
  return [
    `SELECT ${casts.join(", ")}`,
    `FROM ${source} AS f`,
    `SEMI JOIN (`,
    `  SELECT ${keys.join(", ")}, max(${rowOrder("w")}) AS __order FROM ${source} AS w GROUP BY ${keys.join(", ")}`,
    `) AS latest ON ${keys.map((key) => `f.${key} = latest.${key}`).join(" AND ")} AND ${rowOrder("f")} = latest.__order`,
    `WHERE NOT coalesce(f.${metadataColumns.deleted}, false)`,
  ].join("\n");
}
