import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import { codeForDuckDbError, jsOffsetMapper, jsOffsetOf, parseDuckDbError, positionOf } from "../src/query/duckdb-errors.js";
import { guardQuery, QueryRejectedError, type GuardedStatement } from "../src/query/sql-guard.js";

/**
 * The SQL guard against a real in-memory DuckDB shaped like a workspace sandbox: a `github` schema of
 * views, and one unqualified view. Everything runs with the connection's errors_as_json off and on,
 * since DuckDB words its errors differently in the two.
 */
let instance: DuckDBInstance;
let directory: string;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), "tributary-sql-guard-"));
  // As a sandbox should be: nothing fetched or loaded behind the guard's back.
  instance = await DuckDBInstance.create(":memory:", { autoinstall_known_extensions: "false", autoload_known_extensions: "false" });
  const setup = await instance.connect();
  try {
    await setup.run(`
      CREATE SCHEMA github;
      CREATE VIEW github.issues AS
        SELECT id, CASE WHEN id % 2 = 0 THEN 'open' ELSE 'closed' END AS state, 'Issue ' || id AS title FROM range(10) t(id);
      CREATE VIEW github.pull_requests AS SELECT id AS number, id % 5 AS issue_id FROM range(4) t(id);
      CREATE VIEW labels AS SELECT 'bug' AS name;
    `);
  } finally {
    setup.closeSync();
  }
});

afterAll(async () => {
  instance.closeSync();
  await rm(directory, { recursive: true, force: true });
});

async function rejection(connection: DuckDBConnection, sql: string): Promise<QueryRejectedError> {
  let accepted: GuardedStatement;
  try {
    accepted = await guardQuery(connection, sql);
  } catch (error) {
    if (error instanceof QueryRejectedError) return error;
    throw error;
  }
  throw new Error(`The guard accepted ${JSON.stringify(sql)}: ${JSON.stringify(accepted)}`);
}

const issues = { schema: "github", name: "issues" };
const pullRequests = { schema: "github", name: "pull_requests" };

describe.each([{ errorsAsJson: false }, { errorsAsJson: true }])("guardQuery with errors_as_json = $errorsAsJson", ({ errorsAsJson }) => {
  let connection: DuckDBConnection;

  beforeAll(async () => {
    connection = await instance.connect();
    await connection.run(`SET errors_as_json = ${errorsAsJson}`);
  });

  afterAll(() => connection.closeSync());

  describe("accepts read-only queries", () => {
    const cases: Array<{ sql: string; kind?: "select" | "explain"; tables: GuardedStatement["referencedTables"]; statement?: string }> = [
      { sql: "SELECT 1", tables: [] },
      { sql: "SELECT id, id * 2 AS double FROM github.issues WHERE id > 3 ORDER BY id DESC LIMIT 2", tables: [issues] },
      { sql: "WITH open_issues AS (SELECT * FROM github.issues WHERE state = 'open') SELECT count(*) FROM open_issues", tables: [issues] },
      { sql: "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3) SELECT * FROM n", tables: [] },
      {
        sql: "SELECT i.id, p.number FROM github.issues i JOIN github.pull_requests p ON p.issue_id = i.id LEFT JOIN github.issues j USING (id)",
        tables: [issues, pullRequests],
      },
      { sql: "SELECT id, row_number() OVER (ORDER BY id DESC) AS rank, sum(id) OVER w FROM github.issues WINDOW w AS (PARTITION BY state)", tables: [issues] },
      { sql: "VALUES (1, 'a'), (2, 'b')", tables: [] },
      { sql: "FROM github.issues SELECT id WHERE id < 3", tables: [issues] },
      { sql: "TABLE github.issues", tables: [issues] },
      { sql: "DESCRIBE github.issues", tables: [issues] },
      { sql: "SUMMARIZE github.issues", tables: [issues] },
      { sql: "SHOW TABLES", tables: [] },
      { sql: "SHOW ALL TABLES", tables: [] },
      {
        sql: "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'github'",
        tables: [{ schema: "information_schema", name: "columns" }],
      },
      { sql: "SELECT view_name FROM duckdb_views() WHERE schema_name = 'github'", tables: [] },
      { sql: "SELECT * FROM range(5) r, generate_series(1, 3) g, unnest([1, 2]) u", tables: [] },
      { sql: "SELECT * FROM pragma_table_info('github.issues')", tables: [issues] },
      { sql: "PRAGMA table_info('github.issues')", tables: [issues] },
      { sql: "PRAGMA version", tables: [] },
      { sql: "-- the engine\nPRAGMA version;", statement: "PRAGMA version", tables: [] },
      { sql: "PIVOT github.issues ON state IN ('open', 'closed') USING count(*)", tables: [issues] },
      { sql: "EXPLAIN SELECT * FROM github.issues WHERE id = 1", kind: "explain", tables: [issues] },
      { sql: "EXPLAIN ANALYZE SELECT count(*) FROM github.issues JOIN github.pull_requests ON issue_id = id", kind: "explain", tables: [issues, pullRequests] },
      { sql: "EXPLAIN (FORMAT json) SELECT 1", kind: "explain", tables: [] },
      { sql: "SELECT 1;", statement: "SELECT 1", tables: [] },
      {
        sql: "  -- the open ones\n  SELECT /* all */ * FROM github.issues\n  WHERE state = 'open' ; -- done\n",
        statement: "-- the open ones\n  SELECT /* all */ * FROM github.issues\n  WHERE state = 'open'",
        tables: [issues],
      },
      { sql: 'SELECT * FROM GitHub.Issues JOIN "github"."pull_requests" ON issue_id = id', tables: [issues, pullRequests] },
      { sql: "SELECT * FROM labels", tables: [{ schema: null, name: "labels" }] },
      // The CTE hides the name from the main query, not from its own body (a non-recursive CTE).
      { sql: "WITH labels AS (SELECT * FROM labels) SELECT * FROM labels", tables: [{ schema: null, name: "labels" }] },
      { sql: "WITH issues AS (SELECT 1 AS id) SELECT * FROM issues i JOIN github.issues g ON g.id = i.id", tables: [issues] },
      {
        sql: "SELECT id, (SELECT count(*) FROM github.pull_requests p WHERE p.issue_id = i.id) AS prs FROM github.issues i WHERE EXISTS (SELECT 1 FROM labels)",
        tables: [pullRequests, issues, { schema: null, name: "labels" }],
      },
      { sql: "SELECT 'select 1; copy x to ''y''' AS text, $$ ; $$ AS dollar, E'\\' ; ' AS escaped", tables: [] },
      { sql: "SELECT getvariable('x') AS unset, current_date IS NOT NULL AS today, version() IS NOT NULL AS v", tables: [] },
    ];

    it.each(cases)("$sql", async ({ sql, kind = "select", tables, statement }) => {
      const { prepared, ...guarded } = await guardQuery(connection, sql);
      expect(guarded).toEqual({ kind, sql: statement ?? sql, referencedTables: tables });
      if (!guarded.sql.startsWith("PRAGMA")) expect(sql.indexOf(guarded.sql)).toBe(sql.length - sql.trimStart().length);
      // What the guard hands on runs as is: its text, and the statement it prepared.
      await expect(connection.runAndReadAll(guarded.sql)).resolves.toBeDefined();
      await expect(prepared.runAndReadAll()).resolves.toBeDefined();
      prepared.destroySync();
    });
  });

  describe("refuses every way out of the workspace's datasets", () => {
    const cases: Array<{ sql: string; at: string; message: RegExp }> = [
      { sql: "SELECT * FROM read_csv('/etc/passwd')", at: "read_csv", message: /^read_csv is not allowed: a query reads only the workspace's datasets \(its views\)/ },
      { sql: "SELECT * FROM read_csv_auto('/etc/passwd')", at: "read_csv_auto", message: /^read_csv_auto is not allowed/ },
      { sql: "SELECT * FROM read_parquet('s3://bucket/x.parquet')", at: "read_parquet", message: /^read_parquet is not allowed/ },
      { sql: "SELECT * FROM parquet_scan('x.parquet')", at: "parquet_scan", message: /^parquet_scan is not allowed/ },
      { sql: "SELECT * FROM parquet_metadata('x.parquet')", at: "parquet_metadata", message: /^parquet_metadata is not allowed/ },
      { sql: "SELECT * FROM parquet_schema('x.parquet')", at: "parquet_schema", message: /^parquet_schema is not allowed/ },
      { sql: "FROM read_json('x.json')", at: "read_json", message: /^read_json is not allowed/ },
      { sql: "FROM read_json_auto('x.json')", at: "read_json_auto", message: /^read_json_auto is not allowed/ },
      { sql: "FROM read_ndjson('x.json')", at: "read_ndjson", message: /^read_ndjson is not allowed/ },
      { sql: "FROM read_ndjson_auto('x.json')", at: "read_ndjson_auto", message: /^read_ndjson_auto is not allowed/ },
      { sql: "FROM read_json_objects('x.json')", at: "read_json_objects", message: /^read_json_objects is not allowed/ },
      { sql: "SELECT content FROM read_text('/etc/passwd')", at: "read_text", message: /^read_text is not allowed/ },
      { sql: "SELECT content FROM read_blob('/etc/passwd')", at: "read_blob", message: /^read_blob is not allowed/ },
      { sql: "SELECT * FROM glob('/etc/*')", at: "glob", message: /^glob is not allowed/ },
      { sql: "SELECT * FROM sniff_csv('/etc/passwd')", at: "sniff_csv", message: /^sniff_csv is not allowed/ },
      { sql: "SELECT * FROM query_table('github.issues')", at: "query_table", message: /^query_table is not allowed/ },
      { sql: "SELECT * FROM query('SELECT 1')", at: "query", message: /^query is not allowed/ },
      { sql: "SELECT * FROM iceberg_scan('s3://bucket/table')", at: "iceberg_scan", message: /^iceberg_scan is not allowed/ },
      { sql: "SELECT * FROM delta_scan('s3://bucket/table')", at: "delta_scan", message: /^delta_scan is not allowed/ },
      { sql: "SELECT * FROM read_duckdb('/tmp/other.duckdb')", at: "read_duckdb", message: /^read_duckdb is not allowed/ },
      { sql: "SELECT * FROM duckdb_settings()", at: "duckdb_settings", message: /^duckdb_settings is not allowed: .* the only table functions it may call are range, generate_series/ },
      { sql: "SELECT * FROM duckdb_secrets()", at: "duckdb_secrets", message: /^duckdb_secrets is not allowed/ },
      { sql: "SELECT * FROM duckdb_databases()", at: "duckdb_databases", message: /^duckdb_databases is not allowed/ },
      { sql: "SELECT * FROM checkpoint()", at: "checkpoint", message: /^checkpoint is not allowed/ },
      { sql: "SELECT * FROM main.READ_CSV('/etc/passwd')", at: "main.READ_CSV", message: /^read_csv is not allowed/ },
      // Replacement scans: a file path where a table name goes.
      { sql: "SELECT * FROM '/etc/passwd'", at: "'/etc/passwd'", message: /^'\/etc\/passwd' is not allowed: .*read as a file or URL/ },
      { sql: "FROM 'issues.csv'", at: "'issues.csv'", message: /^'issues.csv' is not allowed/ },
      { sql: 'SELECT * FROM "issues.parquet"', at: '"issues.parquet"', message: /^'issues.parquet' is not allowed/ },
      { sql: "SELECT * FROM 'https://example.com/x.csv'", at: "'https://", message: /^'https:\/\/example.com\/x.csv' is not allowed/ },
      { sql: "DESCRIBE '/etc/passwd'", at: "'/etc/passwd'", message: /^'\/etc\/passwd' is not allowed/ },
      { sql: "SUMMARIZE 'issues.csv'", at: "'issues.csv'", message: /^'issues.csv' is not allowed/ },
      { sql: "PIVOT '/tmp/x.csv' ON a IN (1) USING count(*)", at: "'/tmp/x.csv'", message: /^'\/tmp\/x.csv' is not allowed/ },
      { sql: "SELECT * FROM pragma_table_info('/etc/passwd')", at: "'/etc/passwd'", message: /^'\/etc\/passwd' is not allowed/ },
      // Scalar functions that read the server.
      { sql: "SELECT getenv('HOME')", at: "getenv", message: /^getenv is not allowed: it reads the server's environment$/ },
      { sql: "SELECT current_setting('s3_secret_access_key')", at: "current_setting", message: /^current_setting is not allowed/ },
      { sql: "SELECT list_transform([1], x -> getenv('HOME'))", at: "getenv", message: /^getenv is not allowed/ },
      // Hidden deeper in the statement.
      { sql: "SELECT * FROM (SELECT * FROM read_csv('/etc/passwd')) t", at: "read_csv", message: /^read_csv is not allowed/ },
      { sql: "WITH secret AS (SELECT * FROM read_text('/etc/passwd')) SELECT * FROM github.issues", at: "read_text", message: /^read_text is not allowed/ },
      {
        sql: "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n, glob('/*') WHERE i < 3) SELECT * FROM n",
        at: "glob",
        message: /^glob is not allowed/,
      },
      { sql: "SELECT * FROM github.issues i, LATERAL (SELECT * FROM glob('/etc/*') WHERE i.id > 0)", at: "glob", message: /^glob is not allowed/ },
      {
        sql: "SELECT * FROM github.issues WHERE id = (SELECT count(*) FROM read_parquet('x.parquet'))",
        at: "read_parquet",
        message: /^read_parquet is not allowed/,
      },
      { sql: "SELECT title FROM github.issues UNION ALL SELECT content FROM read_text('/etc/passwd')", at: "read_text", message: /^read_text is not allowed/ },
      {
        sql: "SELECT id FROM github.issues GROUP BY id HAVING count(*) > (SELECT count(*) FROM '/etc/passwd')",
        at: "'/etc/passwd'",
        message: /^'\/etc\/passwd' is not allowed/,
      },
      { sql: "SELECT id FROM github.issues ORDER BY getenv('HOME')", at: "getenv", message: /^getenv is not allowed/ },
      { sql: "SELECT * FROM github.issues a JOIN github.issues b ON a.id = (SELECT 1 FROM read_text('x'))", at: "read_text", message: /^read_text is not allowed/ },
      { sql: "SELECT * FROM range((SELECT count(*) FROM read_text('/etc/passwd')))", at: "read_text", message: /^read_text is not allowed/ },
      { sql: "DESCRIBE SELECT * FROM read_csv('x.csv')", at: "read_csv", message: /^read_csv is not allowed/ },
      { sql: "EXPLAIN SELECT * FROM read_csv('/etc/passwd')", at: "read_csv", message: /^read_csv is not allowed/ },
      { sql: "EXPLAIN ANALYZE\nSELECT 'é', * FROM '/etc/passwd'", at: "'/etc/passwd'", message: /^'\/etc\/passwd' is not allowed/ },
      // Two escapes: the first one in the text is reported.
      { sql: "SELECT getenv('A') FROM read_csv('x')", at: "getenv", message: /^getenv is not allowed/ },
    ];

    it.each(cases)("$sql", async ({ sql, at, message }) => {
      const error = await rejection(connection, sql);
      expect(error.code).toBe("function_not_allowed");
      expect(error.message).toMatch(message);
      expect(error.position).toEqual(positionOf(sql, sql.indexOf(at), "char"));
    });
  });

  describe("refuses everything that is not a read", () => {
    const cases: Array<{ sql: string; message: RegExp; at?: string }> = [
      { sql: "COPY (SELECT * FROM github.issues) TO '/tmp/out.csv'", message: /^COPY is not allowed: queries are read-only$/ },
      { sql: "COPY github.issues FROM '/etc/passwd'", message: /^COPY is not allowed/ },
      { sql: "ATTACH '/tmp/other.duckdb' AS other", message: /^ATTACH is not allowed: a query reads only the workspace's datasets/ },
      { sql: "DETACH other", message: /^DETACH is not allowed/ },
      { sql: "INSTALL httpfs", message: /^INSTALL is not allowed/ },
      { sql: "FORCE INSTALL httpfs", message: /^FORCE INSTALL is not allowed/ },
      { sql: "LOAD httpfs", message: /^LOAD is not allowed/ },
      { sql: "SET memory_limit = '1GB'", message: /^SET is not allowed: queries cannot change the session's settings/ },
      { sql: "RESET memory_limit", message: /^RESET is not allowed/ },
      { sql: "SET VARIABLE x = 1", message: /^SET is not allowed/ },
      { sql: "PRAGMA memory_limit = '1GB'", message: /^PRAGMA memory_limit is not allowed: queries are read-only/ },
      { sql: "PRAGMA enable_profiling", message: /^PRAGMA enable_profiling is not allowed/ },
      { sql: "PRAGMA import_database('/tmp')", message: /^PRAGMA import_database is not allowed/ },
      { sql: "PRAGMA database_list", message: /^PRAGMA database_list is not allowed/ },
      { sql: "PRAGMA table_info = 'github.issues'", message: /^This form of PRAGMA table_info is not allowed/ },
      { sql: "EXPORT DATABASE '/tmp/export'", message: /^EXPORT DATABASE is not allowed/ },
      { sql: "IMPORT DATABASE '/tmp/export'", message: /^IMPORT DATABASE is not allowed/ },
      { sql: "CREATE TABLE t AS SELECT 1", message: /^CREATE TABLE is not allowed: queries are read-only$/ },
      { sql: "CREATE OR REPLACE VIEW github.issues AS SELECT 1", message: /^CREATE VIEW is not allowed/ },
      { sql: "CREATE TEMP MACRO twice(x) AS x * 2", message: /^CREATE MACRO is not allowed/ },
      { sql: "CREATE SECRET (TYPE s3, KEY_ID 'k', SECRET 's')", message: /^CREATE SECRET is not allowed/ },
      { sql: "INSERT INTO github.issues VALUES (1)", message: /^INSERT is not allowed/ },
      { sql: "UPDATE github.issues SET id = 1", message: /^UPDATE is not allowed/ },
      { sql: "DELETE FROM github.issues", message: /^DELETE is not allowed/ },
      { sql: "DROP VIEW github.issues", message: /^DROP VIEW is not allowed/ },
      { sql: "ALTER VIEW github.issues RENAME TO gone", message: /^ALTER VIEW is not allowed/ },
      { sql: "CALL pragma_version()", message: /^CALL is not allowed/ },
      { sql: "CHECKPOINT", message: /^CHECKPOINT is not allowed/ },
      { sql: "VACUUM", message: /^VACUUM is not allowed/ },
      { sql: "USE github", message: /^USE is not allowed/ },
      { sql: "PREPARE q AS SELECT 1", message: /^PREPARE is not allowed/ },
      { sql: "EXECUTE q", message: /^EXECUTE is not allowed/ },
      { sql: "BEGIN TRANSACTION", message: /^BEGIN \(transaction control\) is not allowed/ },
      { sql: "UPDATE EXTENSIONS", message: /^UPDATE EXTENSIONS is not allowed/ },
      { sql: "WITH one AS (SELECT 1 AS id) INSERT INTO github.issues SELECT * FROM one", message: /^INSERT is not allowed/, at: "INSERT" },
      { sql: "PIVOT github.issues ON state USING count(*)", message: /^PIVOT without an IN list is not allowed/ },
      { sql: "EXPLAIN COPY (SELECT 1) TO '/tmp/out.csv'", message: /^EXPLAIN COPY is not allowed: only queries may be explained/ },
      { sql: "EXPLAIN CREATE TABLE t (a INTEGER)", message: /^EXPLAIN CREATE TABLE is not allowed/ },
      { sql: "-- comment first\nDROP VIEW github.issues", message: /^DROP VIEW is not allowed/, at: "DROP" },
    ];

    it.each(cases)("$sql", async ({ sql, message, at }) => {
      const error = await rejection(connection, sql);
      expect(error.code).toBe("not_read_only");
      expect(error.message).toMatch(message);
      expect(error.position).toEqual(positionOf(sql, at === undefined ? 0 : sql.indexOf(at), "char"));
    });

    it("leaves the views in place", async () => {
      const rows = (await connection.runAndReadAll("SELECT count(*) FROM github.issues")).getRows();
      expect(rows).toEqual([[10n]]);
    });
  });

  describe("wants exactly one statement", () => {
    it.each([
      { sql: "SELECT 1; SELECT 2", second: "SELECT 2", count: 2 },
      { sql: "SELECT 1;\n;\nDROP VIEW github.issues", second: "DROP", count: 2 },
      { sql: "SELECT $$;$$; SELECT ';'; SELECT 3", second: "SELECT ';'", count: 3 },
    ])("$sql", async ({ sql, second, count }) => {
      const error = await rejection(connection, sql);
      expect(error.code).toBe("multiple_statements");
      expect(error.message).toBe(`The query holds ${count} statements: send one statement at a time`);
      expect(error.position).toEqual(positionOf(sql, sql.indexOf(second), "char"));
    });

    it.each(["", "   \n\t", "-- nothing but a comment", "/* nor this */ ;"])("refuses %j as empty", async (sql) => {
      const error = await rejection(connection, sql);
      expect(error.code).toBe("empty_query");
      expect(error.message).toBe("The query is empty: write one SELECT statement");
    });
  });

  describe("places syntax errors in the user's text", () => {
    it.each([
      { sql: "SELECT FROM FROM", at: "FROM", nth: 2, line: 1, column: 13, message: 'syntax error at or near "FROM"' },
      {
        sql: "SELECT id,\n  title\nFROM github.issues\nWHERE id = = 1",
        at: "= 1",
        nth: 1,
        line: 4,
        column: 12,
        message: 'syntax error at or near "="',
      },
      // DuckDB counts code points here, JS strings UTF-16 units: the emoji is two of them.
      { sql: "SELECT 'café', '😀'\nFROM FROM", at: "FROM", nth: 2, line: 2, column: 6, message: 'syntax error at or near "FROM"' },
      { sql: "SELECT 'é',\r\n  'unterminated", at: "'unterminated", nth: 1, line: 2, column: 3, message: "unterminated quoted string at or near \"'unterminated\"" },
      { sql: "  -- Ünïcödé comment\n  SELECT 'é' FROM github.issues WHERE", at: "", nth: 0, line: 2, column: 38, message: "syntax error at end of input" },
      { sql: "EXPLAIN SELECT 'é' FROM FROM", at: "FROM", nth: 2, line: 1, column: 25, message: 'syntax error at or near "FROM"' },
      { sql: "SELEC 1", at: "SELEC", nth: 1, line: 1, column: 1, message: 'syntax error at or near "SELEC"' },
    ])("$sql", async ({ sql, at, nth, line, column, message }) => {
      const error = await rejection(connection, sql);
      expect(error.code).toBe("syntax_error");
      expect(error.message).toBe(message);
      let offset = at === "" ? sql.length : -1;
      for (let seen = 0; seen < nth; seen += 1) offset = sql.indexOf(at, offset + 1);
      expect(error.position).toEqual({ offset, line, column });
    });

    it("refuses a NUL character, which DuckDB would read as the end of the text", async () => {
      const sql = "SELECT 1\u0000; DROP VIEW github.issues";
      const error = await rejection(connection, sql);
      expect(error.code).toBe("syntax_error");
      expect(error.position).toEqual({ offset: 8, line: 1, column: 9 });
    });
  });

  describe("reports DuckDB's binder and catalog errors with their position", () => {
    const longLine = `SELECT ${Array.from({ length: 12 }, (_, i) => `'ééé${i}' AS c${i}`).join(", ")}, nope_col, ${Array.from({ length: 12 }, (_, i) => `${i} AS d${i}`).join(", ")} FROM range(1)`;
    it.each([
      { sql: "SELECT 'é', xx FROM range(1)", at: "xx", code: "binder_error", message: 'Referenced column "xx" not found in FROM clause!\nCandidate bindings: "range"' },
      { sql: "SELECT '漢字😀', xx FROM range(1)", at: "xx", code: "binder_error", message: 'Referenced column "xx" not found in FROM clause!\nCandidate bindings: "range"' },
      { sql: "SELECT\n\t'€',\n\txx FROM range(1)", at: "xx", code: "binder_error", message: 'Referenced column "xx" not found in FROM clause!\nCandidate bindings: "range"' },
      { sql: "SELECT id,\r\n  'é'\r\nFROM github.issues\r\nWHERE zz = 1", at: "zz", code: "binder_error", message: expect.stringContaining('Referenced column "zz" not found') },
      { sql: longLine, at: "nope_col", code: "binder_error", message: expect.stringContaining('Referenced column "nope_col" not found') },
      { sql: "/* é */ SELECT * FROM github.nope", at: "github.nope", code: "catalog_error", message: expect.stringContaining("Table with name nope does not exist!") },
      { sql: "EXPLAIN SELECT 'é', xx FROM range(1)", at: "xx", code: "binder_error", message: expect.stringContaining('Referenced column "xx" not found') },
    ])("$sql", async ({ sql, at, code, message }) => {
      const error = await rejection(connection, sql);
      expect(error.code).toBe(code);
      expect(error.message).toEqual(message);
      // Only DuckDB's message: neither its JSON nor its LINE/caret rendering of the query.
      expect(error.message).not.toMatch(/LINE \d|exception_type|\^/);
      expect(error.position).toEqual(positionOf(sql, sql.indexOf(at), "char"));
    });
  });
});

describe.each([{ errorsAsJson: false }, { errorsAsJson: true }])("running the guarded statement, errors_as_json = $errorsAsJson", ({ errorsAsJson }) => {
  let connection: DuckDBConnection;

  beforeAll(async () => {
    connection = await instance.connect();
    await connection.run(`SET errors_as_json = ${errorsAsJson}`);
  });

  afterAll(() => connection.closeSync());

  it("places an error DuckDB raises while executing in the user's text", async () => {
    const sql = "\n  /* ünïcode */ SELECT 'é', 'abc'::INTEGER AS n";
    const guarded = await guardQuery(connection, sql);
    const error: unknown = await connection.runAndReadAll(guarded.sql).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    const info = parseDuckDbError(error, guarded.sql);
    expect(info).toMatchObject({ type: "Conversion", message: "Could not convert string 'abc' to INT32", offsetUnit: "byte" });
    const shift = sql.length - sql.trimStart().length;
    const offset = shift + jsOffsetOf(guarded.sql, info.offset!, info.offsetUnit!);
    expect(positionOf(sql, offset, "char")).toEqual({ offset: sql.indexOf("::"), line: 2, column: 34 });
  });
});

describe("guardQuery never lets DuckDB act on a refused statement", () => {
  let connection: DuckDBConnection;

  beforeAll(async () => {
    connection = await instance.connect();
  });

  afterAll(() => connection.closeSync());

  it("DuckDB reads IMPORT DATABASE's files while merely extracting, and exports while merely preparing", async () => {
    // The premises for refusing those by their keyword, before DuckDB sees them.
    await expect(connection.extractStatements(`IMPORT DATABASE '${join(directory, "missing")}'`)).rejects.toThrow(/Cannot open file/);
    const exported = join(directory, "exported-by-prepare");
    const extracted = await connection.extractStatements(`EXPORT DATABASE '${exported}'`);
    (await extracted.prepare(0)).destroySync();
    expect(existsSync(exported)).toBe(true);
  });

  it("refuses IMPORT DATABASE, even after another statement, without reading the directory", async () => {
    const imported = join(directory, "import-me");
    await mkdir(imported);
    await writeFile(join(imported, "schema.sql"), "CREATE TABLE imported (a INTEGER);");
    await writeFile(join(imported, "load.sql"), "");
    expect((await rejection(connection, `IMPORT DATABASE '${imported}'`)).code).toBe("not_read_only");
    expect((await rejection(connection, `SELECT 1; IMPORT DATABASE '${imported}'`)).code).toBe("multiple_statements");
    const tables = (await connection.runAndReadAll("SELECT table_name FROM duckdb_tables()")).getRows();
    expect(tables).toEqual([]);
  });

  it("creates no file for EXPORT DATABASE, COPY or ATTACH", async () => {
    const targets = { export: join(directory, "export"), copy: join(directory, "copy.csv"), attach: join(directory, "attach.duckdb") };
    for (const sql of [
      `EXPORT DATABASE '${targets.export}'`,
      `COPY (SELECT 1) TO '${targets.copy}'`,
      `EXPLAIN COPY (SELECT 1) TO '${targets.copy}'`,
      `ATTACH '${targets.attach}' AS other`,
    ]) {
      expect((await rejection(connection, sql)).code).toBe("not_read_only");
    }
    expect(Object.values(targets).filter((target) => existsSync(target))).toEqual([]);
    const databases = (await connection.runAndReadAll("SELECT database_name FROM duckdb_databases() WHERE NOT internal")).getRows();
    expect(databases).toEqual([["memory"]]);
  });

  it("does not reveal a file's contents or existence", async () => {
    const secret = join(directory, "secret.csv");
    await writeFile(secret, "password\nhunter2\n");
    for (const sql of [`SELECT * FROM '${secret}'`, `SELECT * FROM read_csv('${secret}')`, `SELECT * FROM '${join(directory, "absent.csv")}'`]) {
      const error = await rejection(connection, sql);
      expect(error.code).toBe("function_not_allowed");
      expect(error.message).not.toContain("hunter2");
    }
    const present = await rejection(connection, `SELECT * FROM '${secret}'`);
    const absent = await rejection(connection, `SELECT * FROM '${join(directory, "nope.csv")}'`);
    expect(present.message.replace(secret, "PATH")).toBe(absent.message.replace(join(directory, "nope.csv"), "PATH"));
  });
});

describe("duckdb-errors", () => {
  it("reads JSON errors, with or without a prefix", () => {
    const sql = "SELECT 'é', xx FROM range(1)";
    expect(
      parseDuckDbError(
        new Error(
          'Failed to extract statements: Parser Error: {"exception_type":"Parser","exception_message":"syntax error at or near \\"t\\"","error_subtype":"SYNTAX_ERROR","position":"13"}',
        ),
      ),
    ).toEqual({ type: "Parser", message: 'syntax error at or near "t"', subtype: "SYNTAX_ERROR", offset: 13, offsetUnit: "codepoint" });
    const binder =
      '{"exception_type":"Binder","exception_message":"Referenced column \\"xx\\" not found in FROM clause!\\nCandidate bindings: \\"range\\"","candidates":"range","position":"13","error_subtype":"COLUMN_NOT_FOUND","name":"xx"}';
    // A binder position counts bytes: 'é' is two of them.
    const info = parseDuckDbError(new Error(binder));
    expect(info).toEqual({
      type: "Binder",
      message: 'Referenced column "xx" not found in FROM clause!\nCandidate bindings: "range"',
      subtype: "COLUMN_NOT_FOUND",
      offset: 13,
      offsetUnit: "byte",
    });
    expect(positionOf(sql, info.offset!, info.offsetUnit)).toEqual({ offset: sql.indexOf("xx"), line: 1, column: 13 });
    expect(positionOf(sql, 13)).toEqual({ offset: sql.indexOf("xx"), line: 1, column: 13 });
    expect(parseDuckDbError('{"exception_type":"INTERRUPT","exception_message":"Interrupted!"}')).toEqual({ type: "Interrupt", message: "Interrupted!" });
  });

  it("reads plain errors and finds the caret's place in the query", () => {
    const sql = "SELECT 1,\n\t'漢', xx FROM range(1)";
    // As DuckDB 1.5 prints it: the caret counts render widths, a tab 0 and '漢' 2.
    const message = 'Binder Error: Referenced column "xx" not found in FROM clause!\nCandidate bindings: "range"\n\nLINE 2: \t\'漢\', xx FROM range(1)\n              ^';
    const info = parseDuckDbError(new Error(message), sql);
    expect(info).toEqual({
      type: "Binder",
      message: 'Referenced column "xx" not found in FROM clause!\nCandidate bindings: "range"',
      offset: Buffer.byteLength(sql.slice(0, sql.indexOf("xx"))),
      offsetUnit: "byte",
    });
    expect(positionOf(sql, info.offset!, info.offsetUnit)).toEqual({ offset: sql.indexOf("xx"), line: 2, column: 7 });
    // Without the query there is nothing to match the printed line against.
    expect(parseDuckDbError(new Error(message)).offset).toBeUndefined();
    expect(parseDuckDbError("Out of Memory Error: could not allocate block of size 256 KiB")).toEqual({
      type: "Out of Memory",
      message: "could not allocate block of size 256 KiB",
    });
    expect(parseDuckDbError("INTERRUPT Error: Interrupted!")).toEqual({ type: "Interrupt", message: "Interrupted!" });
    expect(parseDuckDbError(new Error("Error in native callback"))).toEqual({ type: "Unknown", message: "Error in native callback" });
    expect(parseDuckDbError(42)).toEqual({ type: "Unknown", message: "42" });
  });

  it("converts DuckDB's byte and code point offsets into JS string offsets", () => {
    const text = "é😀x";
    expect(jsOffsetOf(text, 2, "byte")).toBe(1);
    expect(jsOffsetOf(text, 6, "byte")).toBe(3);
    expect(jsOffsetOf(text, 2, "codepoint")).toBe(3);
    expect(jsOffsetOf(text, 99, "byte")).toBe(text.length);
    for (const unit of ["byte", "codepoint"] as const) {
      const mapped = jsOffsetMapper(text, unit);
      for (let offset = 0; offset <= 8; offset += 1) expect(mapped(offset)).toBe(jsOffsetOf(text, offset, unit));
    }
  });

  it("gives 1-based lines and columns, whatever the line ends", () => {
    const sql = "a\nbc\r\nd\re";
    expect(positionOf(sql, 0)).toEqual({ offset: 0, line: 1, column: 1 });
    expect(positionOf(sql, 3)).toEqual({ offset: 3, line: 2, column: 2 });
    expect(positionOf(sql, 6)).toEqual({ offset: 6, line: 3, column: 1 });
    expect(positionOf(sql, 8)).toEqual({ offset: 8, line: 4, column: 1 });
    expect(positionOf(sql, 99)).toEqual({ offset: sql.length, line: 4, column: 2 });
  });

  it("counts the offset as bytes unless told otherwise", () => {
    const sql = "SELECT '😀',\n xx";
    const xx = sql.indexOf("xx");
    expect(positionOf(sql, Buffer.byteLength(sql.slice(0, xx)))).toEqual({ offset: xx, line: 2, column: 2 });
    expect(positionOf(sql, [...sql.slice(0, xx)].length, "codepoint")).toEqual({ offset: xx, line: 2, column: 2 });
    expect(positionOf(sql, xx, "char")).toEqual({ offset: xx, line: 2, column: 2 });
  });

  it("maps exception types to error codes", () => {
    expect(["Parser", "Binder", "Catalog", "Conversion", "Out of Memory", "INTERRUPT", "Permission", "Invalid Input"].map(codeForDuckDbError)).toEqual([
      "syntax_error",
      "binder_error",
      "catalog_error",
      "conversion_error",
      "out_of_memory",
      "interrupted",
      "permission_denied",
      "invalid_input_error",
    ]);
  });
});
