import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import { catalogueSchema, entityNames, scanMappingExpression, type Catalogue, type CatalogueTable } from "@tributary/contracts";
import { findConnector } from "@tributary/connectors";
import { latestRowsSql, quoteIdentifier, streamFolder, type StreamLocation } from "@tributary/mirror";
import { startS3TestServer, type ObjectStore, type S3TestServer } from "@tributary/object-store";
import { demoProviders, type RunningSimulator } from "@tributary/simulators";
import { buildEntityViews, mappingSelectSql, viewName } from "../src/schema-mappings/entity-views.js";
import { entityDefinitions } from "../src/schema-mappings/entities.js";
import { applyMappingOverrides } from "../src/schema-mappings/mapping-overrides.js";
import { mapping } from "../src/schema-mappings/mapping-types.js";
import { githubMappings } from "../src/schema-mappings/mappings/github.js";
import { mappingsFor } from "../src/schema-mappings/mappings/index.js";
import { looksSecret } from "../src/schema-mappings/stream-profile.js";
import { readBody, startConnect, type InProcessConnect } from "./support/connect-in-process.js";
import { readEvents, readManifestOf, storeOfTestServer } from "./support/read-mirror.js";

/**
 * The catalogue end to end: real ingestion runs from the simulators into an S3-compatible server, then
 * `POST /internal/schema-mappings/sync` over HTTP, checked against the simulators' ground truth and by
 * running the returned entity views in DuckDB over the mirror.
 */
let s3: S3TestServer;
let connect: InProcessConnect;
let store: ObjectStore;
let localRoot: string;
const simulators = new Map<string, RunningSimulator>();
const prefix = "mirror/";
const workspaceId = "ws1";
const connectorsUnderTest = ["github", "slack", "hubspot"] as const;

beforeAll(async () => {
  s3 = await startS3TestServer();
  localRoot = await mkdtemp(join(tmpdir(), "tributary-catalogue-local-"));
  connect = await startConnect({ environment: { S3_ENDPOINT: s3.endpoint, CONNECT_LOCAL_STORAGE_DIR: localRoot } });
  store = storeOfTestServer(s3);
  for (const connector of connectorsUnderTest) {
    const provider = demoProviders.find((candidate) => candidate.connector === connector)!;
    simulators.set(connector, await provider.start());
    const events = await ingest(connector, `${connector}-full`);
    expect(events.at(-1), `${connector} ingestion`).toMatchObject({ type: "run_completed", status: "succeeded" });
  }
});

afterAll(async () => {
  await connect?.close();
  for (const simulator of simulators.values()) await simulator.close();
  await store?.close();
  await s3?.close();
  if (localRoot) await rm(localRoot, { recursive: true, force: true });
});

function connectionId(connector: string): string {
  return `${connector}-conn`;
}

function s3Storage(connector: string) {
  return {
    kind: "s3",
    bucket: s3.bucket,
    region: s3.region,
    access_key_id: s3.accessKeyId,
    secret_access_key: s3.secretAccessKey,
    prefix,
    workspace_id: workspaceId,
    connection_id: connectionId(connector),
  };
}

function post(path: string, body: unknown, token: string | null = connect.token): Promise<Response> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (token !== null) headers["x-connect-service-token"] = token;
  return fetch(`${connect.url}${path}`, { method: "POST", headers, body: typeof body === "string" ? body : JSON.stringify(body) });
}

async function ingest(connector: string, runId: string, extra: Record<string, unknown> = {}) {
  const provider = demoProviders.find((candidate) => candidate.connector === connector)!;
  const response = await post("/internal/ingestion-runs", {
    run_id: runId,
    connector,
    credentials: provider.credentials,
    config: { ...provider.config, api_base_url: simulators.get(connector)!.url },
    storage: s3Storage(connector),
    ...extra,
  });
  expect(response.status).toBe(200);
  return readEvents(response);
}

async function sync(connector: string, extra: Record<string, unknown> = {}): Promise<Catalogue> {
  const response = await post("/internal/schema-mappings/sync", { connector, storage: s3Storage(connector), ...extra });
  const body: unknown = await response.json();
  expect(response.status, JSON.stringify(body)).toBe(200);
  // The contract the backend parses with.
  return catalogueSchema.parse(body);
}

async function groundTruth(connector: string, stream: string): Promise<Record<string, unknown>[]> {
  const response = await fetch(`${simulators.get(connector)!.url}/_simulator/truth/${stream}`);
  expect(response.ok).toBe(true);
  return ((await response.json()) as { records: Record<string, unknown>[] }).records;
}

function location(connector: string, stream: string): StreamLocation {
  return { prefix, workspaceId, connectionId: connectionId(connector), stream };
}

function table(catalogue: Catalogue, name: string): CatalogueTable {
  const found = catalogue.tables.find((candidate) => candidate.name === name);
  expect(found, `table ${name}`).toBeDefined();
  return found!;
}

function column(catalogueTable: CatalogueTable, name: string) {
  const found = catalogueTable.columns.find((candidate) => candidate.name === name);
  expect(found, `column ${catalogueTable.name}.${name}`).toBeDefined();
  return found!;
}

/**
 * Runs `work` with each catalogued stream bound as a table named after it (the mirror's latest rows,
 * downloaded from storage), as the SQL service will bind them.
 */
async function withMirrorTables<T>(connector: string, catalogue: Catalogue, work: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
  const directory = await mkdtemp(join(tmpdir(), "tributary-catalogue-test-"));
  const instance = await DuckDBInstance.create(":memory:", { threads: "1" });
  try {
    const connection = await instance.connect();
    await connection.run("SET TimeZone = 'UTC'");
    for (const { name } of catalogue.tables) {
      const manifest = (await readManifestOf(store, location(connector, name)))!;
      const localFiles: string[] = [];
      for (const [index, file] of manifest.files.entries()) {
        const path = join(directory, `${name}-${index}.parquet`);
        await store.getToFile(`${streamFolder(location(connector, name))}${file.key}`, path);
        localFiles.push(path);
      }
      const latest = latestRowsSql({ localFiles, columns: manifest.columns, primaryKey: manifest.primary_key });
      await connection.run(`CREATE TABLE ${quoteIdentifier(name)} AS ${latest}`);
    }
    return await work(connection);
  } finally {
    instance.closeSync();
    await rm(directory, { recursive: true, force: true });
  }
}

async function scalar(connection: DuckDBConnection, sql: string): Promise<unknown> {
  const reader = await connection.runAndReadAll(sql);
  return reader.getRows()[0]?.[0];
}

function expectSamplesWellFormed(catalogue: Catalogue) {
  for (const catalogueTable of catalogue.tables) {
    for (const catalogueColumn of catalogueTable.columns) {
      expect(catalogueColumn.samples.length).toBeLessThanOrEqual(5);
      expect(new Set(catalogueColumn.samples).size).toBe(catalogueColumn.samples.length);
      for (const sample of catalogueColumn.samples) expect([...sample].length).toBeLessThanOrEqual(80);
      if (catalogueColumn.null_count < catalogueTable.row_count && !catalogueColumn.samples_withheld) {
        expect(catalogueColumn.samples.length, `${catalogueTable.name}.${catalogueColumn.name} has samples`).toBeGreaterThan(0);
      }
      if (catalogueColumn.samples_withheld) expect(catalogueColumn.samples).toEqual([]);
    }
  }
}

describe("GitHub catalogue", () => {
  let catalogue: Catalogue;

  beforeAll(async () => {
    catalogue = await sync("github");
  });

  it("describes the connection and lists every mirrored stream, in declaration order", () => {
    expect(catalogue).toMatchObject({ format: "tributary.catalogue/1", connector: "github", workspace_id: workspaceId, connection_id: "github-conn" });
    expect(Date.parse(catalogue.built_at)).not.toBeNaN();
    expect(catalogue.tables.map((entry) => entry.name)).toEqual(findConnector("github")!.streams.map((stream) => stream.name));
    expect(catalogue.mapping_errors).toEqual([]);
  });

  it("counts exactly the rows of the simulator's ground truth, and types columns as the manifest does", async () => {
    for (const catalogueTable of catalogue.tables) {
      const truth = await groundTruth("github", catalogueTable.name);
      expect(catalogueTable.row_count, `${catalogueTable.name} rows`).toBe(truth.length);
      const manifest = (await readManifestOf(store, location("github", catalogueTable.name)))!;
      expect(catalogueTable.columns.map(({ name, type }) => ({ name, type }))).toEqual(manifest.columns);
      expect(catalogueTable.columns.some((entry) => entry.name.startsWith("_tributary_"))).toBe(false);
      expect(catalogueTable.freshness).toMatchObject({ committed_at: manifest.committed_at, version: manifest.version });
      expect(catalogueTable.files).toBe(manifest.files.length);
      expect(catalogueTable.primary_key).toEqual(manifest.primary_key);
    }
    const issues = table(catalogue, "issues");
    expect(column(issues, "id")).toMatchObject({ type: "BIGINT", null_count: 0, non_null_fraction: 1, distinct_estimate: issues.row_count });
    expect(column(issues, "created_at").type).toBe("TIMESTAMPTZ");
    expect(column(issues, "user").type).toBe("JSON");
    const truth = await groundTruth("github", "issues");
    const closed = truth.filter((issue) => issue.closed_at !== null).length;
    expect(column(issues, "closed_at")).toMatchObject({ null_count: truth.length - closed, non_null_fraction: closed / truth.length });
    expect(column(issues, "state").distinct_estimate).toBe(new Set(truth.map((issue) => issue.state)).size);
  });

  it("gives distinct sorted samples, truncated to 80 characters, and none for secret-looking columns", async () => {
    expectSamplesWellFormed(catalogue);
    const users = await groundTruth("github", "users");
    expect(column(table(catalogue, "users"), "login").samples).toEqual(users.map((user) => String(user.login)).sort().slice(0, 5));
    // JSON objects are longer than 80 characters: cut, and marked as cut.
    const author = column(table(catalogue, "issues"), "user");
    expect(author.samples.length).toBeGreaterThan(0);
    for (const sample of author.samples) {
      expect([...sample]).toHaveLength(80);
      expect(sample.endsWith("…")).toBe(true);
      expect(sample.startsWith('{"login":')).toBe(true);
    }
    const keysUrl = column(table(catalogue, "repositories"), "keys_url");
    expect(keysUrl).toMatchObject({ samples: [], samples_withheld: true, null_count: 0 });
    expect(column(table(catalogue, "repositories"), "name").samples_withheld).toBe(false);
  });

  it("reports freshness: the cursor's maximum, nested cursors included", async () => {
    const issues = await groundTruth("github", "issues");
    const newestIssue = Math.max(...issues.map((issue) => Date.parse(String(issue.updated_at))));
    expect(Date.parse(table(catalogue, "issues").freshness.cursor_max!)).toBe(newestIssue);
    const commits = await groundTruth("github", "commits");
    const newestCommit = commits.map((commit) => (commit.commit as { committer: { date: string } }).committer.date).sort().at(-1);
    expect(table(catalogue, "commits").freshness.cursor_max).toBe(newestCommit);
    expect(table(catalogue, "users").freshness.cursor_max).toBeNull();
  });

  it("returns entity views that run in DuckDB over the mirror", async () => {
    const byName = new Map(catalogue.entities.map((entity) => [entity.name, entity]));
    expect([...byName.keys()]).toEqual(["people", "work_items", "conversations", "companies"]);
    expect(byName.get("people")!.streams).toEqual(["users"]);
    expect(byName.get("work_items")!.streams).toEqual(["issues", "pull_requests"]);
    expect(byName.get("conversations")!.streams).toEqual(["issue_comments", "pull_request_reviews"]);
    expect(byName.get("companies")!.streams).toEqual([]);
    expect(byName.get("people")!.columns.map((entry) => entry.name)).toEqual(["source", "source_stream", "source_id", "name", "email", "handle"]);

    const [users, issues, pulls, comments, reviews] = await Promise.all(
      ["users", "issues", "pull_requests", "issue_comments", "pull_request_reviews"].map((stream) => groundTruth("github", stream)),
    );
    await withMirrorTables("github", catalogue, async (connection) => {
      for (const entity of catalogue.entities) await connection.run(entity.sql);
      expect(Number(await scalar(connection, "SELECT count(*) FROM entity_people"))).toBe(users!.length);
      expect(Number(await scalar(connection, "SELECT count(*) FROM entity_work_items"))).toBe(issues!.length + pulls!.length);
      expect(Number(await scalar(connection, "SELECT count(*) FROM entity_conversations"))).toBe(comments!.length + reviews!.length);
      expect(Number(await scalar(connection, "SELECT count(*) FROM entity_companies"))).toBe(0);

      const handles = await connection.runAndReadAll("SELECT handle FROM entity_people ORDER BY handle");
      expect(handles.getRows().map((row) => row[0])).toEqual(users!.map((user) => user.login).sort());
      const merged = pulls!.filter((pull) => pull.merged_at !== null).length;
      expect(Number(await scalar(connection, "SELECT count(*) FROM entity_work_items WHERE source_stream = 'pull_requests' AND state = 'merged'"))).toBe(merged);
      expect(Number(await scalar(connection, "SELECT count(*) FROM entity_work_items WHERE created_at IS NULL OR url IS NULL OR title IS NULL"))).toBe(0);
      expect(Number(await scalar(connection, "SELECT count(*) FROM entity_conversations WHERE author IS NULL OR channel NOT LIKE 'tributary-demo/%#%'"))).toBe(0);
      expect(await scalar(connection, "SELECT DISTINCT source FROM entity_people")).toBe("github");
    });
  });

  it("stores the catalogue next to the streams", async () => {
    const bytes = await store.getBytes(`${prefix}${workspaceId}/github-conn/_catalogue.json`);
    expect(bytes).toBeDefined();
    const stored = catalogueSchema.parse(JSON.parse(Buffer.from(bytes!).toString("utf8")));
    expect(stored.built_at).toBe(catalogue.built_at);
    expect(stored.tables.map((entry) => entry.row_count)).toEqual(catalogue.tables.map((entry) => entry.row_count));
  });

  it("rebuilds only the listed streams and carries the other tables over from the stored catalogue", async () => {
    const before = await sync("github");
    const partial = await sync("github", { streams: ["issues"] });
    expect(partial.tables.map((entry) => entry.name)).toEqual(before.tables.map((entry) => entry.name));
    for (const entry of partial.tables) {
      const previous = table(before, entry.name);
      if (entry.name === "issues") {
        expect(Date.parse(entry.profiled_at)).toBeGreaterThanOrEqual(Date.parse(previous.profiled_at));
        expect(entry.row_count).toBe(previous.row_count);
      } else {
        expect(entry).toEqual(previous);
      }
    }
    expect(partial.entities.map((entity) => entity.streams)).toEqual(before.entities.map((entity) => entity.streams));
  });
});

describe("Slack catalogue", () => {
  it("counts the ground truth, maps users and messages, and views run over the mirror", async () => {
    const catalogue = await sync("slack");
    expect(catalogue.tables.map((entry) => entry.name)).toEqual(["channels", "users", "messages", "thread_replies"]);
    const truth = Object.fromEntries(
      await Promise.all(catalogue.tables.map(async (entry) => [entry.name, await groundTruth("slack", entry.name)] as const)),
    );
    for (const entry of catalogue.tables) expect(entry.row_count, `${entry.name} rows`).toBe(truth[entry.name]!.length);
    expectSamplesWellFormed(catalogue);
    expect(column(table(catalogue, "users"), "profile").type).toBe("JSON");
    expect(column(table(catalogue, "messages"), "ts").type).toBe("VARCHAR");
    const newestTs = truth.messages!.map((message) => String(message.ts)).sort().at(-1);
    expect(table(catalogue, "messages").freshness.cursor_max).toBe(newestTs);
    expect(column(table(catalogue, "channels"), "name").samples).toEqual(truth.channels!.map((channel) => String(channel.name)).sort().slice(0, 5));
    expect(catalogue.mapping_errors).toEqual([]);
    expect(catalogue.entities.find((entity) => entity.name === "conversations")!.streams).toEqual(["messages", "thread_replies"]);

    await withMirrorTables("slack", catalogue, async (connection) => {
      for (const entity of catalogue.entities) await connection.run(entity.sql);
      expect(Number(await scalar(connection, "SELECT count(*) FROM entity_people"))).toBe(truth.users!.length);
      const emails = truth.users!.filter((user) => (user.profile as { email?: string }).email).length;
      expect(Number(await scalar(connection, "SELECT count(email) FROM entity_people"))).toBe(emails);
      expect(Number(await scalar(connection, "SELECT count(*) FROM entity_conversations"))).toBe(truth.messages!.length + truth.thread_replies!.length);
      expect(Number(await scalar(connection, "SELECT count(*) FROM entity_conversations WHERE created_at IS NULL OR text IS NULL"))).toBe(0);
      expect(Number(await scalar(connection, "SELECT count(*) FROM entity_work_items"))).toBe(0);
    });
  });

  it("counts one row per key after an incremental run re-read rows (latest wins)", async () => {
    const applied = await fetch(`${simulators.get("slack")!.url}/_simulator/changes`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ seed: 7, changes: { messages: { inserts: 4, updates: 2 } } }),
    });
    expect(applied.status).toBe(200);
    const events = await ingest("slack", "slack-inc", { streams: ["messages"] });
    expect(events.at(-1)).toMatchObject({ type: "run_completed", status: "succeeded" });
    const manifest = (await readManifestOf(store, location("slack", "messages")))!;
    const truth = await groundTruth("slack", "messages");
    // The lookback window read some messages again: the files hold more rows than there are messages.
    expect(manifest.files.reduce((sum, file) => sum + file.rows, 0)).toBeGreaterThan(truth.length);

    const catalogue = await sync("slack", { streams: ["messages"] });
    expect(table(catalogue, "messages").row_count).toBe(truth.length);
    expect(table(catalogue, "messages").freshness.version).toBe(manifest.version);
    expect(column(table(catalogue, "messages"), "ts").distinct_estimate).toBe(truth.length);
  });
});

describe("tombstones", () => {
  it("leaves deleted records out of the counts (HubSpot archives reach the mirror as deletions)", async () => {
    const applied = await fetch(`${simulators.get("hubspot")!.url}/_simulator/changes`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ seed: 11, changes: { contacts: { inserts: 2, updates: 3, deletes: 4 } } }),
    });
    expect(applied.status).toBe(200);
    const events = await ingest("hubspot", "hubspot-inc", { streams: ["contacts"] });
    const committed = events.find((event) => event.type === "stream_committed") as { stats: { deletions: number } } | undefined;
    expect(committed?.stats.deletions).toBeGreaterThan(0);

    const catalogue = await sync("hubspot");
    const truth = await groundTruth("hubspot", "contacts");
    expect(table(catalogue, "contacts").row_count).toBe(truth.length);
    expect(catalogue.mapping_errors).toEqual([]);
    await withMirrorTables("hubspot", catalogue, async (connection) => {
      for (const entity of catalogue.entities) await connection.run(entity.sql);
      const owners = await groundTruth("hubspot", "owners");
      expect(Number(await scalar(connection, "SELECT count(*) FROM entity_people"))).toBe(truth.length + owners.length);
      expect(Number(await scalar(connection, "SELECT count(*) FROM entity_companies WHERE name IS NULL"))).toBe(0);
    });
  });
});

describe("a connection without data", () => {
  it("answers an empty catalogue whose entity views still run, and stores it", async () => {
    const storage = { kind: "local", workspace_id: "ws-empty", connection_id: "nothing-yet" };
    const response = await post("/internal/schema-mappings/sync", { connector: "linear", storage });
    expect(response.status).toBe(200);
    const catalogue = catalogueSchema.parse(await response.json());
    expect(catalogue.tables).toEqual([]);
    expect(catalogue.mapping_errors).toEqual([]);
    expect(catalogue.entities.map((entity) => entity.streams)).toEqual([[], [], [], []]);
    const instance = await DuckDBInstance.create(":memory:", { threads: "1" });
    try {
      const connection = await instance.connect();
      for (const entity of catalogue.entities) {
        await connection.run(entity.sql);
        expect(Number(await scalar(connection, `SELECT count(*) FROM ${entity.view_name}`))).toBe(0);
      }
    } finally {
      instance.closeSync();
    }
    const { readFile } = await import("node:fs/promises");
    const stored = JSON.parse(await readFile(join(localRoot, "ws-empty", "nothing-yet", "_catalogue.json"), "utf8")) as Catalogue;
    expect(stored.connection_id).toBe("nothing-yet");
  });
});

describe("refusals", () => {
  it("answers 401 without the service token, and with a wrong one", async () => {
    for (const token of [null, "wrong"]) {
      const response = await post("/internal/schema-mappings/sync", { connector: "github", storage: s3Storage("github") }, token);
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual({ detail: "Invalid connect service token" });
    }
  });

  it.each([
    ["no connector", { storage: { kind: "local", workspace_id: "w", connection_id: "c" } }, "connector"],
    ["an unknown connector", { connector: "jira", storage: { kind: "local", workspace_id: "w", connection_id: "c" } }, "connector"],
    ["no storage", { connector: "github" }, "storage"],
    ["a workspace id that could escape its folder", { connector: "github", storage: { kind: "local", workspace_id: "../x", connection_id: "c" } }, "storage.workspace_id"],
    ["a bad prefix", { connector: "github", storage: { kind: "local", prefix: "/abs", workspace_id: "w", connection_id: "c" } }, "storage.prefix"],
    ["an unknown stream", { connector: "github", storage: { kind: "local", workspace_id: "w", connection_id: "c" }, streams: ["issues", "wikis"] }, "streams.1"],
    ["an empty stream list", { connector: "github", storage: { kind: "local", workspace_id: "w", connection_id: "c" }, streams: [] }, "streams"],
  ])("answers 400 naming the field for %s", async (_case, body, field) => {
    const response = await post("/internal/schema-mappings/sync", body);
    expect(response.status).toBe(400);
    const answer = await readBody(response);
    expect(answer.error).toMatchObject({ code: "bad_request", field });
    expect(answer.error.message).toContain(field);
  });

  it("answers 400 on a storage kind that does not exist, and on a body that is not JSON", async () => {
    const kind = await post("/internal/schema-mappings/sync", { connector: "github", storage: { kind: "ftp", workspace_id: "w", connection_id: "c" } });
    expect(kind.status).toBe(400);
    expect((await readBody(kind)).error.field).toMatch(/^storage/);
    const garbled = await post("/internal/schema-mappings/sync", "{not json");
    expect(garbled.status).toBe(400);
    expect((await readBody(garbled)).error.field).toBe("body");
  });

  it("refuses a connector that does not match the connection's data", async () => {
    const response = await post("/internal/schema-mappings/sync", { connector: "slack", storage: s3Storage("github") });
    expect(response.status).toBe(400);
    const answer = await readBody(response);
    expect(answer.error).toMatchObject({ code: "bad_request", field: "connector" });
    expect(answer.error.message).toContain("github");
  });

  it("answers 502 storage_error when the bucket cannot be read, without echoing credentials", async () => {
    const response = await post("/internal/schema-mappings/sync", {
      connector: "github",
      storage: { ...s3Storage("github"), bucket: "no-such-bucket", secret_access_key: "not-the-secret-0123456789" },
    });
    expect(response.status).toBe(502);
    const text = await response.text();
    expect(JSON.parse(text)).toMatchObject({ error: { code: "storage_error" } });
    expect(text).not.toContain("not-the-secret-0123456789");
  });
});

describe("mapping checks (schema drift)", () => {
  async function withConnection<T>(work: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
    const instance = await DuckDBInstance.create(":memory:", { threads: "1" });
    try {
      return await work(await instance.connect());
    } finally {
      instance.closeSync();
    }
  }

  it("reports a mapping whose column is gone in mapping_errors and still applies the others", async () => {
    await withConnection(async (connection) => {
      // `users` lost `login` (the people mapping's handle); `issues` and `pull_requests` are intact.
      await connection.run(`CREATE TABLE users (id BIGINT, node_id VARCHAR)`);
      await connection.run(`INSERT INTO users VALUES (1, 'a'), (2, 'b')`);
      await connection.run(
        `CREATE TABLE issues (id BIGINT, title VARCHAR, state VARCHAR, created_at TIMESTAMPTZ, updated_at TIMESTAMPTZ, html_url VARCHAR, assignee JSON)`,
      );
      await connection.run(`INSERT INTO issues VALUES (7, 'Bug', 'open', now(), now(), 'https://x/7', '{"login":"mona"}')`);
      await connection.run(
        `CREATE TABLE pull_requests (id BIGINT, title VARCHAR, state VARCHAR, created_at TIMESTAMPTZ, updated_at TIMESTAMPTZ, html_url VARCHAR, assignee VARCHAR, merged_at TIMESTAMPTZ)`,
      );
      const views = await buildEntityViews(connection, {
        connector: "github",
        mappings: githubMappings,
        availableStreams: new Set(["users", "issues", "pull_requests"]),
      });
      expect(views.mapping_errors).toHaveLength(1);
      expect(views.mapping_errors[0]).toMatchObject({ entity: "people", stream: "users" });
      expect(views.mapping_errors[0]!.message).toContain("login");
      const people = views.entities.find((entity) => entity.name === "people")!;
      const workItems = views.entities.find((entity) => entity.name === "work_items")!;
      expect(people.streams).toEqual([]);
      expect(workItems.streams).toEqual(["issues", "pull_requests"]);
      // Mappings of streams that are not mirrored are not applied, and are not errors.
      expect(views.entities.find((entity) => entity.name === "conversations")!.streams).toEqual([]);

      for (const entity of views.entities) await connection.run(entity.sql);
      expect(Number(await scalar(connection, "SELECT count(*) FROM entity_people"))).toBe(0);
      const reader = await connection.runAndReadAll("SELECT source, source_stream, source_id, assignee FROM entity_work_items");
      expect(reader.getRowObjectsJson()).toEqual([{ source: "github", source_stream: "issues", source_id: "7", assignee: "mona" }]);
    });
  });

  it("reports a type a mapping's function refuses, and a mapping missing a column expression", async () => {
    await withConnection(async (connection) => {
      await connection.run(`CREATE TABLE things (id BIGINT, label VARCHAR)`);
      const views = await buildEntityViews(connection, {
        connector: "test",
        mappings: [
          mapping("companies", "things", { source_id: "id", name: "label", domain: "regexp_extract(id, 'x')" }),
          { entity: "companies", stream: "things", columns: { source_id: "id", name: "label" } } as never,
        ],
        availableStreams: new Set(["things"]),
      });
      expect(views.mapping_errors.map((error) => error.entity)).toEqual(["companies", "companies"]);
      expect(views.mapping_errors[1]!.message).toContain("domain");
    });
  });

  it("declares a complete, valid mapping file per connector", () => {
    for (const connector of ["github", "slack", "linear", "hubspot"]) {
      const mappings = mappingsFor(connector);
      expect(mappings.length, connector).toBeGreaterThan(0);
      const streams = new Set(findConnector(connector)!.streams.map((stream) => stream.name));
      for (const entry of mappings) {
        expect(streams.has(entry.stream), `${connector} mapping over ${entry.stream}`).toBe(true);
        const select = mappingSelectSql(connector, entry, entityDefinitions[entry.entity].columns);
        expect(select).toContain(`FROM "${entry.stream}"`);
      }
      // A view cannot read a table of its own name: no view may be named like a stream.
      for (const entity of entityNames) expect(streams.has(viewName(entity)), `${connector} ${entity}`).toBe(false);
    }
    expect(mappingsFor("unknown")).toEqual([]);
  });

  it("treats names that look like secrets as secrets", () => {
    for (const name of ["token", "api_token", "client_secret", "password", "PasswordHash", "apiKey", "private_key", "keys_url", "session_cookie"]) {
      expect(looksSecret(name), name).toBe(true);
    }
    for (const name of ["login", "name", "email", "body", "author", "created_at", "state"]) expect(looksSecret(name), name).toBe(false);
  });
});

describe("mapping overrides (a workspace's edits of the connector's mappings)", () => {
  const commitsAsConversations = {
    entity: "conversations",
    stream: "commits",
    columns: {
      source_id: "sha",
      channel: "html_url",
      author: "json_extract_string(author, '$.login')",
      text: "json_extract_string(\"commit\", '$.message')",
      created_at: "json_extract_string(\"commit\", '$.committer.date')",
    },
  };

  it("disables a stream's contribution, replaces an expression, adds a pair, and the views run over the mirror", async () => {
    const catalogue = await sync("github", {
      mapping_overrides: [
        { entity: "people", stream: "users", enabled: false },
        { entity: "work_items", stream: "issues", columns: { title: "upper(title)" } },
        commitsAsConversations,
      ],
    });
    expect(catalogue.mapping_errors).toEqual([]);
    const byName = new Map(catalogue.entities.map((entity) => [entity.name, entity]));
    expect(byName.get("people")!.streams).toEqual([]);
    expect(byName.get("work_items")!.streams).toEqual(["issues", "pull_requests"]);
    expect(byName.get("work_items")!.select_sql).toContain("upper(title)");
    expect(byName.get("conversations")!.streams).toEqual(["issue_comments", "pull_request_reviews", "commits"]);

    const [issues, comments, reviews, commits] = await Promise.all(
      ["issues", "issue_comments", "pull_request_reviews", "commits"].map((stream) => groundTruth("github", stream)),
    );
    await withMirrorTables("github", catalogue, async (connection) => {
      for (const entity of catalogue.entities) await connection.run(entity.sql);
      expect(Number(await scalar(connection, "SELECT count(*) FROM entity_people"))).toBe(0);
      expect(Number(await scalar(connection, "SELECT count(*) FROM entity_work_items WHERE source_stream = 'issues'"))).toBe(issues!.length);
      expect(Number(await scalar(connection, "SELECT count(*) FROM entity_work_items WHERE source_stream = 'issues' AND title <> upper(title)"))).toBe(0);
      // The other columns of the overridden mapping keep the connector's expressions.
      expect(Number(await scalar(connection, "SELECT count(*) FROM entity_work_items WHERE source_stream = 'issues' AND url LIKE 'http%'"))).toBe(issues!.length);
      expect(Number(await scalar(connection, "SELECT count(*) FROM entity_conversations"))).toBe(comments!.length + reviews!.length + commits!.length);
      expect(Number(await scalar(connection, "SELECT count(*) FROM entity_conversations WHERE source_stream = 'commits' AND (text IS NULL OR created_at IS NULL)"))).toBe(0);
    });
  });

  it("reports an override that does not bind (or lacks columns for a new pair) in mapping_errors and leaves it out", async () => {
    const catalogue = await sync("github", {
      mapping_overrides: [
        { entity: "work_items", stream: "issues", columns: { title: "coalesce(titel, 'untitled')" } },
        { entity: "companies", stream: "repositories", columns: { source_id: "id", name: "full_name" } },
        // Overrides of streams that are not mirrored are ignored, as the connector's own mappings are.
        { entity: "people", stream: "nowhere", enabled: false },
      ],
    });
    expect(catalogue.mapping_errors.map(({ entity, stream }) => ({ entity, stream }))).toEqual([
      { entity: "work_items", stream: "issues" },
      { entity: "companies", stream: "repositories" },
    ]);
    expect(catalogue.mapping_errors[0]!.message).toContain("titel");
    expect(catalogue.mapping_errors[1]!.message).toContain("domain");
    const byName = new Map(catalogue.entities.map((entity) => [entity.name, entity]));
    expect(byName.get("work_items")!.streams).toEqual(["pull_requests"]);
    expect(byName.get("companies")!.streams).toEqual([]);
    expect(byName.get("people")!.streams).toEqual(["users"]);
  });

  it.each([
    ["a column the entity does not have", [{ entity: "people", stream: "users", columns: { nickname: "login" } }], "mapping_overrides.0.columns.nickname"],
    ["a provenance column", [{ entity: "people", stream: "users", columns: { source: "'x'" } }], "mapping_overrides.0.columns.source"],
    ["a subquery", [{ entity: "people", stream: "users", columns: { name: "(SELECT max(login) FROM users)" } }], "mapping_overrides.0.columns.name"],
    ["a FROM-first subquery", [{ entity: "people", stream: "users", columns: { name: "(FROM read_text('/etc/passwd'))" } }], "mapping_overrides.0.columns.name"],
    ["a second statement", [{ entity: "people", stream: "users", columns: { name: "login; DROP TABLE users" } }], "mapping_overrides.0.columns.name"],
    ["a parenthesis closing the cast", [{ entity: "people", stream: "users", columns: { name: "login) AS x, (1" } }], "mapping_overrides.0.columns.name"],
    ["an empty expression", [{ entity: "people", stream: "users", columns: { name: "  " } }], "mapping_overrides.0.columns.name"],
    ["an unknown entity", [{ entity: "tickets", stream: "users" }], "mapping_overrides.0.entity"],
    ["the same pair twice", [{ entity: "people", stream: "users" }, { entity: "people", stream: "users", enabled: false }], "mapping_overrides.1"],
  ])("answers 400 naming the field for %s", async (_case, overrides, field) => {
    const response = await post("/internal/schema-mappings/sync", { connector: "github", storage: s3Storage("github"), mapping_overrides: overrides });
    expect(response.status).toBe(400);
    const answer = await readBody(response);
    expect(answer.error).toMatchObject({ code: "bad_request", field });
    expect(answer.error.message).toContain(field);
  });

  it("applies overrides onto the connector's mappings in order, new pairs last", () => {
    const applied = applyMappingOverrides(githubMappings, [
      { entity: "conversations", stream: "commits", enabled: true, columns: { source_id: "sha" } },
      { entity: "people", stream: "users", enabled: false, columns: {} },
      { entity: "work_items", stream: "pull_requests", enabled: true, columns: { state: "state" } },
      { entity: "companies", stream: "releases", enabled: false, columns: { source_id: "id" } },
    ]);
    expect(applied.map((entry) => `${entry.entity}/${entry.stream}`)).toEqual([
      "work_items/issues",
      "work_items/pull_requests",
      "conversations/issue_comments",
      "conversations/pull_request_reviews",
      "conversations/commits",
    ]);
    const pulls = applied[1]!.columns as Record<string, string>;
    expect(pulls.state).toBe("state");
    expect(pulls.url).toBe("html_url");
    // The connector's declarations are not modified.
    expect((githubMappings[2]!.columns as Record<string, string>).state).toContain("merged_at");
  });

  it("scans expressions: what is refused, and which names are read as columns", () => {
    const problem = (expression: string) => scanMappingExpression(expression).problem;
    for (const bad of [
      "a; b",
      "a -- comment",
      "a /* comment */",
      "$$x$$",
      "E'\\'' || x",
      "'open",
      '"open',
      "a)",
      "(a",
      "(select 1)",
      "x IN (FROM t)",
      "(WITH t AS (SELECT 1) SELECT * FROM t)",
      "a UNION b",
      "",
    ]) {
      expect(problem(bad), bad).toBeDefined();
    }
    for (const good of [
      "coalesce(nullif(real_name, ''), json_extract_string(profile, '$.real_name'))",
      "CASE WHEN merged_at IS NOT NULL THEN 'merged' ELSE state END",
      "EXTRACT(year FROM created_at)",
      "to_timestamp(CAST(split_part(ts, '.', 1) AS BIGINT))",
      "'it''s; -- not a comment'",
      "created_at::TIMESTAMP WITH TIME ZONE + INTERVAL 1 DAY",
      "list_transform(labels, lambda l: l.name)",
    ]) {
      expect(problem(good), good).toBeUndefined();
    }
    expect(scanMappingExpression(`json_extract_string("user", '$.login') || login || "User"`).references).toEqual(["user", "login"]);
    expect(scanMappingExpression("CASE WHEN merged_at IS NOT NULL THEN 'merged' ELSE state END").references).toEqual(["merged_at", "state"]);
    expect(scanMappingExpression("CAST(id AS VARCHAR) || struct_pack(a := 1).a").references).toEqual(["id"]);
    expect(scanMappingExpression("list_transform(labels, lambda l: l.name)").references).toEqual(["labels"]);
    expect(scanMappingExpression("DATE '2024-01-01' + updated_at").references).toEqual(["updated_at"]);
  });
});
