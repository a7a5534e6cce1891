/**
 * Reading DuckDB's errors: the exception type, the message alone, and where in the query DuckDB places
 * the error, whether or not the connection has `SET errors_as_json = true`.
 *
 * Measured with DuckDB 1.5 (see test/query-sql-guard.test.ts):
 * - with errors_as_json the message is a JSON object, sometimes behind a prefix
 *   (`Failed to extract statements: Parser Error: {...}`), and `position` counts Unicode code points for
 *   the parser's syntax errors (error_subtype SYNTAX_ERROR) but UTF-8 bytes for everything else (binder,
 *   catalog… errors point at a `query_location`, a byte offset);
 * - without it the message is `<Type> Error: <message>`, followed by `LINE n: <the line>` and a caret when
 *   DuckDB knows the position. The caret sits under the position taken as a byte offset and counts
 *   render widths (a tab is 0 wide, a CJK character or an emoji 2), and long lines are cut to about 80
 *   columns around it, so the offset is recovered by matching the printed line against the query.
 */

export interface DuckDbErrorInfo {
  /** DuckDB's exception type: "Parser", "Binder", "Catalog", "Conversion", "Out of Memory", "Interrupt", "Permission"… ("Unknown" when the error does not say). */
  type: string;
  /** The exception message only: no type prefix, no JSON, no `LINE n:` context. */
  message: string;
  /** DuckDB's `error_subtype` (JSON errors only), e.g. "SYNTAX_ERROR", "COLUMN_NOT_FOUND". */
  subtype?: string;
  /**
   * Where DuckDB places the error in the text it was given, counted as `offsetUnit` says: pass both to
   * `positionOf`. Plain-text errors (errors_as_json off) carry it only when `parseDuckDbError` had the text.
   */
  offset?: number;
  /** UTF-8 bytes for binder, catalog and execution errors; code points for the parser's syntax errors. */
  offsetUnit?: DuckDbOffsetUnit;
}

export interface SqlPosition {
  /** In JS string characters (UTF-16 code units), 0-based. */
  offset: number;
  /** 1-based; `\n`, `\r\n` and a lone `\r` each end a line. */
  line: number;
  /** 1-based, in JS string characters, as editors such as Monaco count them. */
  column: number;
}

/** How DuckDB counts an offset into the query text. */
export type DuckDbOffsetUnit = "byte" | "codepoint";

/**
 * Reads a DuckDB error (an `Error` from @duckdb/node-api, or its message). `sql`, the exact text DuckDB
 * was given, is needed only to place plain-text errors, whose position is in their `LINE n:` rendering.
 */
export function parseDuckDbError(error: unknown, sql?: string): DuckDbErrorInfo {
  const raw = error instanceof Error ? error.message : typeof error === "string" ? error : String(error);
  const text = raw.replace(/^Failed to extract statements: /, "");
  const prefix = /^([A-Za-z][A-Za-z _]*?) Error: /.exec(text);
  const body = prefix ? text.slice(prefix[0].length) : text;

  const json = parseJsonObject(body);
  if (json) {
    const type = normalizeType(stringField(json, "exception_type") ?? prefix?.[1] ?? "Unknown");
    const subtype = stringField(json, "error_subtype");
    const info: DuckDbErrorInfo = { type, message: stringField(json, "exception_message") ?? body };
    if (subtype !== undefined) info.subtype = subtype;
    const position = Number(stringField(json, "position") ?? Number.NaN);
    if (Number.isInteger(position) && position >= 0) {
      info.offset = position;
      info.offsetUnit = duckDbOffsetUnit(type, subtype);
    }
    return info;
  }

  const context = /\n\nLINE (\d+): ([^\n]*)\n( *)\^\s*$/.exec(body);
  const info: DuckDbErrorInfo = { type: normalizeType(prefix?.[1] ?? "Unknown"), message: context ? body.slice(0, context.index) : body };
  if (context && sql !== undefined) {
    const offset = offsetFromLineContext(sql, Number(context[1]), context[2]!, context[3]!.length - `LINE ${context[1]}: `.length);
    if (offset !== undefined) {
      info.offset = Buffer.byteLength(sql.slice(0, offset));
      info.offsetUnit = "byte";
    }
  }
  return info;
}

/** Whether a DuckDB position of this error counts code points (the parser's syntax errors) or bytes (the rest). */
export function duckDbOffsetUnit(type: string, subtype?: string): DuckDbOffsetUnit {
  return type.toLowerCase() === "parser" && subtype === "SYNTAX_ERROR" ? "codepoint" : "byte";
}

/** Converts an offset counted by DuckDB (UTF-8 bytes or code points) into JS string characters of `text`. */
export function jsOffsetOf(text: string, offset: number, unit: DuckDbOffsetUnit): number {
  let counted = 0;
  let index = 0;
  while (index < text.length && counted < offset) {
    const codePoint = text.codePointAt(index)!;
    counted += unit === "codepoint" ? 1 : utf8Length(codePoint);
    index += codePoint > 0xffff ? 2 : 1;
  }
  return index;
}

/**
 * `jsOffsetOf` for many offsets into one text: a table built once (none for ASCII text), so that a parse
 * tree with thousands of locations does not rescan the query for each.
 */
export function jsOffsetMapper(text: string, unit: DuckDbOffsetUnit): (offset: number) => number {
  const units = unit === "byte" ? Buffer.byteLength(text) : [...text].length;
  if (units === text.length) return (offset) => Math.max(0, Math.min(offset, text.length));
  const table = new Uint32Array(units + 1);
  let counted = 0;
  for (let index = 0; index < text.length; ) {
    const codePoint = text.codePointAt(index)!;
    const size = unit === "codepoint" ? 1 : utf8Length(codePoint);
    index += codePoint > 0xffff ? 2 : 1;
    // An offset inside a character maps past it, as jsOffsetOf does.
    for (let part = 1; part <= size; part += 1) table[counted + part] = index;
    counted += size;
  }
  return (offset) => (offset <= 0 ? 0 : offset >= units ? text.length : table[offset]!);
}

/**
 * Line and column (1-based) of an offset into `sql`. The offset counts as DuckDB does, UTF-8 bytes unless
 * told otherwise ("codepoint" for the parser's syntax errors, "char" for a JS string index); the answer
 * counts JS string characters.
 */
export function positionOf(sql: string, offset: number, unit: DuckDbOffsetUnit | "char" = "byte"): SqlPosition {
  const index = unit === "char" ? offset : jsOffsetOf(sql, offset, unit);
  const clamped = Math.max(0, Math.min(index, sql.length));
  let line = 1;
  let lineStart = 0;
  for (let position = 0; position < clamped; position += 1) {
    const char = sql[position];
    if (char === "\n" || (char === "\r" && sql[position + 1] !== "\n")) {
      line += 1;
      lineStart = position + 1;
    }
  }
  return { offset: clamped, line, column: clamped - lineStart + 1 };
}

/**
 * A stable error code for a DuckDB exception type, for API answers: "syntax_error", "binder_error",
 * "catalog_error", "conversion_error", "out_of_memory", "interrupted", "permission_denied", else the
 * type in snake case with "_error".
 */
export function codeForDuckDbError(type: string): string {
  const slug = type.trim().toLowerCase().replace(/[^a-z0-9]+/g, "_").replace(/^_|_$/g, "");
  switch (slug) {
    case "parser":
    case "syntax":
      return "syntax_error";
    case "out_of_memory":
      return "out_of_memory";
    case "interrupt":
      return "interrupted";
    case "permission":
      return "permission_denied";
    default:
      return `${slug || "unknown"}_error`;
  }
}

/** DuckDB writes a few types in capitals ("INTERRUPT Error: Interrupted!"); the rest as "Out of Memory". */
const CAPITALISED_TYPES: ReadonlyMap<string, string> = new Map([
  ["INTERRUPT", "Interrupt"],
  ["FATAL", "Fatal"],
  ["INTERNAL", "Internal"],
]);

function normalizeType(type: string): string {
  return CAPITALISED_TYPES.get(type) ?? type;
}

function parseJsonObject(text: string): Record<string, unknown> | undefined {
  const trimmed = text.trim();
  if (!trimmed.startsWith("{")) return undefined;
  try {
    const value: unknown = JSON.parse(trimmed);
    return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function stringField(object: Record<string, unknown>, key: string): string | undefined {
  const value = object[key];
  return typeof value === "string" ? value : undefined;
}

function utf8Length(codePoint: number): number {
  if (codePoint < 0x80) return 1;
  if (codePoint < 0x800) return 2;
  // A lone surrogate reaches DuckDB as U+FFFD, three bytes like the rest of the BMP.
  if (codePoint < 0x10000) return 3;
  return 4;
}

/**
 * Inverts DuckDB's `LINE n: …` rendering: finds the printed (possibly cut) line in the query and walks
 * it until the caret's render width is reached.
 */
function offsetFromLineContext(sql: string, lineNumber: number, printed: string, caretWidth: number): number | undefined {
  // DuckDB numbers lines as positionOf does: "\r\n", "\r" and "\n" each end one.
  const lines = sql.split(/\r\n|\r|\n/);
  const line = lines[lineNumber - 1];
  if (line === undefined) return undefined;
  let lineStart = 0;
  for (let index = 0; index < lineNumber - 1; index += 1) {
    lineStart += lines[index]!.length;
    lineStart += sql.startsWith("\r\n", lineStart) ? 2 : 1;
  }

  let shown = printed;
  let width = caretWidth;
  let start = 0;
  if (!line.startsWith(shown)) {
    if (shown.startsWith("...")) {
      shown = shown.slice(3);
      width -= 3;
    }
    start = line.indexOf(shown);
    if (start < 0 && shown.endsWith("...")) start = line.indexOf(shown.slice(0, -3));
    if (start < 0) return undefined;
  }
  if (width < 0) return undefined;

  let rendered = 0;
  let fallback: number | undefined;
  for (const { segment, index } of new Intl.Segmenter(undefined, { granularity: "grapheme" }).segment(line.slice(start))) {
    const segmentWidth = renderWidth(segment.codePointAt(0)!);
    if (rendered === width && segmentWidth > 0) return lineStart + start + index;
    if (rendered >= width && fallback === undefined) fallback = lineStart + start + index;
    rendered += segmentWidth;
  }
  return fallback ?? (rendered >= width ? lineStart + line.length : undefined);
}

/** utf8proc's character width, closely enough for SQL text: control and combining characters 0, East Asian wide and emoji 2. */
function renderWidth(codePoint: number): number {
  const char = String.fromCodePoint(codePoint);
  if (/[\p{Cc}\p{Mn}\p{Me}\u200B-\u200F]/u.test(char)) return 0;
  if (
    /[\u1100-\u115F\u2E80-\u303E\u3041-\u33FF\u3400-\u4DBF\u4E00-\u9FFF\uA000-\uA4CF\uAC00-\uD7A3\uF900-\uFAFF\uFE30-\uFE4F\uFF00-\uFF60\uFFE0-\uFFE6\u{1F300}-\u{1F64F}\u{1F900}-\u{1F9FF}\u{20000}-\u{3FFFD}]/u.test(char)
  ) {
    return 2;
  }
  return 1;
}
