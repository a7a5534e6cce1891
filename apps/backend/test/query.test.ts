import { request as httpRequest, type IncomingMessage } from "node:http";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DuckDBInstance } from "@duckdb/node-api";
import { signUp, startBackend, type JsonBody, type RunningBackend, type TestUser } from "./support/backend-harness.js";
import { startConnectWithSimulators, type ConnectWithSimulators } from "./support/connect-harness.js";
import { createGithubSource, pollUntil, runsBackendEnv, runUntilFinished, smallGithubDataset, startReplica } from "./support/runs-connect-harness.js";

/**
 * SQL over the mirror end to end: real connect ingests the GitHub simulator's dataset into the local
 * object store through the backend's runs, then queries go through the backend's HTTP API into the
 * workspace's locked-down DuckDB, and answers are compared with the simulator's ground truth.
 */
let harness: ConnectWithSimulators;
let backend: RunningBackend;
let alice: TestUser;
let viewer: TestUser;
let bob: TestUser;
let workspaceA: string;
let workspaceB: string;
let sourceA: string;
let sourceB: string;
let firstRepository: string;

const maxRows = 1000;
const maxExportRows = 40;
const truth = (stream: string) => harness.github.dataset!.groundTruth(stream) as Array<Record<string, unknown>>;
const query = (user: TestUser, workspaceId: string, body: Record<string, unknown>) => user.call(`/api/workspaces/${workspaceId}/query`, { body });

async function syncAndWait(user: TestUser, workspaceId: string, dataSourceId: string): Promise<void> {
  const queued = await user.call(`/api/workspaces/${workspaceId}/data-sources/${dataSourceId}/runs`, { body: {} });
  expect(queued.status, JSON.stringify(queued.body)).toBe(202);
  const run = await runUntilFinished(user, workspaceId, queued.body.id as string, 60_000);
  expect(run.status, JSON.stringify(run.error)).toBe("succeeded");
}

/** A raw POST over node:http, to read non-JSON bodies and HTTP trailers (fetch does not expose trailers). */
function rawQuery(user: TestUser, workspaceId: string, body: Record<string, unknown>): Promise<{ status: number; headers: Record<string, unknown>; trailers: Record<string, string | undefined>; bytes: Buffer }> {
  const url = new URL(`${backend.url}/api/workspaces/${workspaceId}/query`);
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      url,
      { method: "POST", headers: { cookie: user.cookie, origin: backend.url, "content-type": "application/json" } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("error", reject);
        response.on("end", () => resolve({ status: response.statusCode ?? 0, headers: response.headers, trailers: response.trailers, bytes: Buffer.concat(chunks) }));
      },
    );
    request.on("error", reject);
    request.end(JSON.stringify(body));
  });
}

beforeAll(async () => {
  harness = await startConnectWithSimulators({ github: { dataset: smallGithubDataset } });
  backend = await startBackend({
    ...harness.env,
    ...runsBackendEnv,
    QUERY_MAX_ROWS: String(maxRows),
    QUERY_MAX_EXPORT_ROWS: String(maxExportRows),
    QUERY_CONCURRENCY_PER_USER: "1",
    QUERY_TIMEOUT_SECONDS: "5",
    QUERY_MEMORY_LIMIT: "256MB",
  });
  [alice, viewer, bob] = [await signUp(backend, "alice"), await signUp(backend, "vera"), await signUp(backend, "bob")];
  workspaceA = (await alice.call("/api/workspaces", { body: { name: "A" } })).body.id;
  workspaceB = (await bob.call("/api/workspaces", { body: { name: "B" } })).body.id;
  const invitation = await alice.call(`/api/workspaces/${workspaceA}/invitations`, { body: { email: viewer.email, role: "viewer" } });
  expect((await viewer.call("/api/invitations/accept", { body: { token: invitation.body.token } })).status).toBe(200);

  sourceA = (await createGithubSource(alice, workspaceA, harness.github)).id;
  // Workspace B mirrors one repository only: the same SQL names, other data.
  firstRepository = `tributary-demo/${(truth("repositories")[0] as { name: string }).name}`;
  sourceB = (await createGithubSource(bob, workspaceB, { credentials: harness.github.credentials, config: { api_base_url: harness.github.url, repositories: [firstRepository] } })).id;
  await syncAndWait(alice, workspaceA, sourceA);
  await syncAndWait(bob, workspaceB, sourceB);
  await pollUntil(
    () => alice.call(`/api/workspaces/${workspaceA}/data-sources/${sourceA}/catalogue`),
    (answer) => answer.status === 200 && answer.body.built_at !== null,
    "workspace A's catalogue",
  );
}, 180_000);

afterAll(async () => {
  await backend?.close();
  await harness?.close();
}, 60_000);

describe("views of the mirror", () => {
  it("names each data source in SQL after its connector, and shows it on the data source", async () => {
    const source = await alice.call(`/api/workspaces/${workspaceA}/data-sources/${sourceA}`);
    expect(source.body.sql_name).toBe("github");
    const second = await alice.call(`/api/workspaces/${workspaceA}/data-sources`, {
      body: { connector: "github", name: "Second", credentials: harness.github.credentials, config: harness.github.config },
    });
    expect(second.status).toBe(201);
    expect(second.body.sql_name).toBe("github_2");
    const clash = await alice.call(`/api/workspaces/${workspaceA}/data-sources/${second.body.id}`, { method: "PATCH", body: { sql_name: "github" } });
    expect(clash.status).toBe(409);
    expect(clash.body.error.field).toBe("sql_name");
    const reserved = await alice.call(`/api/workspaces/${workspaceA}/data-sources/${second.body.id}`, { method: "PATCH", body: { sql_name: "entities" } });
    expect(reserved.status).toBe(400);
    expect(reserved.body.error.field).toBe("sql_name");
    expect((await alice.call(`/api/workspaces/${workspaceA}/data-sources/${second.body.id}`, { method: "DELETE" })).status).toBe(204);
  });

  it("answers exact rows and typed columns, one row per issue, as the simulator holds them", async () => {
    const issues = truth("issues");
    const answer = await query(alice, workspaceA, { sql: "SELECT id, number, title, state, created_at FROM github.issues ORDER BY id" });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(answer.body.columns).toEqual([
      { name: "id", type: "BIGINT" },
      { name: "number", type: "BIGINT" },
      { name: "title", type: "VARCHAR" },
      { name: "state", type: "VARCHAR" },
      { name: "created_at", type: "TIMESTAMP WITH TIME ZONE" },
    ]);
    const expected = [...issues].sort((a, b) => Number(a.id) - Number(b.id));
    expect(answer.body.row_count).toBe(expected.length);
    expect(answer.body.truncated).toBe(false);
    expect(answer.body.rows.map((row: unknown[]) => row.slice(0, 4))).toEqual(expected.map((issue) => [issue.id, issue.number, issue.title, issue.state]));
    expect(answer.headers.get("x-tributary-query-id")).toBe(answer.body.query_id);
  });

  it("binds positional and named parameters, never splicing them into the SQL", async () => {
    const open = truth("issues").filter((issue) => issue.state === "open").length;
    const positional = await query(alice, workspaceA, { sql: "SELECT count(*) AS n FROM github.issues WHERE state = $1", params: ["open"] });
    expect(positional.body.rows).toEqual([[open]]);
    const named = await query(alice, workspaceA, { sql: "SELECT count(*) AS n FROM github.issues WHERE state = $state", params: { state: "open" } });
    expect(named.body.rows).toEqual([[open]]);
    const injection = await query(alice, workspaceA, { sql: "SELECT count(*) AS n FROM github.issues WHERE state = $1", params: ["open' OR '1'='1"] });
    expect(injection.body.rows).toEqual([[0]]);
    const missing = await query(alice, workspaceA, { sql: "SELECT count(*) FROM github.issues WHERE state = $1" });
    expect(missing.status).toBe(400);
    expect(missing.body.error.code).toBe("invalid_query");
  });

  it("supports joins, group-bys and window functions across streams", async () => {
    const comments = truth("issue_comments");
    const answer = await query(alice, workspaceA, {
      sql: `WITH per_issue AS (
              SELECT i.id, count(c.id) AS comments
              FROM github.issues i LEFT JOIN github.issue_comments c ON c.issue_url = i.url
              GROUP BY i.id
            )
            SELECT sum(comments) AS total, max(rank) AS ranks
            FROM (SELECT comments, dense_rank() OVER (ORDER BY comments DESC) AS rank FROM per_issue)`,
    });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    const issueUrls = new Set(truth("issues").map((issue) => issue.url));
    expect(answer.body.rows[0][0]).toBe(comments.filter((comment) => issueUrls.has(comment.issue_url)).length);
  });

  it("lists schemas, views and columns; DESCRIBE, SUMMARIZE, SHOW and information_schema work", async () => {
    const listing = await alice.call(`/api/workspaces/${workspaceA}/query/schema`);
    expect(listing.status).toBe(200);
    const github = listing.body.schemas.find((schema: JsonBody) => schema.name === "github");
    expect(github.data_source_id).toBe(sourceA);
    const issues = github.tables.find((table: JsonBody) => table.name === "issues");
    expect(issues).toMatchObject({ kind: "stream", stored_rows: truth("issues").length });
    expect(issues.columns).toContainEqual({ name: "title", type: "VARCHAR" });
    expect(github.tables.some((table: JsonBody) => table.kind === "entity" && table.name === "entity_work_items")).toBe(true);
    expect(listing.body.schemas.find((schema: JsonBody) => schema.name === "entities").tables.map((table: JsonBody) => table.name)).toContain("work_items");

    const describe = await query(alice, workspaceA, { sql: "DESCRIBE github.issues" });
    expect(describe.status, JSON.stringify(describe.body)).toBe(200);
    expect(describe.body.rows.map((row: unknown[]) => row[0])).toEqual(issues.columns.map((column: JsonBody) => column.name));
    const summarize = await query(alice, workspaceA, { sql: "SUMMARIZE github.issues" });
    expect(summarize.status, JSON.stringify(summarize.body)).toBe(200);
    expect(summarize.body.row_count).toBe(issues.columns.length);
    const shown = await query(alice, workspaceA, { sql: "SHOW ALL TABLES" });
    expect(shown.status, JSON.stringify(shown.body)).toBe(200);
    const tables = await query(alice, workspaceA, {
      sql: "SELECT table_schema, table_name FROM information_schema.tables WHERE table_schema <> 'main' ORDER BY 1, 2",
    });
    expect(tables.body.rows).toContainEqual(["github", "issues"]);
    expect(tables.body.rows).toContainEqual(["entities", "work_items"]);
  });

  it("serves the shared-entity views across data sources", async () => {
    const issues = truth("issues").length;
    const answer = await query(alice, workspaceA, {
      sql: "SELECT data_source, source_stream, count(*) FROM entities.work_items GROUP BY ALL ORDER BY source_stream",
    });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(answer.body.rows).toContainEqual(["github", "issues", issues]);
    const direct = await query(alice, workspaceA, { sql: "SELECT count(*) FROM github.entity_work_items WHERE source_stream = 'issues'" });
    expect(direct.body.rows).toEqual([[issues]]);
  });

  it("EXPLAIN answers the plan, by flag or by statement", async () => {
    const flagged = await query(alice, workspaceA, { sql: "SELECT count(*) FROM github.issues", explain: true });
    expect(flagged.status, JSON.stringify(flagged.body)).toBe(200);
    expect(flagged.body.columns.map((column: JsonBody) => column.name)).toEqual(["explain_key", "explain_value"]);
    const written = await query(alice, workspaceA, { sql: "EXPLAIN ANALYZE SELECT count(*) FROM github.issues" });
    expect(written.status, JSON.stringify(written.body)).toBe(200);
    expect(written.body.rows[0][0]).toBe("analyzed_plan");
  });
});

describe("limits and errors", () => {
  it("caps a JSON answer at its limit and says it was cut; a limit above QUERY_MAX_ROWS is a 400 naming it", async () => {
    const capped = await query(alice, workspaceA, { sql: "SELECT * FROM range(5000)", limit: 3 });
    expect(capped.body).toMatchObject({ row_count: 3, truncated: true, rows: [[0], [1], [2]] });
    const defaulted = await query(alice, workspaceA, { sql: "SELECT * FROM range(5000)" });
    expect(defaulted.body).toMatchObject({ row_count: maxRows, truncated: true });
    const exact = await query(alice, workspaceA, { sql: "SELECT * FROM range(3)", limit: 3 });
    expect(exact.body).toMatchObject({ row_count: 3, truncated: false });
    const tooMany = await query(alice, workspaceA, { sql: "SELECT 1", limit: maxRows + 1 });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error.field).toBe("limit");
  });

  it("answers bad input with a 400 naming the field", async () => {
    for (const [body, field] of [
      [{}, "sql"],
      [{ sql: "   " }, "sql"],
      [{ sql: "SELECT 1", format: "xlsx" }, "format"],
      [{ sql: "SELECT 1", limit: 0 }, "limit"],
      [{ sql: "SELECT 1", params: [{ nested: true }] }, "params"],
      [{ sql: "SELECT 1", surprise: true }, "body"],
      [{ sql: "SELECT 1", explain: true, format: "parquet" }, "format"],
    ] as const) {
      const answer = await query(alice, workspaceA, body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.body.error.field, JSON.stringify(answer.body)).toBe(field);
    }
  });

  it("reports SQL errors with their line and column", async () => {
    const binder = await query(alice, workspaceA, { sql: "SELECT id,\n       nope\nFROM github.issues" });
    expect(binder.status).toBe(400);
    expect(binder.body.error).toMatchObject({ code: "invalid_query", field: "sql", position: { line: 2, column: 8 } });
    expect(binder.body.error.message).toContain("nope");
    const syntax = await query(alice, workspaceA, { sql: "  SELECT * FORM github.issues" });
    expect(syntax.status).toBe(400);
    expect(syntax.body.error.position).toMatchObject({ line: 1 });
    const missing = await query(alice, workspaceA, { sql: "SELECT * FROM github.no_such_stream" });
    expect(missing.status).toBe(400);
    expect(missing.body.error.message).toMatch(/no_such_stream/);
    const runtime = await query(alice, workspaceA, { sql: "SELECT CAST(title AS INTEGER) FROM github.issues" });
    expect(runtime.status).toBe(422);
    expect(runtime.body.error.code).toBe("query_failed");
  });

  it("stops a query at the statement timeout", async () => {
    const answer = await query(alice, workspaceA, { sql: "SELECT sum(a.range * b.range) FROM range(100000000) a, range(100000000) b" });
    expect(answer.status, JSON.stringify(answer.body)).toBe(408);
    expect(answer.body.error.code).toBe("query_timeout");
    const history = await alice.call(`/api/workspaces/${workspaceA}/query/history?limit=1`);
    expect(history.body.items[0]).toMatchObject({ status: "failed", error: { code: "query_timeout" } });
  });
});

describe("exports", () => {
  it("streams CSV with a header, and says in trailers how many rows and whether the cap cut it", async () => {
    const all = truth("issues").length;
    const csv = await rawQuery(alice, workspaceA, { sql: "SELECT number, title FROM github.issues ORDER BY number, title", format: "csv" });
    expect(csv.status).toBe(200);
    expect(csv.headers["content-type"]).toContain("text/csv");
    const lines = csv.bytes.toString("utf8").trimEnd().split("\r\n");
    expect(lines[0]).toBe("number,title");
    expect(lines.length - 1).toBe(Math.min(all, maxExportRows));
    expect(csv.trailers["x-tributary-row-count"]).toBe(String(Math.min(all, maxExportRows)));
    expect(csv.trailers["x-tributary-truncated"]).toBe(String(all > maxExportRows));

    const quoted = await rawQuery(alice, workspaceA, { sql: `SELECT 'a,b' AS x, 'say "hi"' AS y, NULL AS z, [1, 2] AS l`, format: "csv" });
    expect(quoted.bytes.toString("utf8")).toBe(`x,y,z,l\r\n"a,b","say ""hi""",,"[1,2]"\r\n`);
  });

  it("streams JSON lines, one object per row", async () => {
    const answer = await rawQuery(alice, workspaceA, { sql: "SELECT range AS n, range * 2 AS twice FROM range(5)", format: "ndjson" });
    expect(answer.headers["content-type"]).toContain("application/x-ndjson");
    const rows = answer.bytes.toString("utf8").trimEnd().split("\n").map((line) => JSON.parse(line));
    expect(rows).toEqual([0, 1, 2, 3, 4].map((n) => ({ n, twice: n * 2 })));
    const capped = await rawQuery(alice, workspaceA, { sql: "SELECT * FROM range(1000)", format: "ndjson" });
    expect(capped.bytes.toString("utf8").trimEnd().split("\n")).toHaveLength(maxExportRows);
    expect(capped.trailers["x-tributary-truncated"]).toBe("true");
  });

  it("exports Parquet that DuckDB reads back row for row", async () => {
    const answer = await rawQuery(alice, workspaceA, { sql: "SELECT id, title FROM github.issues WHERE state = $1 ORDER BY id", params: ["closed"], format: "parquet" });
    expect(answer.status, answer.bytes.toString("utf8").slice(0, 500)).toBe(200);
    expect(answer.headers["content-type"]).toBe("application/vnd.apache.parquet");
    const closed = truth("issues").filter((issue) => issue.state === "closed");
    expect(answer.headers["x-tributary-row-count"]).toBe(String(Math.min(closed.length, maxExportRows)));
    const folder = await mkdtemp(join(tmpdir(), "tributary-query-export-"));
    try {
      const file = join(folder, "export.parquet");
      await writeFile(file, answer.bytes);
      const instance = await DuckDBInstance.create(":memory:");
      const connection = await instance.connect();
      const reader = await connection.runAndReadAll(`SELECT id, title FROM read_parquet('${file}') ORDER BY id`);
      const expected = [...closed].sort((a, b) => Number(a.id) - Number(b.id)).slice(0, maxExportRows);
      expect(reader.getRowsJS()).toEqual(expected.map((issue) => [BigInt(issue.id as number), issue.title]));
      connection.closeSync();
      instance.closeSync();
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
    const capped = await rawQuery(alice, workspaceA, { sql: "SELECT * FROM range(100)", format: "parquet" });
    expect(capped.headers).toMatchObject({ "x-tributary-row-count": String(maxExportRows), "x-tributary-truncated": "true" });
  });
});

describe("sandbox", () => {
  const escapes: Array<[string, string]> = [
    ["SELECT * FROM read_csv('/etc/passwd')", "read_csv"],
    ["SELECT * FROM '/etc/passwd'", "/etc/passwd"],
    ["SELECT * FROM read_text('/etc/hostname')", "read_text"],
    ["SELECT * FROM glob('/*')", "glob"],
    ["COPY (SELECT 1) TO '/tmp/escape.csv'", "COPY"],
    ["ATTACH '/tmp/escape.db' AS escape", "ATTACH"],
    ["INSTALL httpfs", "INSTALL"],
    ["LOAD httpfs", "LOAD"],
    ["SET enable_external_access = true", "SET"],
    ["PRAGMA memory_limit = '100GB'", "PRAGMA"],
    ["EXPORT DATABASE '/tmp/escape'", "EXPORT"],
    ["CREATE TABLE escape AS SELECT 1", "CREATE"],
    ["DROP VIEW github.issues", "DROP"],
    ["SELECT 1; SELECT 2", "one statement"],
    ["SELECT * FROM github.issues WHERE id IN (SELECT * FROM read_parquet('/etc/passwd'))", "read_parquet"],
    ["WITH x AS (SELECT * FROM read_json_auto('/etc/passwd')) SELECT * FROM x", "read_json_auto"],
  ];

  it.each(escapes)("refuses %s with a clear error", async (sql, mention) => {
    const answer = await query(alice, workspaceA, { sql });
    expect(answer.status, JSON.stringify(answer.body)).toBe(400);
    expect(answer.body.error.code).toBe("invalid_query");
    expect(answer.body.error.message.toLowerCase()).toContain(mention.toLowerCase());
  });

  it("keeps workspaces apart: the same SQL names show each workspace its own data, and never the other's files", async () => {
    const inA = await query(alice, workspaceA, { sql: "SELECT count(*) FROM github.issues" });
    const inB = await query(bob, workspaceB, { sql: "SELECT count(*) FROM github.issues" });
    const all = truth("issues");
    expect(inA.body.rows).toEqual([[all.length]]);
    expect(inB.body.rows).toEqual([[all.filter((issue) => (issue.repository_url as string).endsWith(`/repos/${firstRepository}`)).length]]);
    expect(inB.body.rows[0][0]).toBeLessThan(all.length);

    // A file of workspace A, by its path on disk, from workspace B: refused whichever way it is named.
    const fileOfA = join(harness.localStorageDirectory, "tributary", workspaceA, sourceA, "issues");
    for (const sql of [`SELECT * FROM read_parquet('${fileOfA}/data/*/*.parquet')`, `SELECT * FROM '${fileOfA}/data/*/*.parquet'`]) {
      const answer = await query(bob, workspaceB, { sql });
      expect(answer.status, sql).toBe(400);
      expect(JSON.stringify(answer.body)).not.toContain("Speed up");
    }
    // Not a member: the workspace does not exist for Bob; a viewer may query.
    expect((await query(bob, workspaceA, { sql: "SELECT 1" })).status).toBe(404);
    expect((await query(viewer, workspaceA, { sql: "SELECT count(*) FROM github.issues" })).body.rows).toEqual([[all.length]]);
    expect((await bob.call(`/api/workspaces/${workspaceA}/query/schema`)).status).toBe(404);
    expect((await bob.call(`/api/workspaces/${workspaceA}/query/history`)).status).toBe(404);
  });
});

describe("snapshots", () => {
  it("a query after a sync sees the new and the changed rows", async () => {
    const change = harness.github.dataset!.applyChanges({ seed: 77, changes: { issues: { inserts: 3, updates: 2 } } });
    expect(change.applied.issues!.inserted.length).toBe(3);
    const before = await query(alice, workspaceA, { sql: "SELECT count(*) FROM github.issues" });
    await syncAndWait(alice, workspaceA, sourceA);
    const after = await query(alice, workspaceA, { sql: "SELECT count(*) FROM github.issues" });
    expect(after.body.rows).toEqual([[truth("issues").length]]);
    expect(after.body.rows[0][0]).toBe(before.body.rows[0][0] + 3);
    const titles = await query(alice, workspaceA, { sql: "SELECT id, title FROM github.issues ORDER BY id", limit: maxRows });
    expect(titles.body.rows).toEqual([...truth("issues")].sort((a, b) => Number(a.id) - Number(b.id)).map((issue) => [issue.id, issue.title]));
  });
});

describe("saved queries and history", () => {
  it("saves, lists, runs with parameters, edits and deletes queries, by role", async () => {
    const created = await alice.call(`/api/workspaces/${workspaceA}/saved-queries`, {
      body: { name: "Issues by state", description: "How many issues are in a state", sql: "SELECT count(*) AS n FROM github.issues WHERE state = $1" },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const id = created.body.id as string;
    const duplicate = await alice.call(`/api/workspaces/${workspaceA}/saved-queries`, { body: { name: "Issues by state", sql: "SELECT 1" } });
    expect(duplicate.status).toBe(409);
    expect(duplicate.body.error.field).toBe("name");
    expect((await viewer.call(`/api/workspaces/${workspaceA}/saved-queries`, { body: { name: "Mine", sql: "SELECT 1" } })).status).toBe(403);

    const listed = await viewer.call(`/api/workspaces/${workspaceA}/saved-queries`);
    expect(listed.body.items.map((item: JsonBody) => item.name)).toEqual(["Issues by state"]);
    const ran = await viewer.call(`/api/workspaces/${workspaceA}/saved-queries/${id}/run`, { body: { params: ["open"] } });
    expect(ran.status, JSON.stringify(ran.body)).toBe(200);
    expect(ran.body.rows).toEqual([[truth("issues").filter((issue) => issue.state === "open").length]]);
    expect((await viewer.call(`/api/workspaces/${workspaceA}/saved-queries/${id}`, { method: "PATCH", body: { name: "Renamed" } })).status).toBe(403);
    expect((await bob.call(`/api/workspaces/${workspaceA}/saved-queries/${id}`)).status).toBe(404);
    expect((await bob.call(`/api/workspaces/${workspaceB}/saved-queries/${id}`)).status).toBe(404);

    const edited = await alice.call(`/api/workspaces/${workspaceA}/saved-queries/${id}`, { method: "PATCH", body: { sql: "SELECT count(*) AS n FROM github.issues" } });
    expect(edited.body).toMatchObject({ name: "Issues by state", sql: "SELECT count(*) AS n FROM github.issues", updated_by: alice.id });
    expect((await alice.call(`/api/workspaces/${workspaceA}/saved-queries/${id}`, { method: "PATCH", body: {} })).status).toBe(400);

    const history = await viewer.call(`/api/workspaces/${workspaceA}/query/history`);
    expect(history.body.items[0]).toMatchObject({ saved_query_id: id, status: "succeeded", row_count: 1 });
    expect((await alice.call(`/api/workspaces/${workspaceA}/saved-queries/${id}`, { method: "DELETE" })).status).toBe(204);
    expect((await alice.call(`/api/workspaces/${workspaceA}/saved-queries/${id}`)).status).toBe(404);
  });

  it("keeps each user's history to themselves, newest first, with outcome and row count", async () => {
    await query(viewer, workspaceA, { sql: "SELECT 42 AS answer" });
    await query(viewer, workspaceA, { sql: "SELECT nope" });
    const mine = await viewer.call(`/api/workspaces/${workspaceA}/query/history?limit=2`);
    expect(mine.body.items.map((item: JsonBody) => [item.sql, item.status])).toEqual([
      ["SELECT nope", "failed"],
      ["SELECT 42 AS answer", "succeeded"],
    ]);
    expect(mine.body.items[0].error.code).toBe("invalid_query");
    expect(mine.body.next_cursor).not.toBeNull();
    const alices = await alice.call(`/api/workspaces/${workspaceA}/query/history?limit=200`);
    expect(alices.body.items.some((item: JsonBody) => item.sql === "SELECT 42 AS answer")).toBe(false);
  });
});

describe("streaming", () => {
  let replica: RunningBackend;

  beforeAll(async () => {
    // Another replica on the same databases, whose export cap allows a few million rows.
    replica = await startReplica(backend.test, { ...harness.env, ...runsBackendEnv, QUERY_MAX_EXPORT_ROWS: "10000000", QUERY_CONCURRENCY_PER_USER: "1" });
  }, 60_000);

  afterAll(async () => {
    await replica?.close();
  }, 60_000);

  /** A query to the replica over its own connection (no keep-alive pool to hold the replica open at close). */
  const post = (body: Record<string, unknown>): Promise<IncomingMessage> =>
    new Promise((resolve, reject) => {
      const request = httpRequest(
        new URL(`${replica.url}/api/workspaces/${workspaceA}/query`),
        { method: "POST", agent: false, headers: { cookie: alice.cookie, origin: replica.url, "content-type": "application/json" } },
        resolve,
      );
      request.on("error", reject);
      request.end(JSON.stringify(body));
    });

  it("streams a large export without holding it in memory", { timeout: 120_000 }, async () => {
    const samples: number[] = [];
    const baseline = process.memoryUsage().heapUsed;
    const response = await post({ sql: "SELECT range AS n, 'row number ' || range || ' of the export' AS label FROM range(2000000)", format: "ndjson" });
    expect(response.statusCode).toBe(200);
    let bytes = 0;
    let lines = 0;
    for await (const chunk of response) {
      bytes += (chunk as Buffer).byteLength;
      for (const byte of chunk as Buffer) if (byte === 10) lines += 1;
      samples.push(process.memoryUsage().heapUsed - baseline);
    }
    expect(lines).toBe(2_000_000);
    expect(bytes).toBeGreaterThan(90_000_000);
    // Over 90 MB went out; the heap (server and this client share it) never held more than a sliver.
    expect(Math.max(...samples)).toBeLessThan(40_000_000);
  });

  it("holds a query's slot while its client reads: a second query of the user is a 429; the client leaving cancels it", { timeout: 60_000 }, async () => {
    const response = await post({ sql: "SELECT range AS n, 'row number ' || range AS label FROM range(5000000)", format: "ndjson" });
    expect(response.statusCode).toBe(200);
    await new Promise<void>((resolve) => response.once("data", () => resolve()));
    response.pause();
    // The client reads no further: the export waits for it (backpressure), still running.
    const refused = await post({ sql: "SELECT 1" });
    expect(refused.statusCode).toBe(429);
    let text = "";
    for await (const chunk of refused) text += String(chunk);
    expect((JSON.parse(text) as JsonBody).error.code).toBe("rate_limited");

    response.destroy();
    const after = await pollUntil(
      () => query(alice, workspaceA, { sql: "SELECT 1 AS one" }),
      (answer) => answer.status === 200,
      "the abandoned export to be cancelled",
    );
    expect(after.body.rows).toEqual([[1]]);
    const history = await pollUntil(
      () => alice.call(`/api/workspaces/${workspaceA}/query/history?limit=10`),
      (answer) => answer.body.items.some((item: JsonBody) => item.sql.includes("range(5000000)")),
      "the abandoned export in the history",
    );
    expect(history.body.items.find((item: JsonBody) => item.sql.includes("range(5000000)"))).toMatchObject({ status: "cancelled", format: "ndjson" });
  });
});
