import type { DuckDBConnection } from "@duckdb/node-api";
import { SerialQueue, withDuckDb, type DuckDbSettings } from "../duckdb/duckdb-session.js";
import { latestRowsSql, quoteIdentifier, quoteLiteral, metadataColumns, type ManifestColumn } from "@tributary/mirror";

export interface ParquetConverterOptions extends DuckDbSettings {
  /**
   * The process's DuckDB queue (shared with catalogue builds): each task holds DuckDB's memory limit
   * (connect's whole budget is 384 MiB of RSS, Node's heap included), so tasks run one at a time.
   */
  queue?: SerialQueue;
}

/**
 * Turns NDJSON spool files into typed, zstd-compressed Parquet with DuckDB, one conversion at a time.
 * Types are given explicitly (no sampling: sampling many files is what runs out of memory), and row
 * groups are bounded in bytes so a wide record never makes a row group huge. Each conversion gets a
 * fresh DuckDB instance (`withDuckDb`): measured, an instance kept for the process grows the RSS by some
 * 20 MiB per conversion beyond its memory limit, while closing it returns the memory.
 */
export class ParquetConverter {
  private readonly queue: SerialQueue;

  private constructor(private readonly options: ParquetConverterOptions) {
    this.queue = options.queue ?? new SerialQueue();
  }

  static async create(options: ParquetConverterOptions): Promise<ParquetConverter> {
    return new ParquetConverter(options);
  }

  /** Runs `work` on a fresh DuckDB connection after every earlier task of the queue has finished. */
  private enqueue<T>(work: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
    return this.queue.run(() => withDuckDb(this.options, work));
  }

  /** Converts one spool file; resolves with the number of rows written. Conversions run one after another. */
  convert(spoolPath: string, parquetPath: string, columns: ManifestColumn[], version: number): Promise<number> {
    return this.enqueue((connection) => this.convertOn(connection, spoolPath, parquetPath, columns, version));
  }

  private async convertOn(
    connection: DuckDBConnection,
    spoolPath: string,
    parquetPath: string,
    columns: ManifestColumn[],
    version: number,
  ): Promise<number> {
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
      `) TO ${quoteLiteral(parquetPath)} (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 16384, ROW_GROUP_SIZE_BYTES '8MB')`,
    ].join("\n");
    const result = await connection.run(sql);
    return Number(result.rowsChanged);
  }

  /**
   * Rewrites a stream's files as one file holding only the latest row per primary key, tombstones
   * dropped, every column cast to the stream's widened type. The rows keep their version and sequence
   * numbers, so files committed later still win over the compacted base.
   */
  compact(localFiles: string[], parquetPath: string, columns: ManifestColumn[], primaryKey: string[]): Promise<number> {
    return this.enqueue(async (connection) => {
      const { version, seq, deleted } = metadataColumns;
      // The reader's query (semi join on the winners: memory grows with keys, not record width), with
      // the metadata kept so rows committed later still win over this base.
      const latest = latestRowsSql({
        localFiles,
        columns: [
          { name: seq, type: "BIGINT" },
          ...columns,
          { name: version, type: "BIGINT" },
        ],
        primaryKey,
      });
      const sql = [
        `COPY (SELECT ${quoteIdentifier(seq)}, CAST(NULL AS BOOLEAN) AS ${deleted}, * EXCLUDE (${quoteIdentifier(seq)}) FROM (`,
        latest,
        `)) TO ${quoteLiteral(parquetPath)} (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 16384, ROW_GROUP_SIZE_BYTES '8MB')`,
      ].join("\n");
      const result = await connection.run(sql);
      return Number(result.rowsChanged);
    });
  }

  /** Waits for the task in progress, if any; nothing is held between tasks. */
  async close(): Promise<void> {
    await this.queue.run(async () => undefined);
  }
}
