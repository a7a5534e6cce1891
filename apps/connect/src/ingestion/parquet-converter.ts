import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import { quoteIdentifier, quoteLiteral, metadataColumns, type ManifestColumn } from "@tributary/mirror";

export interface ParquetConverterOptions {
  /** DuckDB's memory limit: connect's whole budget is 384 MiB of RSS, Node's heap included. */
  memoryLimit: string;
  threads: number;
  /** Where DuckDB may spill when a conversion exceeds its memory limit. */
  tempDirectory: string;
}

/**
 * Turns NDJSON spool files into typed, zstd-compressed Parquet with DuckDB. One instance per process
 * and one conversion at a time: DuckDB's memory limit then bounds the native memory of every run.
 * Types are given explicitly (no sampling: sampling many files is what runs out of memory), and row
 * groups are bounded in bytes so a wide record never makes a row group huge.
 */
export class ParquetConverter {
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
  ) {}

  static async create(options: ParquetConverterOptions): Promise<ParquetConverter> {
    const instance = await DuckDBInstance.create(":memory:", {
      memory_limit: options.memoryLimit,
      threads: String(options.threads),
      temp_directory: options.tempDirectory,
      preserve_insertion_order: "false",
      // Extensions cannot be downloaded in air-gapped installs; json and parquet are built in.
      autoinstall_known_extensions: "false",
      autoload_known_extensions: "false",
    });
    const connection = await instance.connect();
    await connection.run("SET TimeZone = 'UTC'");
    return new ParquetConverter(instance, connection);
  }

  /** Converts one spool file; resolves with the number of rows written. Conversions run one after another. */
  convert(spoolPath: string, parquetPath: string, columns: ManifestColumn[], version: number): Promise<number> {
    const run = this.queue.then(() => this.convertNow(spoolPath, parquetPath, columns, version));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async convertNow(spoolPath: string, parquetPath: string, columns: ManifestColumn[], version: number): Promise<number> {
    const declared = [
      `${quoteLiteral(metadataColumns.seq)}: 'BIGINT'`,
      `${quoteLiteral(metadataColumns.deleted)}: 'BOOLEAN'`,
      ...columns.map((column) => `${quoteLiteral(column.name)}: '${column.type}'`),
    ].join(", ");
    const sql = [
      `COPY (`,
      `  SELECT *, CAST(${version} AS INTEGER) AS ${metadataColumns.version}`,
      // The default maximum object size (16 MB) bounds the reader's buffers; larger records fail loudly.
      `  FROM read_json(${quoteLiteral(spoolPath)}, format = 'newline_delimited', columns = {${declared}})`,
      `) TO ${quoteLiteral(parquetPath)} (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 65536, ROW_GROUP_SIZE_BYTES '16MB')`,
    ].join("\n");
    const result = await this.connection.run(sql);
    return Number(result.rowsChanged);
  }

  /**
   * Rewrites a stream's files as one file holding only the latest row per primary key, tombstones
   * dropped, every column cast to the stream's widened type. The rows keep their version and sequence
   * numbers, so files committed later still win over the compacted base.
   */
  compact(localFiles: string[], parquetPath: string, columns: ManifestColumn[], primaryKey: string[]): Promise<number> {
    const run = this.queue.then(async () => {
      const fileList = `[${localFiles.map(quoteLiteral).join(", ")}]`;
      const casts = columns.map((column) => `CAST(${quoteIdentifier(column.name)} AS ${column.type}) AS ${quoteIdentifier(column.name)}`);
      const { version, seq, deleted } = metadataColumns;
      const sql = [
        `COPY (`,
        `  SELECT ${seq}, CAST(NULL AS BOOLEAN) AS ${deleted}, ${casts.join(", ")}, ${version} FROM (`,
        `    SELECT * FROM read_parquet(${fileList}, union_by_name = true)`,
        `    QUALIFY row_number() OVER (PARTITION BY ${primaryKey.map(quoteIdentifier).join(", ")} ORDER BY ${version} DESC, ${seq} DESC) = 1`,
        `  ) WHERE NOT coalesce(${deleted}, false)`,
        `) TO ${quoteLiteral(parquetPath)} (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 65536, ROW_GROUP_SIZE_BYTES '16MB')`,
      ].join("\n");
      const result = await this.connection.run(sql);
      return Number(result.rowsChanged);
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
  }
}
