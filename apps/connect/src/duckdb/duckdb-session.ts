import type { DuckDBConnection } from "@duckdb/node-api";

export interface DuckDbSettings {
  /** `CONNECT_DUCKDB_MEMORY_LIMIT`, as for Parquet conversion. */
  memoryLimit: string;
  /** `CONNECT_DUCKDB_THREADS`. */
  threads: number;
  /** Where DuckDB may spill. */
  tempDirectory: string;
}

/**
 * Runs `work` on a fresh in-memory DuckDB instance, closed afterwards (measured: an instance kept for
 * the process grows the RSS by some 20 MiB per conversion beyond its memory limit; closing it returns
 * the memory, and creating one takes milliseconds). Loaded on first use, so an idle connect does not pay
 * for DuckDB's native library. Extensions are never installed or loaded: json and
 * parquet are built in, and httpfs is not available in air-gapped installs, so only local files are read.
 */
export async function withDuckDb<T>(settings: DuckDbSettings, work: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
  const { DuckDBInstance } = await import("@duckdb/node-api");
  const instance = await DuckDBInstance.create(":memory:", {
    memory_limit: settings.memoryLimit,
    threads: String(settings.threads),
    temp_directory: settings.tempDirectory,
    preserve_insertion_order: "false",
    autoinstall_known_extensions: "false",
    autoload_known_extensions: "false",
  });
  try {
    const connection = await instance.connect();
    try {
      await connection.run("SET TimeZone = 'UTC'");
      return await work(connection);
    } finally {
      connection.closeSync();
    }
  } finally {
    instance.closeSync();
  }
}

/**
 * Runs tasks one after another. connect has one for DuckDB work (conversions, compactions, catalogue
 * builds): each holds DuckDB's memory limit, and only one may within connect's memory budget.
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
