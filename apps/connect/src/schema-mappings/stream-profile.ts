import type { DuckDBConnection } from "@duckdb/node-api";
import type { CatalogueColumn } from "@tributary/contracts";
import { latestRowsSql, quoteIdentifier, quoteLiteral, type StreamManifest } from "@tributary/mirror";

export const sampleCount = 5;
export const sampleMaxLength = 80;
/** Samples are taken among the first rows with a value: enough to find a few distinct ones, bounded work. */
const sampleScanRows = 1000;
/**
 * Up to this many rows distinct values are counted exactly (on 64-bit hashes, 8 bytes a value whatever
 * its width, one column at a time); beyond it approx_count_distinct's estimate stands. HyperLogLog is
 * off by several percent even on a handful of values, which reads as wrong on a small table.
 */
export const exactDistinctMaxRows = 100_000;

/**
 * Column names whose values must not be shown even as samples. Deliberately broad (`keys_url` is
 * caught too): a withheld sample costs little, a leaked credential a lot.
 */
const secretLikeName = /token|secret|passw|pwd|key|credential|cookie|signature/i;

/** A JSON sample holding a field named like a secret is dropped as well. */
const secretLikeJsonField = /"[^"]*(?:token|secret|passw|pwd|credential|cookie|signature|api_?key|private_?key)[^"]*"\s*:/i;

export function looksSecret(columnName: string): boolean {
  return secretLikeName.test(columnName);
}

export interface StreamProfile {
  rowCount: number;
  columns: CatalogueColumn[];
  cursorMax: string | null;
}

/**
 * Writes the stream's latest rows (one per key, latest version, tombstones dropped, columns cast to the
 * manifest's types, metadata columns left out) to one local Parquet file, then profiles that file.
 * Deduplicating once keeps every later query a plain scan of one file (column-pruned by Parquet).
 */
export async function materializeLatestRows(
  connection: DuckDBConnection,
  manifest: StreamManifest,
  localFiles: string[],
  outputPath: string,
): Promise<void> {
  const latest = latestRowsSql({ localFiles, columns: manifest.columns, primaryKey: manifest.primary_key });
  await connection.run(`COPY (${latest}) TO ${quoteLiteral(outputPath)} (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 16384, ROW_GROUP_SIZE_BYTES '8MB')`);
}

/** Row count, per-column statistics and samples, and the cursor's maximum over a latest-rows file. */
export async function profileLatestRows(connection: DuckDBConnection, manifest: StreamManifest, latestPath: string): Promise<StreamProfile> {
  const source = `read_parquet(${quoteLiteral(latestPath)})`;
  const columns = manifest.columns;
  const cursor = cursorMaxSql(manifest);
  const aggregates = [
    "count(*) AS row_count",
    ...columns.flatMap((column, index) => {
      const name = quoteIdentifier(column.name);
      return [`count(${name}) AS nn_${index}`, `approx_count_distinct(${name}) AS nd_${index}`];
    }),
    ...(cursor ? [`${cursor.sql} AS cursor_max`] : []),
  ];
  const reader = await connection.runAndReadAll(`SELECT ${aggregates.join(", ")} FROM ${source}`);
  const row = reader.getRowObjects()[0] ?? {};
  const rowCount = toNumber(row.row_count);

  const profiled: CatalogueColumn[] = [];
  for (const [index, column] of columns.entries()) {
    const nonNull = toNumber(row[`nn_${index}`]);
    const withheld = looksSecret(column.name);
    const distinct =
      nonNull === 0 ? 0 : rowCount <= exactDistinctMaxRows ? await exactDistinct(connection, source, column.name) : toNumber(row[`nd_${index}`]);
    profiled.push({
      name: column.name,
      type: column.type,
      null_count: rowCount - nonNull,
      non_null_fraction: rowCount === 0 ? 0 : nonNull / rowCount,
      // HyperLogLog can overshoot on small sets; a column never has more distinct values than values.
      distinct_estimate: Math.min(distinct, nonNull),
      samples: withheld || nonNull === 0 ? [] : await samplesOf(connection, source, column.name, column.type === "JSON"),
      samples_withheld: withheld,
    });
  }
  return { rowCount, columns: profiled, cursorMax: cursor ? cursor.format(row.cursor_max) : null };
}

async function exactDistinct(connection: DuckDBConnection, source: string, columnName: string): Promise<number> {
  const name = quoteIdentifier(columnName);
  const reader = await connection.runAndReadAll(`SELECT count(DISTINCT hash(${name})) AS n FROM ${source} WHERE ${name} IS NOT NULL`);
  return toNumber(reader.getRowObjects()[0]?.n);
}

async function samplesOf(connection: DuckDBConnection, source: string, columnName: string, json: boolean): Promise<string[]> {
  const name = quoteIdentifier(columnName);
  const reader = await connection.runAndReadAll(
    [
      `SELECT DISTINCT CASE WHEN length(v) > ${sampleMaxLength} THEN left(v, ${sampleMaxLength - 1}) || '…' ELSE v END AS sample`,
      `FROM (SELECT CAST(${name} AS VARCHAR) AS v FROM ${source} WHERE ${name} IS NOT NULL LIMIT ${sampleScanRows})`,
      `ORDER BY sample LIMIT ${sampleCount}`,
    ].join("\n"),
  );
  const samples = reader.getRowObjects().map((sample) => String(sample.sample));
  return json ? samples.filter((sample) => !secretLikeJsonField.test(sample)) : samples;
}

/** The SQL of the cursor field's maximum, and how to turn DuckDB's value into the catalogue's text. */
function cursorMaxSql(manifest: StreamManifest): { sql: string; format: (value: unknown) => string | null } | undefined {
  const [top, ...nested] = manifest.cursor_field ?? [];
  const column = top === undefined ? undefined : manifest.columns.find((candidate) => candidate.name === top);
  if (!column) return undefined;
  const name = quoteIdentifier(column.name);
  const text = (value: unknown) => (value === null || value === undefined ? null : String(value));
  if (nested.length > 0) {
    // A field inside a JSON column (GitHub's commit.committer.date): ISO 8601 text, ordered as text.
    const path = `$.${nested.map((key) => `"${key.replaceAll('"', '\\"')}"`).join(".")}`;
    return { sql: `max(json_extract_string(${name}, ${quoteLiteral(path)}))`, format: text };
  }
  if (column.type === "TIMESTAMPTZ") {
    return {
      sql: `epoch_ms(max(${name}))`,
      format: (value) => (value === null || value === undefined ? null : new Date(Number(value)).toISOString()),
    };
  }
  return { sql: `CAST(max(${name}) AS VARCHAR)`, format: text };
}

function toNumber(value: unknown): number {
  if (typeof value === "bigint") return Number(value);
  if (typeof value === "number") return value;
  return 0;
}
