import { JsonDuckDBValueConverter, type DuckDBDataChunk, type DuckDBType, DuckDBTypeId } from "@duckdb/node-api";

/** How a result leaves the API: one JSON document, or an export streamed as it is read. */
export const queryFormats = ["json", "ndjson", "csv", "parquet"] as const;
export type QueryFormat = (typeof queryFormats)[number];

export const contentTypes: Record<QueryFormat, string> = {
  json: "application/json; charset=utf-8",
  ndjson: "application/x-ndjson; charset=utf-8",
  csv: "text/csv; charset=utf-8",
  parquet: "application/vnd.apache.parquet",
};

export interface ResultColumn {
  name: string;
  /** DuckDB's type as SQL writes it: BIGINT, VARCHAR, TIMESTAMP WITH TIME ZONE, STRUCT(a INTEGER)… */
  type: string;
}

type Cell = unknown;

/**
 * Turns DuckDB values into JSON values the way a client wants them: 64-bit integers are numbers when
 * they fit in a double exactly (else strings, never rounded), JSON columns are JSON rather than text,
 * and everything else is DuckDB's own JSON conversion (timestamps, decimals, UUIDs as text).
 */
export class RowConverter {
  readonly columns: ResultColumn[];
  private readonly fixups: Array<((value: Cell) => Cell) | undefined>;

  constructor(names: string[], types: DuckDBType[]) {
    this.columns = names.map((name, index) => ({ name, type: types[index]!.toString() }));
    this.fixups = types.map((type) => {
      if (type.alias === "JSON") return parseJsonText;
      if (type.typeId === DuckDBTypeId.BIGINT || type.typeId === DuckDBTypeId.UBIGINT || type.typeId === DuckDBTypeId.HUGEINT || type.typeId === DuckDBTypeId.UHUGEINT) {
        return safeIntegerOrText;
      }
      return undefined;
    });
  }

  rows(chunk: DuckDBDataChunk, limit = chunk.rowCount): Cell[][] {
    const rows: Cell[][] = chunk.convertRows(JsonDuckDBValueConverter).slice(0, limit);
    const fixups = this.fixups;
    if (fixups.every((fixup) => fixup === undefined)) return rows;
    for (const row of rows) {
      for (let index = 0; index < row.length; index += 1) {
        const fixup = fixups[index];
        if (fixup && row[index] !== null) row[index] = fixup(row[index]);
      }
    }
    return rows;
  }
}

function safeIntegerOrText(value: Cell): Cell {
  if (typeof value !== "string") return value;
  const number = Number(value);
  return Number.isSafeInteger(number) ? number : value;
}

function parseJsonText(value: Cell): Cell {
  if (typeof value !== "string") return value;
  try {
    return JSON.parse(value) as Cell;
  } catch {
    return value;
  }
}

/** One row as a JSON-lines record: an object keyed by column name (duplicate names get `_2`, `_3`…). */
export function ndjsonLines(columns: ResultColumn[], rows: Cell[][]): string {
  const keys = uniqueKeys(columns);
  let text = "";
  for (const row of rows) {
    const record: Record<string, Cell> = {};
    for (let index = 0; index < keys.length; index += 1) record[keys[index]!] = row[index];
    text += `${JSON.stringify(record)}\n`;
  }
  return text;
}

/** RFC 4180: fields quoted when they hold a comma, quote or line break; nested values as JSON text. */
export function csvLines(rows: Cell[][]): string {
  let text = "";
  for (const row of rows) text += `${row.map(csvField).join(",")}\r\n`;
  return text;
}

export function csvHeader(columns: ResultColumn[]): string {
  return `${columns.map((column) => csvField(column.name)).join(",")}\r\n`;
}

function csvField(value: Cell): string {
  if (value === null || value === undefined) return "";
  const text = typeof value === "object" ? JSON.stringify(value) : String(value);
  return /[",\r\n]/.test(text) || /^\s|\s$/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function uniqueKeys(columns: ResultColumn[]): string[] {
  const seen = new Map<string, number>();
  return columns.map((column) => {
    const count = (seen.get(column.name) ?? 0) + 1;
    seen.set(column.name, count);
    return count === 1 ? column.name : `${column.name}_${count}`;
  });
}
