import type { DuckDBConnection, DuckDBPreparedStatement } from "@duckdb/node-api";
import { codeForDuckDbError, duckDbOffsetUnit, jsOffsetMapper, jsOffsetOf, parseDuckDbError, positionOf, type SqlPosition } from "./duckdb-errors.js";

/**
 * The gate in front of the query service: one read-only statement over the workspace's datasets, or a
 * QueryRejectedError saying what is refused and why, with where it is in the user's text.
 *
 * The order matters, because DuckDB acts before execution for some statements (measured with 1.5):
 * extracting `IMPORT DATABASE 'dir'` already reads `dir/schema.sql` (pragma expansion happens while
 * extracting), preparing `EXPORT DATABASE 'dir'` creates the directory, binding `read_csv('f')` or
 * `FROM 'f.csv'` opens and sniffs the file, and binding `FROM '/etc/passwd'` tells whether the file
 * exists. So:
 * 1. a small lexer splits the text (strings, quoted identifiers, dollar quotes and nested comments
 *    understood) and refuses empty input, several statements and non-query statements by their first
 *    keyword, before DuckDB sees anything;
 * 2. `json_serialize_sql` parses the statement with DuckDB's parser alone (no pragma expansion, no
 *    binding): syntax errors, DuckDB's own statement count, and the parse tree, walked generically for
 *    table functions, scalar functions and table names;
 * 3. only then `extractStatements` and `prepare` (binding) confirm the statement type and surface binder
 *    and catalog errors.
 */

export type GuardedStatementKind = "select" | "explain";

export interface GuardedStatement {
  kind: GuardedStatementKind;
  /**
   * The statement as vetted, to be run as is: the user's text without the whitespace around it, the
   * terminating ";" and any comment after its last token (comments before it stay, except before a
   * PRAGMA). So, but for a PRAGMA or a stray ";" before the statement, it starts where the user's
   * text does once `trimStart()`-ed: DuckDB's offsets into it shift by that much.
   */
  sql: string;
  /**
   * Base-table references (FROM, JOIN, subqueries, CTE bodies, DESCRIBE/SUMMARIZE/PRAGMA table_info
   * targets), CTE names excluded, lower-cased, deduplicated, in the order they appear. A catalog prefix
   * (`memory.github.issues`) is dropped. System views such as `information_schema.columns` are listed too.
   */
  referencedTables: Array<{ schema: string | null; name: string }>;
  /**
   * The statement as DuckDB prepared it to check it, for the caller to run (binding its parameters)
   * rather than prepare it a second time; the caller destroys it. DuckDB rebinds it by itself if the
   * views it reads change before it runs.
   */
  prepared: DuckDBPreparedStatement;
}

/**
 * Codes: "empty_query", "multiple_statements", "syntax_error", "not_read_only", "function_not_allowed",
 * or, for an error DuckDB raises while binding, `codeForDuckDbError(type)` ("binder_error",
 * "catalog_error", "permission_denied"…).
 */
export class QueryRejectedError extends Error {
  override readonly name = "QueryRejectedError";
  readonly code: string;
  /** Where the refused part starts in the text given to guardQuery, when known. */
  readonly position?: SqlPosition;

  constructor(code: string, message: string, position?: SqlPosition) {
    super(message);
    this.code = code;
    if (position) this.position = position;
  }
}

/**
 * The only table functions a query may call: generators over values, and the catalogue's read-only
 * listings. Everything else is refused, the file and network readers above all (read_csv, read_parquet,
 * read_json*, read_text, read_blob, glob, query_table, iceberg_scan, …), and so are the listings that
 * show the server rather than the workspace (duckdb_settings, duckdb_secrets, duckdb_databases with its
 * file paths, duckdb_extensions, duckdb_temporary_files, duckdb_memory, duckdb_logs, …) and the ones that
 * act (checkpoint, enable_logging, enable_profiling, json_execute_serialized_sql…).
 */
export const ALLOWED_TABLE_FUNCTIONS: ReadonlySet<string> = new Set([
  "range",
  "generate_series",
  "unnest",
  "repeat",
  "repeat_row",
  "json_each",
  "json_tree",
  "duckdb_tables",
  "duckdb_views",
  "duckdb_columns",
  "duckdb_schemas",
  "duckdb_types",
  "duckdb_functions",
  "duckdb_constraints",
  "duckdb_indexes",
  "duckdb_keywords",
  "pragma_table_info",
  "pragma_version",
  "pragma_platform",
  "pragma_collations",
  "pg_timezone_names",
]);

/** Allowed table functions whose first argument names a table (a string literal, checked like a FROM target). */
const TABLE_TARGET_FUNCTIONS: ReadonlySet<string> = new Set(["pragma_table_info"]);

/**
 * Scalar functions refused, with why. Scalar functions are refused by name rather than allowed by list:
 * there are some 800, nearly all pure. Any name starting with `read_` is refused as well.
 */
export const REFUSED_SCALAR_FUNCTIONS: ReadonlyMap<string, string> = new Map([
  ["getenv", "it reads the server's environment"],
  ["current_setting", "it reads the server's settings (paths, credentials)"],
  ["which_secret", "it reads the server's secrets"],
  ["nextval", "it advances a sequence, and queries are read-only"],
  ["setval", "it changes a sequence, and queries are read-only"],
  ["write_log", "it writes to DuckDB's log, and queries are read-only"],
  ["json_execute_serialized_sql", "it runs other SQL"],
  ["query", "it runs other SQL"],
  ["query_table", "it reads tables and files named by a string"],
]);

/** PRAGMAs that only read the catalogue (each expands into a SELECT); the rest change settings or act. */
export const ALLOWED_PRAGMAS: ReadonlySet<string> = new Set([
  "version",
  "platform",
  "table_info",
  "show_tables",
  "show_tables_expanded",
  "show_databases",
  "functions",
  "collations",
]);

const READS_ONLY_DATASETS = "a query reads only the workspace's datasets (its views)";

export async function guardQuery(connection: DuckDBConnection, sql: string): Promise<GuardedStatement> {
  const at = (offset: number) => charPosition(sql, offset);

  const nul = sql.indexOf("\0");
  if (nul >= 0) {
    // DuckDB reads the text as a C string, so it would see less of it than the guard does.
    throw new QueryRejectedError("syntax_error", "The query contains a NUL character", at(nul));
  }

  const allTokens = lex(sql);
  const statements = splitStatements(allTokens);
  if (statements.length === 0) throw new QueryRejectedError("empty_query", "The query is empty: write one SELECT statement");
  if (statements.length > 1) {
    throw new QueryRejectedError(
      "multiple_statements",
      `The query holds ${statements.length} statements: send one statement at a time`,
      at(statements[1]![0]!.start),
    );
  }
  const tokens = statements[0]!;
  const first = tokens[0]!;
  const end = tokens[tokens.length - 1]!.end;

  const refused = refusedStatementKind(tokens);
  if (refused) throw new QueryRejectedError("not_read_only", `${refused.kind} is not allowed: ${refused.reason}`, at(first.start));

  if (first.kind === "word" && first.value === "pragma") {
    // From the keyword on: PRAGMAs expand while being extracted, so not even a comment goes unchecked.
    const statement = sql.slice(first.start, end);
    const parsed = await serialize(connection, statement);
    if (parsed.kind === "error") throw syntaxError(parsed, statement, first.start, sql);
    const referencedTables: TableReference[] = [];
    vetPragma(tokens, statement, first.start, sql, referencedTables);
    const prepared = await prepareAndCheck(connection, statement, "select", first.start, sql);
    return { kind: "select", sql: statement, referencedTables: dedupe(referencedTables), prepared };
  }

  // The statement keeps the comments before it (so its offsets differ from the user's text only by the
  // whitespace trimmed), not those after it, so that it can be wrapped: `COPY (<sql>) TO …`.
  const semicolonBefore = allTokens.filter((token) => token.end <= first.start && token.kind === "symbol" && token.value === ";").pop();
  const searchFrom = semicolonBefore?.end ?? 0;
  const start = searchFrom + (sql.slice(searchFrom).length - sql.slice(searchFrom).trimStart().length);
  const statement = sql.slice(start, end);

  const parsed = await serialize(connection, statement);
  if (parsed.kind === "error") throw syntaxError(parsed, statement, start, sql);

  let kind: GuardedStatementKind;
  const referencedTables: TableReference[] = [];
  if (first.kind === "word" && first.value === "explain") {
    kind = "explain";
    // DuckDB must see the EXPLAIN the lexer saw, or the inner query vetted below is not the one it binds.
    if (parsed.kind !== "not_select") throw notAQuery(tokens, sql, first.start);
    const keyword = first.start - start;
    const prefix = EXPLAIN_PREFIX.exec(statement.slice(keyword));
    const innerStart = keyword + (prefix ? prefix[0].length : "explain".length);
    const inner = statement.slice(innerStart);
    const innerParsed = await serialize(connection, inner);
    if (innerParsed.kind === "error") throw syntaxError(innerParsed, inner, start + innerStart, sql);
    if (innerParsed.kind === "not_select") {
      const innerTokens = lex(inner);
      const innerKind = refusedStatementKind(innerTokens)?.kind ?? describeTokens(innerTokens);
      throw new QueryRejectedError("not_read_only", `EXPLAIN ${innerKind} is not allowed: only queries may be explained, and queries are read-only`, at(first.start));
    }
    vetTree(innerParsed, inner, start + innerStart, sql, referencedTables);
  } else {
    kind = "select";
    if (parsed.kind === "not_select") throw notAQuery(tokens, sql, first.start);
    vetTree(parsed, statement, start, sql, referencedTables);
  }

  const prepared = await prepareAndCheck(connection, statement, kind, start, sql);
  return { kind, sql: statement, referencedTables: dedupe(referencedTables), prepared };
}

/** A position in the user's text from a JS string offset into it. */
function charPosition(sql: string, offset: number): SqlPosition {
  return positionOf(sql, offset, "char");
}

// ---------------------------------------------------------------------------------------------------
// Lexing: only as much as is needed to find statement boundaries and keywords.

interface Token {
  kind: "word" | "quoted" | "string" | "number" | "parameter" | "symbol";
  /** Lower-cased for words, unescaped for quoted identifiers and strings, as written otherwise. */
  value: string;
  start: number;
  end: number;
}

const WORD_START = /[A-Za-z_\u0080-\uffff]/;
const WORD_PART = /[A-Za-z0-9_$\u0080-\uffff]/;

function lex(text: string): Token[] {
  const tokens: Token[] = [];
  let index = 0;
  const length = text.length;
  while (index < length) {
    const char = text[index]!;
    const next = text[index + 1];
    const start = index;
    if (/\s/.test(char)) {
      index += 1;
    } else if (char === "-" && next === "-") {
      while (index < length && text[index] !== "\n" && text[index] !== "\r") index += 1;
    } else if (char === "/" && next === "*") {
      // Nested, as in PostgreSQL's scanner that DuckDB's parser comes from.
      let depth = 0;
      while (index < length) {
        if (text[index] === "/" && text[index + 1] === "*") {
          depth += 1;
          index += 2;
        } else if (text[index] === "*" && text[index + 1] === "/") {
          depth -= 1;
          index += 2;
          if (depth === 0) break;
        } else {
          index += 1;
        }
      }
    } else if (char === "'" || (/[eE]/.test(char) && next === "'")) {
      const backslashEscapes = char !== "'";
      index += backslashEscapes ? 2 : 1;
      let value = "";
      while (index < length) {
        const c = text[index]!;
        if (backslashEscapes && c === "\\" && index + 1 < length) {
          value += text[index + 1];
          index += 2;
        } else if (c === "'" && text[index + 1] === "'") {
          value += "'";
          index += 2;
        } else if (c === "'") {
          index += 1;
          break;
        } else {
          value += c;
          index += 1;
        }
      }
      tokens.push({ kind: "string", value, start, end: index });
    } else if (char === '"') {
      index += 1;
      let value = "";
      while (index < length) {
        if (text[index] === '"' && text[index + 1] === '"') {
          value += '"';
          index += 2;
        } else if (text[index] === '"') {
          index += 1;
          break;
        } else {
          value += text[index];
          index += 1;
        }
      }
      tokens.push({ kind: "quoted", value, start, end: index });
    } else if (char === "$" && next !== undefined && /\d/.test(next)) {
      index += 1;
      while (index < length && /\d/.test(text[index]!)) index += 1;
      tokens.push({ kind: "parameter", value: text.slice(start, index), start, end: index });
    } else if (char === "$" && dollarQuoteAt(text, index) !== undefined) {
      const delimiter = dollarQuoteAt(text, index)!;
      const close = text.indexOf(delimiter, index + delimiter.length);
      const end = close < 0 ? length : close + delimiter.length;
      tokens.push({ kind: "string", value: text.slice(index + delimiter.length, close < 0 ? length : close), start, end });
      index = end;
    } else if (WORD_START.test(char)) {
      index += 1;
      while (index < length && WORD_PART.test(text[index]!)) index += 1;
      tokens.push({ kind: "word", value: text.slice(start, index).toLowerCase(), start, end: index });
    } else if (/\d/.test(char) || (char === "." && next !== undefined && /\d/.test(next))) {
      index += 1;
      while (index < length && /[0-9A-Za-z_.]/.test(text[index]!)) index += 1;
      tokens.push({ kind: "number", value: text.slice(start, index), start, end: index });
    } else if (char === "?") {
      index += 1;
      tokens.push({ kind: "parameter", value: "?", start, end: index });
    } else {
      index += 1;
      tokens.push({ kind: "symbol", value: char, start, end: index });
    }
  }
  return tokens;
}

const DOLLAR_QUOTE = /\$(?:[A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/y;

/** The `$tag$` opening a dollar-quoted string at `index`, if one does. */
function dollarQuoteAt(text: string, index: number): string | undefined {
  DOLLAR_QUOTE.lastIndex = index;
  return DOLLAR_QUOTE.exec(text)?.[0];
}

function splitStatements(tokens: Token[]): Token[][] {
  const statements: Token[][] = [];
  let current: Token[] = [];
  for (const token of tokens) {
    if (token.kind === "symbol" && token.value === ";") {
      if (current.length > 0) statements.push(current);
      current = [];
    } else {
      current.push(token);
    }
  }
  if (current.length > 0) statements.push(current);
  return statements;
}

// ---------------------------------------------------------------------------------------------------
// Statement kinds refused from their first keyword.

const TRANSACTION_KEYWORDS = new Set(["begin", "start", "commit", "rollback", "abort", "end", "savepoint", "release"]);
const CREATE_MODIFIERS = new Set(["or", "replace", "temp", "temporary", "persistent", "unique", "global", "local", "unlogged", "if", "not", "exists"]);

/** The kind of a statement refused by its first keyword, or undefined for the ones examined further. */
function refusedStatementKind(tokens: Token[]): { kind: string; reason: string } | undefined {
  const words = tokens.map((token) => (token.kind === "word" ? token.value : ""));
  const [first = "", second = ""] = words;
  const readOnly = "queries are read-only";
  switch (first) {
    case "copy":
      return { kind: "COPY", reason: readOnly };
    case "attach":
    case "detach":
      return { kind: first.toUpperCase(), reason: `${READS_ONLY_DATASETS}, not other databases` };
    case "install":
    case "load":
      return { kind: first.toUpperCase(), reason: "queries cannot install or load extensions" };
    case "force":
      return { kind: `FORCE ${second.toUpperCase()}`.trim(), reason: readOnly };
    case "set":
    case "reset":
    case "use":
      return { kind: first.toUpperCase(), reason: "queries cannot change the session's settings" };
    case "export":
    case "import":
      return { kind: `${first.toUpperCase()} DATABASE`, reason: `${readOnly} and cannot read or write files` };
    case "create":
    case "drop":
    case "alter":
    case "comment": {
      const object = words.slice(1).find((word) => word !== "" && !CREATE_MODIFIERS.has(word));
      return { kind: `${first.toUpperCase()}${object ? ` ${object.toUpperCase()}` : ""}`, reason: readOnly };
    }
    case "update":
      return { kind: second === "extensions" ? "UPDATE EXTENSIONS" : "UPDATE", reason: readOnly };
    case "insert":
    case "delete":
    case "merge":
    case "truncate":
    case "call":
    case "checkpoint":
    case "vacuum":
    case "analyze":
    case "prepare":
    case "execute":
    case "deallocate":
    case "grant":
    case "revoke":
      return { kind: first.toUpperCase(), reason: readOnly };
    default:
      if (TRANSACTION_KEYWORDS.has(first)) return { kind: `${first.toUpperCase()} (transaction control)`, reason: "each query runs on its own" };
      return undefined;
  }
}

/** A name for a statement DuckDB's parser says is not a SELECT, from its first word(s). */
function describeTokens(tokens: Token[]): string {
  const words = tokens.filter((token) => token.kind === "word").map((token) => token.value.toUpperCase());
  return words.length > 0 ? words.slice(0, 2).join(" ") : "this statement";
}

function notAQuery(tokens: Token[], sql: string, start: number): QueryRejectedError {
  const at = charPosition(sql, start);
  if (tokens.some((token) => token.kind === "word" && /^(un)?pivot(_wider|_longer)?$/.test(token.value))) {
    return new QueryRejectedError(
      "not_read_only",
      "PIVOT without an IN list is not allowed: DuckDB first creates a type holding the values, and queries are read-only; list the values instead, e.g. PIVOT t ON col IN ('a', 'b')",
      at,
    );
  }
  // WITH … INSERT/UPDATE/DELETE: name the statement under the WITH clause.
  let depth = 0;
  for (const token of tokens) {
    if (token.kind === "symbol" && token.value === "(") depth += 1;
    else if (token.kind === "symbol" && token.value === ")") depth -= 1;
    else if (depth === 0 && token.kind === "word" && ["insert", "update", "delete", "merge"].includes(token.value)) {
      return new QueryRejectedError("not_read_only", `${token.value.toUpperCase()} is not allowed: queries are read-only`, charPosition(sql, token.start));
    }
  }
  return new QueryRejectedError("not_read_only", `${describeTokens(tokens)} is not allowed: only queries (SELECT, WITH, VALUES, FROM, DESCRIBE, SUMMARIZE, SHOW, EXPLAIN…) are, and queries are read-only`, at);
}

// ---------------------------------------------------------------------------------------------------
// EXPLAIN and PRAGMA.

/** `EXPLAIN [ANALYZE] [(option [value], …)]`; a parenthesis opening a query is not an option list. */
const EXPLAIN_PREFIX =
  /^explain\b(?:\s+analy[sz]e\b)?(?:\s*\(\s*(?!(?:select|with|values|from|table|describe|summarize|show|pivot|unpivot)\b)[a-z_]+(?:\s+[a-z0-9_]+)?(?:\s*,\s*[a-z_]+(?:\s+[a-z0-9_]+)?)*\s*\))?/i;

/**
 * PRAGMAs expand while statements are extracted, before anything can be prepared, so only the strict
 * forms `PRAGMA name` and `PRAGMA name('arg')` of a read-only PRAGMA get that far.
 */
const PRAGMA_FORM = /^pragma\s+([a-z_]+)\s*(?:\(\s*('(?:[^'\\]|'')*'|[a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*){0,2})\s*\))?$/i;

function vetPragma(tokens: Token[], statement: string, start: number, sql: string, references: TableReference[]): void {
  const name = tokens[1]?.kind === "word" ? tokens[1].value : "";
  const at = charPosition(sql, start);
  if (!ALLOWED_PRAGMAS.has(name)) {
    throw new QueryRejectedError(
      "not_read_only",
      `PRAGMA ${name || "without a name"} is not allowed: queries are read-only, and only the PRAGMAs that read the catalogue are (${[...ALLOWED_PRAGMAS].join(", ")})`,
      at,
    );
  }
  const form = PRAGMA_FORM.exec(statement);
  if (!form) {
    throw new QueryRejectedError("not_read_only", `This form of PRAGMA ${name} is not allowed: write PRAGMA ${name} or PRAGMA ${name}('argument')`, at);
  }
  const argument = form[2];
  if (argument !== undefined && name === "table_info") {
    const target = argument.startsWith("'") ? argument.slice(1, -1).replace(/''/g, "'") : argument;
    const offset = start + form[0].indexOf(argument, form[0].indexOf("("));
    checkTableTarget(parseQualifiedName(target), target, offset, sql, references);
  }
}

// ---------------------------------------------------------------------------------------------------
// json_serialize_sql: DuckDB's parser without binding.

type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
type JsonObject = { [key: string]: JsonValue };

type Serialized =
  | { kind: "select"; statements: JsonValue[] }
  | { kind: "not_select" }
  | { kind: "error"; message: string; position?: number; subtype?: string };

async function serialize(connection: DuckDBConnection, text: string): Promise<Serialized> {
  const reader = await connection.runAndReadAll("SELECT json_serialize_sql($1::VARCHAR)", [text]);
  const cell = reader.getRows()[0]?.[0];
  if (typeof cell !== "string") throw new Error("json_serialize_sql returned no text");
  const result = JSON.parse(cell) as JsonObject;
  if (result.error === true) {
    const message = typeof result.error_message === "string" ? result.error_message : "The query could not be parsed";
    // The parser accepted the text but it is not a SELECT (an EXPLAIN, a PRAGMA, a COPY…).
    if (result.error_type === "not implemented" && message.startsWith("Only SELECT statements")) return { kind: "not_select" };
    const position = Number(typeof result.position === "string" ? result.position : Number.NaN);
    const error: Serialized = { kind: "error", message };
    if (Number.isInteger(position)) error.position = position;
    if (typeof result.error_subtype === "string") error.subtype = result.error_subtype;
    return error;
  }
  return { kind: "select", statements: Array.isArray(result.statements) ? result.statements : [] };
}

function syntaxError(error: Extract<Serialized, { kind: "error" }>, text: string, textStart: number, sql: string): QueryRejectedError {
  const position =
    error.position === undefined ? undefined : charPosition(sql, textStart + jsOffsetOf(text, error.position, duckDbOffsetUnit("Parser", error.subtype)));
  return new QueryRejectedError("syntax_error", error.message, position);
}

// ---------------------------------------------------------------------------------------------------
// The parse tree, walked generically: every object and array, whatever its node type.

interface TableReference {
  schema: string | null;
  name: string;
  /** JS offset into the user's text, for ordering. */
  offset: number;
}

interface Violation {
  message: string;
  /** JS offset into the user's text, when DuckDB gives a location. */
  offset?: number;
}

function vetTree(parsed: Extract<Serialized, { kind: "select" }>, text: string, textStart: number, sql: string, references: TableReference[]): void {
  if (parsed.statements.length !== 1) {
    throw new QueryRejectedError("multiple_statements", `The query holds ${parsed.statements.length} statements: send one statement at a time`, charPosition(sql, textStart));
  }
  const violations: Violation[] = [];
  const toJsOffset = jsOffsetMapper(text, "byte");
  const offsetOf = (node: JsonObject): number | undefined => {
    const location = node.query_location;
    // DuckDB writes "no location" as 2^64 - 1.
    if (typeof location !== "number" || !Number.isSafeInteger(location) || location < 0) return undefined;
    return textStart + toJsOffset(location);
  };

  const visit = (node: JsonValue, ctes: ReadonlySet<string>, isTableFunction = false): void => {
    if (Array.isArray(node)) {
      for (const item of node) visit(item, ctes);
      return;
    }
    if (node === null || typeof node !== "object") return;

    let scope = ctes;
    const cteEntries = cteEntriesOf(node);
    if (cteEntries.length > 0) {
      // Each CTE body sees the CTEs before it (and itself when recursive); the query sees them all.
      const visible = new Set(ctes);
      for (const { name, body } of cteEntries) {
        const bodyScope = new Set(visible);
        if (isRecursive(body)) bodyScope.add(name);
        visit(body, bodyScope);
        visible.add(name);
      }
      scope = visible;
    }

    if (node.type === "BASE_TABLE") visitBaseTable(node, scope);
    if (node.type === "TABLE_FUNCTION") visitTableFunction(node);
    if (!isTableFunction && typeof node.function_name === "string") visitScalarFunction(node);

    for (const [key, value] of Object.entries(node)) {
      if (key === "cte_map") continue;
      visit(value, scope, key === "function" && node.type === "TABLE_FUNCTION");
    }
  };

  const visitBaseTable = (node: JsonObject, ctes: ReadonlySet<string>): void => {
    const catalog = stringOf(node.catalog_name);
    const schema = stringOf(node.schema_name);
    const name = stringOf(node.table_name);
    const offset = offsetOf(node);
    if (catalog === "" && schema === "" && ctes.has(name.toLowerCase())) return;
    const pathLike = [catalog, schema, name].find(looksLikePath);
    if (pathLike !== undefined) {
      violations.push({ message: pathMessage(pathLike), offset });
      return;
    }
    references.push({ schema: schema === "" ? null : schema.toLowerCase(), name: name.toLowerCase(), offset: offset ?? Number.MAX_SAFE_INTEGER });
  };

  const visitTableFunction = (node: JsonObject): void => {
    const fn = node.function;
    const offset = offsetOf(node);
    if (fn === null || typeof fn !== "object" || Array.isArray(fn) || typeof fn.function_name !== "string") {
      violations.push({ message: `This table function call is not allowed: ${READS_ONLY_DATASETS}`, offset });
      return;
    }
    const name = fn.function_name.toLowerCase();
    if (!ALLOWED_TABLE_FUNCTIONS.has(name)) {
      violations.push({ message: tableFunctionMessage(name), offset: offsetOf(fn) ?? offset });
      return;
    }
    if (TABLE_TARGET_FUNCTIONS.has(name)) {
      const [argument] = Array.isArray(fn.children) ? fn.children : [];
      const value = constantString(argument);
      if (value === undefined) {
        violations.push({ message: `${name} takes the name of a table as a string literal`, offset: offsetOf(fn) ?? offset });
        return;
      }
      const argumentOffset = (argument && typeof argument === "object" && !Array.isArray(argument) ? offsetOf(argument) : undefined) ?? offset ?? textStart;
      const target = parseQualifiedName(value);
      const pathPart = [target.schema ?? "", target.name].find(looksLikePath);
      if (pathPart !== undefined) {
        violations.push({ message: pathMessage(value), offset: argumentOffset });
        return;
      }
      references.push({ schema: target.schema, name: target.name, offset: argumentOffset });
    }
  };

  const visitScalarFunction = (node: JsonObject): void => {
    const name = stringOf(node.function_name).toLowerCase();
    const reason = REFUSED_SCALAR_FUNCTIONS.get(name) ?? (name.startsWith("read_") ? "it reads files" : undefined);
    if (reason !== undefined) violations.push({ message: `${name} is not allowed: ${reason}`, offset: offsetOf(node) });
  };

  visit(parsed.statements[0]!, new Set());

  if (violations.length > 0) {
    const firstViolation = violations.reduce((best, violation) =>
      (violation.offset ?? Number.MAX_SAFE_INTEGER) < (best.offset ?? Number.MAX_SAFE_INTEGER) ? violation : best,
    );
    throw new QueryRejectedError(
      "function_not_allowed",
      firstViolation.message,
      charPosition(sql, firstViolation.offset ?? textStart),
    );
  }
}

function cteEntriesOf(node: JsonObject): Array<{ name: string; body: JsonValue }> {
  const cteMap = node.cte_map;
  if (cteMap === null || typeof cteMap !== "object" || Array.isArray(cteMap) || !Array.isArray(cteMap.map)) return [];
  const entries: Array<{ name: string; body: JsonValue }> = [];
  for (const entry of cteMap.map) {
    if (entry === null || typeof entry !== "object" || Array.isArray(entry) || typeof entry.key !== "string") continue;
    entries.push({ name: entry.key.toLowerCase(), body: entry.value ?? null });
  }
  return entries;
}

function isRecursive(body: JsonValue): boolean {
  if (body === null || typeof body !== "object" || Array.isArray(body)) return false;
  const query = body.query;
  if (query === null || typeof query !== "object" || Array.isArray(query)) return false;
  const node = query.node;
  return node !== null && typeof node === "object" && !Array.isArray(node) && node.type === "RECURSIVE_CTE_NODE";
}

function constantString(node: JsonValue | undefined): string | undefined {
  if (node === undefined || node === null || typeof node !== "object" || Array.isArray(node) || node.class !== "CONSTANT") return undefined;
  const value = node.value;
  if (value === null || typeof value !== "object" || Array.isArray(value)) return undefined;
  return typeof value.value === "string" ? value.value : undefined;
}

function stringOf(value: JsonValue | undefined): string {
  return typeof value === "string" ? value : "";
}

/**
 * A table name DuckDB would hand to a replacement scan (read_csv, read_parquet, read_json… by file
 * extension) or check on disk: anything with a path separator, a dot, a scheme colon or a glob.
 */
function looksLikePath(name: string): boolean {
  return /[./\\:*?~]/.test(name);
}

function pathMessage(name: string): string {
  return `'${name}' is not allowed: a table name with '/', '.' or ':' in it is read as a file or URL, and ${READS_ONLY_DATASETS}`;
}

const FILE_READER = /^(read_|parquet_|sniff_|iceberg_|delta_|glob$|query$|query_table$|sqlite_|postgres_|mysql_|st_read|arrow_|json_execute)/;

function tableFunctionMessage(name: string): string {
  if (FILE_READER.test(name)) return `${name} is not allowed: ${READS_ONLY_DATASETS}`;
  return `${name} is not allowed: ${READS_ONLY_DATASETS}, and the only table functions it may call are ${[...ALLOWED_TABLE_FUNCTIONS].join(", ")}`;
}

/** `schema.table`, with double-quoted parts, as written in a string argument; a catalog prefix is dropped. */
function parseQualifiedName(text: string): { schema: string | null; name: string } {
  const parts: string[] = [];
  let current = "";
  let quoted = false;
  for (let index = 0; index < text.length; index += 1) {
    const char = text[index]!;
    if (char === '"') {
      if (quoted && text[index + 1] === '"') {
        current += '"';
        index += 1;
      } else {
        quoted = !quoted;
      }
    } else if (char === "." && !quoted) {
      parts.push(current);
      current = "";
    } else {
      current += char;
    }
  }
  parts.push(current);
  const name = parts[parts.length - 1]!.toLowerCase();
  const schema = parts.length >= 2 ? parts[parts.length - 2]!.toLowerCase() : null;
  return { schema, name };
}

function checkTableTarget(target: { schema: string | null; name: string }, written: string, offset: number, sql: string, references: TableReference[]): void {
  if ([target.schema ?? "", target.name].some(looksLikePath)) {
    throw new QueryRejectedError("function_not_allowed", pathMessage(written), charPosition(sql, offset));
  }
  references.push({ ...target, offset });
}

function dedupe(references: TableReference[]): Array<{ schema: string | null; name: string }> {
  const seen = new Set<string>();
  const result: Array<{ schema: string | null; name: string }> = [];
  for (const reference of [...references].sort((a, b) => a.offset - b.offset)) {
    const key = `${reference.schema ?? ""}\u0000${reference.name}`;
    if (seen.has(key)) continue;
    seen.add(key);
    result.push({ schema: reference.schema, name: reference.name });
  }
  return result;
}

// ---------------------------------------------------------------------------------------------------
// Binding, once the statement is known to be harmless to bind.

const NOT_THE_QUERYS_FAULT: ReadonlySet<string> = new Set(["Interrupt", "Out of Memory", "Fatal", "Internal", "Connection", "Unknown"]);

async function prepareAndCheck(connection: DuckDBConnection, statement: string, kind: GuardedStatementKind, start: number, sql: string): Promise<DuckDBPreparedStatement> {
  // Loaded here rather than at the top so that importing the guard does not load DuckDB's native library.
  const { StatementType } = await import("@duckdb/node-api");
  const duckDbError = (error: unknown): unknown => {
    const info = parseDuckDbError(error, statement);
    // Not the query's fault (a timeout's interrupt, memory, a broken connection): the caller's to handle.
    if (NOT_THE_QUERYS_FAULT.has(info.type)) return error;
    const position = info.offset === undefined ? undefined : charPosition(sql, start + jsOffsetOf(statement, info.offset, info.offsetUnit ?? "byte"));
    return new QueryRejectedError(codeForDuckDbError(info.type), info.message, position);
  };

  let extracted;
  try {
    extracted = await connection.extractStatements(statement);
  } catch (error) {
    throw duckDbError(error);
  }
  if (extracted.count !== 1) {
    throw new QueryRejectedError("multiple_statements", `The query holds ${extracted.count} statements: send one statement at a time`, charPosition(sql, start));
  }
  let prepared;
  try {
    prepared = await extracted.prepare(0);
  } catch (error) {
    throw duckDbError(error);
  }
  const expected = kind === "explain" ? StatementType.EXPLAIN : StatementType.SELECT;
  if (prepared.statementType !== expected) {
    const actual = StatementType[prepared.statementType] ?? String(prepared.statementType);
    prepared.destroySync();
    throw new QueryRejectedError("not_read_only", `${actual.replace(/_/g, " ")} is not allowed: queries are read-only`, charPosition(sql, start));
  }
  return prepared;
}
