import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import { latestRowsSql, manifestKey, streamFolder, streamManifestSchema, type StreamLocation } from "@tributary/mirror";
import { createObjectStore, type ObjectStore } from "@tributary/object-store";
import { findConnector } from "@tributary/connectors";
import { fieldOfMappingError, syncCatalogue, type CatalogueContext } from "../src/catalogue/catalogue-service.js";
import { ConnectClient } from "../src/connect/connect-client.js";
import { openDatabases } from "../src/db/databases.js";
import { storageTargetFor } from "../src/runs/run-executor.js";
import { signUp, startBackend, type JsonBody, type RunningBackend, type TestUser } from "./support/backend-harness.js";
import { startConnectWithSimulators, type ConnectWithSimulators } from "./support/connect-harness.js";

/**
 * The catalogue end to end: real connect with the GitHub simulator behind it, a real ingestion into the
 * local object store (asked of connect directly, with the data source id as the connection id), then the
 * backend's catalogue routes over HTTP and `syncCatalogue` as the runs dispatcher calls it.
 */
let connect: ConnectWithSimulators;
let backend: RunningBackend;
let store: ObjectStore;
let alice: TestUser;
let anna: TestUser;
let victor: TestUser;
let bob: TestUser;
let workspaceA: string;
let workspaceB: string;
let github: { id: string; name: string };
let otherSource: string;
const githubStreams = findConnector("github")!.streams.map((stream) => stream.name);

/** A connect client that counts the sync calls in flight at once, to show they never overlap. */
function countingConnect(): { client: ConnectClient; most(): number } {
  let inFlight = 0;
  let most = 0;
  class CountingConnect extends ConnectClient {
    override async post<T = unknown>(path: string, body: unknown, requestId?: string, timeoutMs?: number) {
      inFlight += 1;
      most = Math.max(most, inFlight);
      try {
        return await super.post<T>(path, body, requestId, timeoutMs);
      } finally {
        inFlight -= 1;
      }
    }
  }
  return { client: new CountingConnect({ baseUrl: connect.connectUrl, serviceToken: connect.connectToken }), most: () => most };
}

beforeAll(async () => {
  connect = await startConnectWithSimulators();
  backend = await startBackend(connect.env);
  store = createObjectStore({ kind: "local", root: connect.localStorageDirectory });
  [alice, anna, victor, bob] = [await signUp(backend, "alice"), await signUp(backend, "anna"), await signUp(backend, "victor"), await signUp(backend, "bob")];
  workspaceA = (await alice.call("/api/workspaces", { body: { name: "A" } })).body.id;
  workspaceB = (await bob.call("/api/workspaces", { body: { name: "B" } })).body.id;
  for (const [member, role] of [
    [anna, "analyst"],
    [victor, "viewer"],
  ] as const) {
    const invitation = await alice.call(`/api/workspaces/${workspaceA}/invitations`, { body: { email: member.email, role } });
    expect((await member.call("/api/invitations/accept", { body: { token: invitation.body.token } })).status).toBe(200);
  }
  // Data sources are written straight to the table: the catalogue only needs the row (and its id as the connection id).
  github = { id: await insertDataSource(workspaceA, "github", "Acme GitHub", alice.id), name: "Acme GitHub" };
  otherSource = await insertDataSource(workspaceB, "github", "B's GitHub", bob.id);
  const events = await ingest(workspaceA, github.id, "run-full");
  expect(events.at(-1), "GitHub ingestion").toMatchObject({ type: "run_completed", status: "succeeded" });
  // Generous: starting the backend (its run dispatcher) takes most of it.
}, 120_000);

afterAll(async () => {
  await store?.close();
  await backend?.close();
  await connect?.close();
});

async function insertDataSource(workspaceId: string, connector: string, name: string, createdBy: string): Promise<string> {
  const id = randomUUID();
  await backend.test.databases.core
    .insertInto("data_sources")
    .values({
      id,
      workspace_id: workspaceId,
      connector,
      name,
      sql_name: `${connector}_${id.slice(0, 8)}`,
      config: "{}",
      credentials_encrypted: "not-used-by-the-catalogue",
      credentials_hint: "{}",
      streams: null,
      account: null,
      granted_scopes: null,
      validated_at: null,
      schedule_cron: null,
      next_run_at: null,
      created_by: createdBy,
    })
    .execute();
  return id;
}

/** An ingestion run through connect's own API, into the storage target the backend's runs use. */
async function ingest(workspaceId: string, dataSourceId: string, runId: string, streams?: string[]): Promise<JsonBody[]> {
  const response = await fetch(`${connect.connectUrl}/internal/ingestion-runs`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-connect-service-token": connect.connectToken },
    body: JSON.stringify({
      run_id: runId,
      connector: "github",
      credentials: connect.github.credentials,
      config: connect.github.config,
      storage: storageTargetFor(backend.config, workspaceId, dataSourceId),
      ...(streams ? { streams } : {}),
    }),
  });
  expect(response.status).toBe(200);
  return (await response.text())
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as JsonBody);
}

async function groundTruth(stream: string): Promise<Record<string, unknown>[]> {
  const response = await fetch(`${connect.github.url}/_simulator/truth/${stream}`);
  expect(response.ok).toBe(true);
  return ((await response.json()) as { records: Record<string, unknown>[] }).records;
}

const catalogueOf = (workspaceId: string, dataSourceId: string) => `/api/workspaces/${workspaceId}/data-sources/${dataSourceId}/catalogue`;
const ours = () => catalogueOf(workspaceA, github.id);

function context(connectUrl = connect.connectUrl): CatalogueContext {
  return {
    config: backend.config,
    databases: backend.test.databases,
    connect: new ConnectClient({ baseUrl: connectUrl, serviceToken: connect.connectToken }),
  };
}

function table(catalogue: JsonBody, name: string): JsonBody {
  const found = catalogue.tables.find((entry: JsonBody) => entry.name === name);
  expect(found, `table ${name}`).toBeDefined();
  return found;
}

function entity(catalogue: JsonBody, name: string): JsonBody {
  return catalogue.entities.find((entry: JsonBody) => entry.name === name);
}

function expectField(response: { status: number; body: JsonBody }, field: string, status = 400) {
  expect(response.status, JSON.stringify(response.body)).toBe(status);
  expect(response.body.error).toMatchObject({ code: "bad_request", field });
  expect(response.body.error.message).toContain(field);
}

/**
 * Runs `work` with each data source's tables (the mirror's latest rows) in its own schema, as the SQL
 * service binds them, so the views the API returns can be run.
 */
async function withMirror<T>(sources: Array<{ workspaceId: string; dataSourceId: string; schema: string; tables: string[] }>, work: (connection: DuckDBConnection) => Promise<T>) {
  const directory = await mkdtemp(join(tmpdir(), "tributary-backend-catalogue-"));
  const instance = await DuckDBInstance.create(":memory:", { threads: "1" });
  try {
    const connection = await instance.connect();
    await connection.run("SET TimeZone = 'UTC'");
    for (const source of sources) {
      await connection.run(`CREATE SCHEMA "${source.schema}"`);
      for (const name of source.tables) {
        const location: StreamLocation = { prefix: backend.config.bucketPrefix, workspaceId: source.workspaceId, connectionId: source.dataSourceId, stream: name };
        const manifest = streamManifestSchema.parse(JSON.parse(Buffer.from((await store.getBytes(manifestKey(location)))!).toString("utf8")));
        const localFiles: string[] = [];
        for (const [index, file] of manifest.files.entries()) {
          const path = join(directory, `${source.schema}-${name}-${index}.parquet`);
          await store.getToFile(`${streamFolder(location)}${file.key}`, path);
          localFiles.push(path);
        }
        if (manifest.columns.length === 0) continue;
        await connection.run(`CREATE TABLE "${source.schema}"."${name}" AS ${latestRowsSql({ localFiles, columns: manifest.columns, primaryKey: manifest.primary_key })}`);
      }
    }
    return await work(connection);
  } finally {
    instance.closeSync();
    await rm(directory, { recursive: true, force: true });
  }
}

async function scalar(connection: DuckDBConnection, query: string): Promise<number> {
  return Number((await connection.runAndReadAll(query)).getRows()[0]?.[0]);
}

describe("sync", () => {
  it("answers an empty catalogue before the first sync", async () => {
    const response = await victor.call(ours());
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      data_source: { id: github.id, name: github.name, connector: "github" },
      built_at: null,
      last_sync_error: null,
      tables: [],
      entities: [],
      mapping_edits: [],
      orphaned_edits: { tables: [], columns: [], mappings: [] },
    });
    expect(response.body.sql_schema).toMatch(/^github_[0-9a-f]{12}$/);
  });

  it("stores connect's catalogue: every stream with the exact row counts of the simulator's ground truth", async () => {
    const response = await anna.call(`${ours()}/sync`, { method: "POST" });
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    const catalogue = response.body;
    expect(Date.parse(catalogue.built_at)).toBeGreaterThan(Date.now() - 60_000);
    expect(catalogue.last_sync_error).toBeNull();
    expect(catalogue.tables.map((entry: JsonBody) => entry.name)).toEqual(githubStreams);
    for (const entry of catalogue.tables) {
      expect(entry.row_count, `${entry.name} rows`).toBe((await groundTruth(entry.name)).length);
      expect(entry.description).toBe(entry.default_description);
      expect(entry.description_edited).toBe(false);
      expect(entry.columns.length, `${entry.name} columns`).toBeGreaterThan(0);
      expect(Date.parse(entry.freshness.committed_at)).not.toBeNaN();
    }
    const issues = table(catalogue, "issues");
    expect(issues.primary_key).toEqual(["id"]);
    const title = issues.columns.find((column: JsonBody) => column.name === "title");
    expect(title).toMatchObject({ type: "VARCHAR", null_count: 0, description: null, description_edited: false, samples_withheld: false });
    expect(title.samples.length).toBeGreaterThan(0);
    const newest = Math.max(...(await groundTruth("issues")).map((issue) => Date.parse(String(issue.updated_at))));
    expect(Date.parse(issues.freshness.cursor_max)).toBe(newest);
    expect(table(catalogue, "repositories").columns.find((column: JsonBody) => column.name === "keys_url")).toMatchObject({ samples: [], samples_withheld: true });
    expect(catalogue.entities.map((entry: JsonBody) => entry.name)).toEqual(["people", "work_items", "conversations", "companies"]);
    expect(entity(catalogue, "work_items").streams).toEqual(["issues", "pull_requests"]);
    expect(entity(catalogue, "people").streams).toEqual(["users"]);
    expect(catalogue.mapping_errors).toEqual([]);

    const rows = await backend.test.databases.core.selectFrom("catalogue_tables").select("name").where("data_source_id", "=", github.id).execute();
    expect(rows).toHaveLength(githubStreams.length);
  });
});

describe("edits", () => {
  it("edits a table's and a column's description, merged into every read", async () => {
    const tableEdit = await anna.call(`${ours()}/tables/issues`, { method: "PATCH", body: { description: "  Bugs and feature requests of the Acme repositories  " } });
    expect(tableEdit.status, JSON.stringify(tableEdit.body)).toBe(200);
    expect(table(tableEdit.body, "issues")).toMatchObject({ description: "Bugs and feature requests of the Acme repositories", description_edited: true });
    expect(table(tableEdit.body, "issues").default_description).not.toBe("Bugs and feature requests of the Acme repositories");

    const columnEdit = await anna.call(`${ours()}/tables/issues/columns/title`, { method: "PATCH", body: { description: "The issue's headline" } });
    expect(columnEdit.status).toBe(200);
    const title = table(columnEdit.body, "issues").columns.find((column: JsonBody) => column.name === "title");
    expect(title).toMatchObject({ description: "The issue's headline", description_edited: true, default_description: null });

    // Edits on what will disappear below (drift): they must be kept.
    expect((await alice.call(`${ours()}/tables/users`, { method: "PATCH", body: { description: "Organization members" } })).status).toBe(200);
    expect((await alice.call(`${ours()}/tables/users/columns/login`, { method: "PATCH", body: { description: "GitHub handle" } })).status).toBe(200);
    // null goes back to the connector's description.
    expect((await alice.call(`${ours()}/tables/releases`, { method: "PATCH", body: { description: "temporary" } })).status).toBe(200);
    const reset = await alice.call(`${ours()}/tables/releases`, { method: "PATCH", body: { description: null } });
    expect(table(reset.body, "releases")).toMatchObject({ description_edited: false });
    expect(table(reset.body, "releases").description).toBe(table(reset.body, "releases").default_description);
  });

  it("edits mappings: replaces an expression and disables a stream's contribution, checked by connect and applied to the view SQL", async () => {
    const override = await anna.call(`${ours()}/entities/work_items/streams/issues`, { method: "PUT", body: { column_expressions: { title: "upper(title)" } } });
    expect(override.status, JSON.stringify(override.body)).toBe(200);
    expect(entity(override.body, "work_items").select_sql).toContain("upper(title)");
    expect(entity(override.body, "work_items").streams).toEqual(["issues", "pull_requests"]);
    expect(override.body.mapping_edits).toEqual([
      expect.objectContaining({ entity: "work_items", stream: "issues", enabled: true, column_expressions: { title: "upper(title)" }, state: "applied", error: null, updated_by: anna.id }),
    ]);

    const disabled = await anna.call(`${ours()}/entities/people/streams/users`, { method: "PUT", body: { enabled: false } });
    expect(disabled.status).toBe(200);
    expect(entity(disabled.body, "people").streams).toEqual([]);
    expect(disabled.body.mapping_edits.find((edit: JsonBody) => edit.entity === "people")).toMatchObject({ enabled: false, state: "disabled", column_expressions: {} });
    // The other edit is still applied (every edit is sent to connect on every build).
    expect(entity(disabled.body, "work_items").select_sql).toContain("upper(title)");

    // A stream the connector does not map onto an entity, mapped by the workspace: every column must be given.
    const partial = await anna.call(`${ours()}/entities/conversations/streams/commits`, { method: "PUT", body: { column_expressions: { source_id: "sha", text: "json_extract_string(\"commit\", '$.message')" } } });
    expectField(partial, "column_expressions.channel");
    expect(partial.body.error.message).toContain("does not apply");
    const full = await anna.call(`${ours()}/entities/conversations/streams/commits`, {
      method: "PUT",
      body: {
        column_expressions: {
          source_id: "sha",
          channel: "html_url",
          author: "json_extract_string(author, '$.login')",
          text: "json_extract_string(\"commit\", '$.message')",
          created_at: "json_extract_string(\"commit\", '$.committer.date')",
        },
      },
    });
    expect(full.status, JSON.stringify(full.body)).toBe(200);
    expect(entity(full.body, "conversations").streams).toEqual(["issue_comments", "pull_request_reviews", "commits"]);
  });

  it("runs the views it returns, edits applied, per data source and across the workspace", async () => {
    const catalogue = (await victor.call(ours())).body;
    const entities = (await victor.call(`/api/workspaces/${workspaceA}/catalogue/entities`)).body.entities as JsonBody[];
    const workItems = entities.find((entry) => entry.name === "work_items");
    expect(workItems.sources).toEqual([expect.objectContaining({ data_source: { id: github.id, name: github.name, connector: "github" }, sql_schema: catalogue.sql_schema })]);
    expect(workItems.select_sql).toBe(`SELECT * FROM "${catalogue.sql_schema}"."entity_work_items"`);
    const [issues, pulls, comments, reviews, commits] = await Promise.all(["issues", "pull_requests", "issue_comments", "pull_request_reviews", "commits"].map(groundTruth));
    const tables = catalogue.tables.map((entry: JsonBody) => entry.name);
    await withMirror([{ workspaceId: workspaceA, dataSourceId: github.id, schema: catalogue.sql_schema, tables }], async (connection) => {
      // Each data source's views in its schema (their unqualified names bind there), then the workspace's.
      for (const entry of catalogue.entities) await connection.run(`CREATE VIEW "${catalogue.sql_schema}"."${entry.view_name}" AS ${entry.select_sql}`);
      for (const entry of entities) await connection.run(entry.sql);
      expect(await scalar(connection, "SELECT count(*) FROM entity_work_items")).toBe(issues!.length + pulls!.length);
      expect(await scalar(connection, "SELECT count(*) FROM entity_work_items WHERE source_stream = 'issues' AND title <> upper(title)")).toBe(0);
      expect(await scalar(connection, "SELECT count(*) FROM entity_work_items WHERE source_stream = 'pull_requests' AND title <> upper(title)")).toBeGreaterThan(0);
      expect(await scalar(connection, "SELECT count(*) FROM entity_people")).toBe(0);
      expect(await scalar(connection, "SELECT count(*) FROM entity_conversations")).toBe(comments!.length + reviews!.length + commits!.length);
      expect(await scalar(connection, "SELECT count(*) FROM entity_companies")).toBe(0);
    });
  });

  it("refuses a mapping edit that does not apply, naming the field, and keeps the previous one", async () => {
    const typo = await anna.call(`${ours()}/entities/work_items/streams/issues`, { method: "PUT", body: { column_expressions: { title: "upper(titel)" } } });
    expectField(typo, "column_expressions.title");
    expect(typo.body.error.message).toContain("titel");
    const typeError = await anna.call(`${ours()}/entities/work_items/streams/issues`, { method: "PUT", body: { column_expressions: { title: "title", state: "regexp_extract(id, 'x')" } } });
    expectField(typeError, "column_expressions.state");

    const after = (await victor.call(ours())).body;
    expect(entity(after, "work_items").select_sql).toContain("upper(title)");
    expect(entity(after, "work_items").select_sql).not.toContain("titel");
    expect(after.mapping_edits.find((edit: JsonBody) => edit.entity === "work_items")).toMatchObject({ column_expressions: { title: "upper(title)" }, state: "applied" });
    expect(after.mapping_errors).toEqual([]);
  });

  it("points a mapping error at the expression DuckDB's caret is in", () => {
    const line = (sql: string, at: string) => `\n\nLINE 1: ${sql}\n${" ".repeat("LINE 1: ".length + sql.indexOf(at))}^`;
    const sqlOf = (title: string, state: string) => `SELECT CAST((${title}) AS VARCHAR) AS "title", CAST((${state}) AS VARCHAR) AS "state" FROM "issues" LIMIT 0`;
    const typo = sqlOf("upper(titel)", "state");
    expect(fieldOfMappingError(`Binder Error: Referenced column "titel" not found in FROM clause!\nCandidate bindings: "title"${line(typo, "titel")}`, { title: "upper(titel)" })).toBe("column_expressions.title");
    const types = sqlOf("title", "regexp_extract(id, 'x')");
    const typesMessage = `Binder Error: No function matches the given name and argument types 'regexp_extract(BIGINT, STRING_LITERAL)'.${line(types, "regexp_extract")}`;
    expect(fieldOfMappingError(typesMessage, { title: "title", state: "regexp_extract(id, 'x')" })).toBe("column_expressions.state");
    // The failing expression is the connector's (the edit only touched title): the whole set is named.
    expect(fieldOfMappingError(typesMessage, { title: "title" })).toBe("column_expressions");
    // Without the query excerpt: the names the first line quotes.
    expect(fieldOfMappingError('Binder Error: Referenced column "titel" not found', { title: "upper(titel)", state: "state" })).toBe("column_expressions.title");
    expect(fieldOfMappingError("Binder Error: No function matches 'regexp_extract(BIGINT)'", { title: "title", state: "regexp_extract(id)" })).toBe("column_expressions.state");
    expect(fieldOfMappingError("The mapping has no expression for column channel", { source_id: "sha" })).toBe("column_expressions.channel");
  });

  it("answers 400 naming the field for bad input", async () => {
    const put = (entityName: string, stream: string, body: unknown) => anna.call(`${ours()}/entities/${entityName}/streams/${stream}`, { method: "PUT", body });
    expectField(await put("work_items", "issues", { column_expressions: { nickname: "title" } }), "column_expressions.nickname");
    expectField(await put("work_items", "issues", { column_expressions: { source: "'x'" } }), "column_expressions.source");
    expectField(await put("work_items", "issues", { column_expressions: { title: "(SELECT max(title) FROM issues)" } }), "column_expressions.title");
    expectField(await put("work_items", "issues", { column_expressions: { title: "title) AS t, (1" } }), "column_expressions.title");
    expectField(await put("work_items", "issues", { column_expressions: { title: "title; DROP TABLE issues" } }), "column_expressions.title");
    expectField(await put("work_items", "issues", { column_expressions: { title: "" } }), "column_expressions.title");
    expectField(await put("work_items", "issues", { enabled: "yes" }), "enabled");
    expectField(await put("work_items", "issues", {}), "body");
    expectField(await put("work_items", "issues", { enabled: true, extra: 1 }), "body");
    expectField(await put("tickets", "issues", { enabled: false }), "params.entity");
    expectField(await anna.call(`/api/workspaces/${workspaceA}/data-sources/not-a-uuid/catalogue`), "params.dataSourceId");
    expectField(await anna.call(`/api/workspaces/nope/catalogue`), "params.workspaceId");
    expectField(await anna.call(`${ours()}/tables/issues`, { method: "PATCH", body: { description: 42 } }), "description");
    expectField(await anna.call(`${ours()}/tables/issues`, { method: "PATCH", body: { description: "   " } }), "description");
    expectField(await anna.call(`${ours()}/tables/issues`, { method: "PATCH", body: {} }), "description");
    expectField(await anna.call(`${ours()}/tables/issues/columns/title`, { method: "PATCH", body: { description: "x".repeat(4001) } }), "description");
    expectField(await anna.call(`/api/workspaces/${workspaceA}/catalogue?limit=0`), "querystring.limit");
    expectField(await anna.call(`/api/workspaces/${workspaceA}/catalogue?data_source_id=x`), "querystring.data_source_id");
    expectField(await anna.call(`/api/workspaces/${workspaceA}/catalogue?cursor=bm90IGEgbnVtYmVy`), "cursor");

    // Targets that are not in the catalogue: 404.
    expect((await anna.call(`${ours()}/tables/wikis`, { method: "PATCH", body: { description: "x" } })).status).toBe(404);
    expect((await anna.call(`${ours()}/tables/issues/columns/nope`, { method: "PATCH", body: { description: "x" } })).status).toBe(404);
    expect((await put("people", "wikis", { enabled: false })).status).toBe(404);
  });
});

describe("re-sync", () => {
  it("keeps every edit: syncCatalogue (as runs call it) replaces only what connect computes", async () => {
    const before = (await victor.call(ours())).body;
    const outcome = await syncCatalogue(context(), workspaceA, github.id, "test-request-id");
    expect(outcome).toMatchObject({ ok: true, tables: githubStreams.length, mapping_errors: 0 });
    const after = (await victor.call(ours())).body;
    expect(Date.parse(after.built_at)).toBeGreaterThan(Date.parse(before.built_at));
    expect(table(after, "issues")).toMatchObject({ description: "Bugs and feature requests of the Acme repositories", description_edited: true });
    expect(table(after, "issues").columns.find((column: JsonBody) => column.name === "title")).toMatchObject({ description: "The issue's headline" });
    expect(entity(after, "work_items").select_sql).toContain("upper(title)");
    expect(entity(after, "people").streams).toEqual([]);
    expect(entity(after, "conversations").streams).toContain("commits");
    expect(after.mapping_edits.map((edit: JsonBody) => `${edit.entity}/${edit.stream}:${edit.state}`)).toEqual([
      "conversations/commits:applied",
      "people/users:disabled",
      "work_items/issues:applied",
    ]);
    expect(after.tables.map((entry: JsonBody) => entry.row_count)).toEqual(before.tables.map((entry: JsonBody) => entry.row_count));
    expect(connect.connectLogs.some((line) => line.includes("test-request-id"))).toBe(true);
  });

  it("serializes concurrent syncs of one data source", async () => {
    const counting = countingConnect();
    const outcomes = await Promise.all([1, 2, 3].map(() => syncCatalogue({ ...context(), connect: counting.client }, workspaceA, github.id)));
    expect(outcomes.map((outcome) => outcome.ok)).toEqual([true, true, true]);
    expect(counting.most()).toBe(1);
    // One build after the other (in the order they got the lock), the last one stored.
    const builtAt = outcomes.map((outcome) => (outcome.ok ? outcome.built_at : "")).sort();
    expect(new Set(builtAt).size).toBe(3);
    const stored = await backend.test.databases.core.selectFrom("catalogues").select("built_at").where("data_source_id", "=", github.id).executeTakeFirstOrThrow();
    expect(stored.built_at?.toISOString()).toBe(builtAt[2]);
    expect(await backend.test.databases.core.selectFrom("catalogue_tables").select("name").where("data_source_id", "=", github.id).execute()).toHaveLength(githubStreams.length);
  });

  it("serializes them across replicas too (the PostgreSQL advisory lock; embedded PGlite is one process, whose own queue serializes)", async () => {
    // On PostgreSQL a second pool is another replica; PGlite cannot be opened twice, so there it is the same one.
    const urls = backend.test.urls;
    const replica = urls ? await openDatabases({ kind: "postgres", authUrl: urls.auth, coreUrl: urls.core, poolSize: 3 }) : backend.test.databases;
    try {
      const counting = countingConnect();
      // Two processes' worth of state: each Databases has its own in-process queue; only the database lock is shared.
      const outcomes = await Promise.all([
        syncCatalogue({ ...context(), connect: counting.client }, workspaceA, github.id),
        syncCatalogue({ config: backend.config, databases: replica, connect: counting.client }, workspaceA, github.id),
      ]);
      expect(outcomes.map((outcome) => outcome.ok)).toEqual([true, true]);
      expect(counting.most()).toBe(1);
    } finally {
      if (replica !== backend.test.databases) await replica.close();
    }
  });

  it("keeps the edits of a stream that disappeared as orphaned, and applies them again when it comes back", async () => {
    // The users stream's data goes away (the stream deselected and its folder purged): its table leaves the catalogue.
    await rm(join(connect.localStorageDirectory, streamFolder({ prefix: backend.config.bucketPrefix, workspaceId: workspaceA, connectionId: github.id, stream: "users" })), {
      recursive: true,
      force: true,
    });
    expect(await syncCatalogue(context(), workspaceA, github.id)).toMatchObject({ ok: true });
    const drifted = (await victor.call(ours())).body;
    expect(drifted.tables.map((entry: JsonBody) => entry.name)).not.toContain("users");
    expect(drifted.orphaned_edits.tables).toEqual([expect.objectContaining({ table: "users", description: "Organization members", updated_by: alice.id })]);
    expect(drifted.orphaned_edits.columns).toEqual([expect.objectContaining({ table: "users", column: "login", description: "GitHub handle" })]);
    expect(drifted.orphaned_edits.mappings).toEqual([expect.objectContaining({ entity: "people", stream: "users", enabled: false, state: "orphaned" })]);
    expect(table(drifted, "issues").description_edited).toBe(true);
    // An orphaned edit can still be changed (and is not checked: there is nothing to check it against).
    const kept = await anna.call(`${ours()}/tables/users`, { method: "PATCH", body: { description: "Organization members (purged)" } });
    expect(kept.status).toBe(200);
    expect(kept.body.orphaned_edits.tables).toEqual([expect.objectContaining({ table: "users", description: "Organization members (purged)" })]);

    const events = await ingest(workspaceA, github.id, "run-users-back", ["users"]);
    expect(events.at(-1)).toMatchObject({ type: "run_completed", status: "succeeded" });
    expect(await syncCatalogue(context(), workspaceA, github.id)).toMatchObject({ ok: true });
    const back = (await victor.call(ours())).body;
    expect(back.orphaned_edits).toEqual({ tables: [], columns: [], mappings: [] });
    expect(table(back, "users")).toMatchObject({ description: "Organization members (purged)", description_edited: true, row_count: (await groundTruth("users")).length });
    expect(table(back, "users").columns.find((column: JsonBody) => column.name === "login")).toMatchObject({ description: "GitHub handle" });
    expect(entity(back, "people").streams).toEqual([]);
    expect(back.mapping_edits.find((edit: JsonBody) => edit.entity === "people")).toMatchObject({ state: "disabled" });
  });
});

describe("the workspace's catalogue", () => {
  it("lists every data source's tables, paginated, with the data source and the edits", async () => {
    expect((await syncCatalogue(context(), workspaceB, otherSource)).ok).toBe(true);
    const seen: JsonBody[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: JsonBody } = await victor.call(`/api/workspaces/${workspaceA}/catalogue?limit=3${cursor ? `&cursor=${cursor}` : ""}`);
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.body.items);
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(seen.map((entry) => entry.name)).toEqual(githubStreams);
    for (const entry of seen) {
      expect(entry.data_source).toEqual({ id: github.id, name: github.name, connector: "github" });
      expect(entry.sql_schema).toMatch(/^github_/);
      expect(entry.columns.length).toBeGreaterThan(0);
    }
    expect(seen.find((entry) => entry.name === "issues")).toMatchObject({ description: "Bugs and feature requests of the Acme repositories", row_count: (await groundTruth("issues")).length });
    expect(seen.find((entry) => entry.name === "issues").columns.find((column: JsonBody) => column.name === "title").description).toBe("The issue's headline");

    const filtered = await victor.call(`/api/workspaces/${workspaceA}/catalogue?data_source_id=${github.id}&limit=200`);
    expect(filtered.body.items).toHaveLength(githubStreams.length);
    // Another workspace's data source: nothing, whatever the filter says.
    expect((await victor.call(`/api/workspaces/${workspaceA}/catalogue?data_source_id=${otherSource}`)).body.items).toEqual([]);
    // B's data source was synced with no data: an empty catalogue, whose entity views have no rows.
    expect((await bob.call(`/api/workspaces/${workspaceB}/catalogue`)).body.items).toEqual([]);
    const entitiesOfB = (await bob.call(`/api/workspaces/${workspaceB}/catalogue/entities`)).body.entities as JsonBody[];
    expect(entitiesOfB.map((entry) => entry.name)).toEqual(["people", "work_items", "conversations", "companies"]);
    expect(entitiesOfB[0].select_sql).toContain("WHERE false");
    expect(entitiesOfB[0].sources).toHaveLength(1);
  });
});

describe("the API document", () => {
  it("lists the catalogue's routes", async () => {
    const document = await victor.call("/api/openapi.json");
    expect(document.status).toBe(200);
    const paths = Object.keys(document.body.paths);
    for (const path of [
      "/api/workspaces/{workspaceId}/data-sources/{dataSourceId}/catalogue",
      "/api/workspaces/{workspaceId}/data-sources/{dataSourceId}/catalogue/sync",
      "/api/workspaces/{workspaceId}/data-sources/{dataSourceId}/catalogue/tables/{table}",
      "/api/workspaces/{workspaceId}/data-sources/{dataSourceId}/catalogue/tables/{table}/columns/{column}",
      "/api/workspaces/{workspaceId}/data-sources/{dataSourceId}/catalogue/entities/{entity}/streams/{stream}",
      "/api/workspaces/{workspaceId}/catalogue",
      "/api/workspaces/{workspaceId}/catalogue/entities",
    ]) {
      expect(paths, path).toContain(path);
    }
  });
});

describe("authorization", () => {
  it("answers 404 to a member of another workspace on every catalogue route", async () => {
    const routes: Array<[string, string, unknown?]> = [
      ["POST", `${ours()}/sync`],
      ["GET", ours()],
      ["PATCH", `${ours()}/tables/issues`, { description: "mine" }],
      ["PATCH", `${ours()}/tables/issues/columns/title`, { description: "mine" }],
      ["PUT", `${ours()}/entities/people/streams/users`, { enabled: true }],
      ["GET", `/api/workspaces/${workspaceA}/catalogue`],
      ["GET", `/api/workspaces/${workspaceA}/catalogue/entities`],
      // B's own workspace, A's data source: as if it did not exist.
      ["POST", `${catalogueOf(workspaceB, github.id)}/sync`],
      ["GET", catalogueOf(workspaceB, github.id)],
      ["PATCH", `${catalogueOf(workspaceB, github.id)}/tables/issues`, { description: "mine" }],
      ["PATCH", `${catalogueOf(workspaceB, github.id)}/tables/issues/columns/title`, { description: "mine" }],
      ["PUT", `${catalogueOf(workspaceB, github.id)}/entities/people/streams/users`, { enabled: true }],
    ];
    for (const [method, path, body] of routes) {
      const response = await bob.call(path, { method, body });
      expect(response.status, `${method} ${path}`).toBe(404);
      expect(response.body.error.code).toBe("not_found");
    }
    const unchanged = (await victor.call(ours())).body;
    expect(table(unchanged, "issues").description).toBe("Bugs and feature requests of the Acme repositories");
    // Signed out: 401.
    const anonymous = await fetch(`${backend.url}${ours()}`);
    expect(anonymous.status).toBe(401);
  });

  it("lets a viewer read but not sync or edit (403)", async () => {
    expect((await victor.call(ours())).status).toBe(200);
    expect((await victor.call(`/api/workspaces/${workspaceA}/catalogue`)).status).toBe(200);
    expect((await victor.call(`/api/workspaces/${workspaceA}/catalogue/entities`)).status).toBe(200);
    for (const [method, path, body] of [
      ["POST", `${ours()}/sync`, undefined],
      ["PATCH", `${ours()}/tables/issues`, { description: "viewer's" }],
      ["PATCH", `${ours()}/tables/issues/columns/title`, { description: "viewer's" }],
      ["PUT", `${ours()}/entities/people/streams/users`, { enabled: true }],
    ] as const) {
      const response = await victor.call(path, { method, body });
      expect(response.status, `${method} ${path}`).toBe(403);
      expect(response.body.error.code).toBe("forbidden");
    }
    expect(table((await victor.call(ours())).body, "issues").description).toBe("Bugs and feature requests of the Acme repositories");
  });
});

describe("connect down", () => {
  it("records the failure on the catalogue and keeps the previous one (syncCatalogue never throws)", async () => {
    const before = (await victor.call(ours())).body;
    const outcome = await syncCatalogue(context("http://127.0.0.1:9"), workspaceA, github.id);
    expect(outcome).toMatchObject({ ok: false, error: { code: "connect_unavailable" } });
    const after = (await victor.call(ours())).body;
    expect(after.last_sync_error).toMatchObject({ code: "connect_unavailable" });
    expect(after.last_sync_error.message).toContain("connect");
    expect(Date.parse(after.last_sync_attempt_at)).toBeGreaterThan(Date.parse(before.synced_at));
    expect(after.built_at).toBe(before.built_at);
    expect(after.tables).toEqual(before.tables);
    expect(after.entities).toEqual(before.entities);
    expect(after.mapping_edits).toEqual(before.mapping_edits);

    // The next successful sync clears it.
    expect((await syncCatalogue(context(), workspaceA, github.id)).ok).toBe(true);
    expect((await victor.call(ours())).body.last_sync_error).toBeNull();

    // Unknown data source: a failed outcome, nothing recorded.
    expect(await syncCatalogue(context(), workspaceA, randomUUID())).toMatchObject({ ok: false, error: { code: "not_found" } });
  });

  it("answers 503 to a manual sync and to a mapping edit while connect is down; reads and description edits still work", async () => {
    const before = (await victor.call(ours())).body;
    await connect.close();
    const sync = await anna.call(`${ours()}/sync`, { method: "POST" });
    expect(sync.status).toBe(503);
    expect(sync.body.error.code).toBe("connect_unavailable");
    const edit = await anna.call(`${ours()}/entities/work_items/streams/issues`, { method: "PUT", body: { enabled: false } });
    expect(edit.status).toBe(503);
    const after = (await victor.call(ours())).body;
    expect(after.last_sync_error).toMatchObject({ code: "connect_unavailable" });
    expect(after.tables).toEqual(before.tables);
    expect(after.entities).toEqual(before.entities);
    expect(after.mapping_edits).toEqual(before.mapping_edits);
    const described = await anna.call(`${ours()}/tables/commits`, { method: "PATCH", body: { description: "Commits of the default branches" } });
    expect(described.status).toBe(200);
    expect(table(described.body, "commits").description).toBe("Commits of the default branches");
  });
});
