import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { keyIdOf, parseEncryptionKey, SecretBox } from "@tributary/crypto";
import type { AppContext } from "../src/app-context.js";
import { ConnectClient } from "../src/connect/connect-client.js";
import { ConnectorsCatalog } from "../src/data-sources/connectors-catalog.js";
import { loadDataSourceForRun, validateThroughConnect } from "../src/data-sources/data-sources-service.js";
import { call, signUp, startBackend, type JsonBody, type RunningBackend, type TestUser } from "./support/backend-harness.js";
import { startConnectWithSimulators, type ConnectWithSimulators } from "./support/connect-harness.js";

const encryptionKey = "1f".repeat(32);
/** Classic PAT without `read:org`: the `users` stream (organization members) requires it. */
const fewerScopesToken = "ghp_TributaryTestNoReadOrg00000000000002";
/** Fine-grained PAT of the seeded world: no scopes reported, access probed instead. */
const fineGrainedToken = "github_pat_TributaryDemoFineGrain_00000000000000000000000000000000000000000000000000000000001";
const wrongToken = "ghp_TributaryWrongTokenWrongToken0000099";

/** Starting connect, the simulators and a backend on fresh databases takes a while on a busy machine. */
const startupTimeoutMs = 180_000;

let connect: ConnectWithSimulators;
let backend: RunningBackend;
let alice: TestUser;
let bob: TestUser;
let victor: TestUser;
let workspaceA: string;
let workspaceB: string;
/** Every secret any test sent: none may appear in a response, a row or a log line. */
const canaries = new Set<string>();

beforeAll(async () => {
  // A provider that keeps failing is given up on after this long.
  connect = await startConnectWithSimulators({ validateDeadlineMs: 1_500 });
  connect.github.addToken(fewerScopesToken, { kind: "classic_pat", user: "octo-admin", scopes: ["repo"] });
  backend = await startBackend({ ...connect.env, DATASOURCES_ENCRYPTION_KEY: encryptionKey });
  [alice, bob, victor] = [await signUp(backend, "alice"), await signUp(backend, "bob"), await signUp(backend, "victor")];
  workspaceA = (await alice.call("/api/workspaces", { body: { name: "A" } })).body.id;
  workspaceB = (await bob.call("/api/workspaces", { body: { name: "B" } })).body.id;
  const invitation = await alice.call(`/api/workspaces/${workspaceA}/invitations`, { body: { email: victor.email, role: "viewer" } });
  await victor.call("/api/invitations/accept", { body: { token: invitation.body.token } });
  for (const token of [connect.github.credentials.token!, connect.slack.credentials.token!, fewerScopesToken, fineGrainedToken, wrongToken]) canaries.add(token);
}, startupTimeoutMs);

afterAll(async () => {
  await backend?.close();
  await connect?.close();
}, startupTimeoutMs);

const sources = (workspaceId: string) => `/api/workspaces/${workspaceId}/data-sources`;

function githubBody(overrides: Record<string, unknown> = {}) {
  return { connector: "github", name: "GitHub", credentials: { ...connect.github.credentials }, config: { ...connect.github.config }, ...overrides };
}

async function dataSourceRows() {
  return backend.test.databases.core.selectFrom("data_sources").selectAll().execute();
}

function expectNoSecret(value: unknown) {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  for (const canary of canaries) expect(text).not.toContain(canary);
}

describe("GET /api/connectors", () => {
  it("lists connect's four connectors with their schemas and streams, cached", async () => {
    const asked = () => connect.connectLogs.filter((line) => line.includes("/internal/connectors")).length;
    const response = await alice.call("/api/connectors");
    expect(response.status).toBe(200);
    const connectors = response.body.connectors as JsonBody[];
    expect(connectors.map((connector) => connector.id).sort()).toEqual(["github", "hubspot", "linear", "slack"]);
    const github = connectors.find((connector) => connector.id === "github");
    expect(github.credentials_schema.properties.token).toMatchObject({ writeOnly: true });
    expect(github.config_schema.properties.api_base_url).toBeDefined();
    expect(github.streams.map((stream: { name: string }) => stream.name)).toContain("issues");
    const before = asked();
    expect(before).toBeGreaterThan(0);
    expect((await alice.call("/api/connectors")).status).toBe(200);
    expect(asked()).toBe(before);
    expect((await call(backend, "/api/connectors")).status).toBe(401);
  });
});

describe("validate without saving", () => {
  it("answers the account, granted and missing scopes and warnings; stores nothing", async () => {
    const response = await alice.call(`${sources(workspaceA)}/validate`, { body: { connector: "github", credentials: connect.github.credentials, config: connect.github.config } });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ connector: "github", account: { name: "octo-admin" }, token_type: "classic_pat", missing_scopes: [], warnings: [] });
    expect(response.body.granted_scopes).toEqual(expect.arrayContaining(["repo", "read:org"]));
    expectNoSecret(response.body);
    expect(await dataSourceRows()).toEqual([]);
  });

  it("lists optional scopes missing for the streams asked, with warnings", async () => {
    connect.github.addToken("ghp_TributaryTestNoScopes000000000000003", { kind: "classic_pat", user: "octo-admin", scopes: [] });
    canaries.add("ghp_TributaryTestNoScopes000000000000003");
    const response = await alice.call(`${sources(workspaceA)}/validate`, {
      body: { connector: "github", credentials: { token: "ghp_TributaryTestNoScopes000000000000003" }, config: connect.github.config, streams: ["repositories"] },
    });
    expect(response.status).toBe(200);
    expect(response.body.missing_scopes).toEqual(["repo"]);
    expect(response.body.warnings[0]).toContain("private repositories");
  });
});

describe("create", () => {
  it("validates through connect, stores the credentials encrypted and shows only a hint", async () => {
    const response = await alice.call(sources(workspaceA), { body: githubBody({ name: "Acme GitHub" }) });
    expect(response.status).toBe(201);
    const view = response.body;
    expect(Object.keys(view).sort()).toEqual(
      ["account", "config", "connector", "created_at", "credentials_hint", "granted_scopes", "id", "name", "schedule", "sql_name", "streams", "updated_at", "validated_at", "warnings", "workspace_id"].sort(),
    );
    expect(view).toMatchObject({
      workspace_id: workspaceA,
      connector: "github",
      name: "Acme GitHub",
      config: connect.github.config,
      streams: null,
      credentials_hint: { token: "ghp_…0001" },
      account: { name: "octo-admin", kind: "user" },
      warnings: [],
      schedule: null,
    });
    expect(view.granted_scopes).toEqual(expect.arrayContaining(["repo"]));
    expect(Date.parse(view.validated_at)).toBeGreaterThan(Date.now() - 60_000);
    expectNoSecret(view);

    const [row] = (await dataSourceRows()).filter((candidate) => candidate.id === view.id);
    const box = new SecretBox({ activeKey: parseEncryptionKey(encryptionKey) });
    expect(row!.credentials_encrypted.startsWith(`v1.${keyIdOf(parseEncryptionKey(encryptionKey))}.`)).toBe(true);
    expect(JSON.parse(box.decrypt(row!.credentials_encrypted, `data_source:${view.id}:credentials`))).toEqual(connect.github.credentials);
    // Bound to its row: the envelope does not open as another row's.
    expect(() => box.decrypt(row!.credentials_encrypted, `data_source:${workspaceA}:credentials`)).toThrow(/authentication/);

    const fetched = await victor.call(`${sources(workspaceA)}/${view.id}`);
    expect(fetched.status).toBe(200);
    expect(fetched.body).toEqual(view);
  });

  it("refuses a wrong token with invalid_credentials and saves nothing", async () => {
    const before = (await dataSourceRows()).length;
    const response = await alice.call(sources(workspaceA), { body: githubBody({ credentials: { token: wrongToken } }) });
    expect(response.status).toBe(422);
    expect(response.body.error).toMatchObject({ code: "invalid_credentials", field: "credentials" });
    expectNoSecret(response.body);
    expect((await dataSourceRows()).length).toBe(before);
  });

  it("refuses credentials missing a required scope, listing it, and saves nothing", async () => {
    const before = (await dataSourceRows()).length;
    const response = await alice.call(sources(workspaceA), { body: githubBody({ credentials: { token: fewerScopesToken } }) });
    expect(response.status).toBe(422);
    expect(response.body.error).toMatchObject({ code: "missing_scopes", missing_scopes: ["read:org"] });
    expect(response.body.error.account).toMatchObject({ name: "octo-admin" });
    expect((await dataSourceRows()).length).toBe(before);
    // The same token passes for streams that do not need the scope.
    const narrower = await alice.call(sources(workspaceA), { body: githubBody({ name: "Repos only", credentials: { token: fewerScopesToken }, streams: ["repositories", "issues"] }) });
    expect(narrower.status).toBe(201);
    expect(narrower.body.streams).toEqual(["repositories", "issues"]);
    expect(narrower.body.granted_scopes).toEqual(["repo"]);
  });

  it("passes on the provider's rate limit with when to retry", async () => {
    connect.github.faults.inject({ kind: "rate_limit", retryAfterSeconds: 42, times: 5 });
    const response = await alice.call(sources(workspaceA), { body: githubBody() });
    connect.github.faults.clear();
    expect(response.status).toBe(429);
    expect(response.body.error.code).toBe("rate_limited");
    expect(response.body.error.retry_after_seconds).toBeGreaterThan(0);
    expect(Number(response.headers.get("retry-after"))).toBe(Math.ceil(response.body.error.retry_after_seconds));
  });

  it("reports a provider that keeps failing as provider_unavailable", async () => {
    connect.slack.faults.inject({ kind: "server_error", status: 503, times: Infinity });
    const response = await alice.call(sources(workspaceA), { body: { connector: "slack", name: "Slack", credentials: connect.slack.credentials, config: connect.slack.config } });
    connect.slack.faults.clear();
    expect(response.status).toBe(502);
    expect(response.body.error.code).toBe("provider_unavailable");
  });

  it("answers bad input with a 400 naming the field, from the body's shape and from the connector's schemas", async () => {
    const cases: Array<[unknown, string]> = [
      [{ connector: "github", credentials: {} }, "name"],
      [{ ...githubBody(), connector: "gitlab" }, "connector"],
      [{ ...githubBody(), connector: "Not An Id!" }, "connector"],
      [{ ...githubBody(), credentials: "ghp_inline" }, "credentials"],
      [{ ...githubBody(), config: [] }, "config"],
      [{ ...githubBody(), streams: [] }, "streams"],
      [{ ...githubBody(), name: "   " }, "name"],
      [{ ...githubBody(), owner: "me" }, "body"],
      [{ ...githubBody(), credentials: { token: "" } }, "credentials.token"],
      [{ ...githubBody(), credentials: {} }, "credentials.token"],
      [{ ...githubBody(), config: { ...connect.github.config, api_base_url: "ftp://example.com" } }, "config.api_base_url"],
      [{ ...githubBody(), streams: ["issues", "no_such_stream"] }, "streams.1"],
    ];
    for (const [body, field] of cases) {
      const response = await alice.call(sources(workspaceA), { body });
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body.error.code).toBe("bad_request");
      if (field === "body") expect(response.body.error.message).toMatch(/owner|unrecognized/i);
      else expect(response.body.error.field, JSON.stringify(body)).toBe(field);
    }
    const notJson = await fetch(`${backend.url}${sources(workspaceA)}`, { method: "POST", headers: { cookie: alice.cookie, origin: backend.url, "content-type": "application/json" }, body: "{" });
    expect(notJson.status).toBe(400);
  });
});

describe("read, update, delete", () => {
  it("lists a workspace's data sources page by page; a viewer reads them", async () => {
    const first = await victor.call(`${sources(workspaceA)}?limit=1`);
    expect(first.status).toBe(200);
    expect(first.body.items).toHaveLength(1);
    expect(first.body.next_cursor).not.toBeNull();
    const second = await victor.call(`${sources(workspaceA)}?limit=1&cursor=${first.body.next_cursor}`);
    expect(second.body.items).toHaveLength(1);
    expect(second.body.items[0].id).not.toBe(first.body.items[0].id);
    expectNoSecret(first.body);
    expect((await bob.call(sources(workspaceB))).body).toEqual({ items: [], next_cursor: null });
  });

  it("renames without calling connect; new credentials are validated before they replace the old ones", async () => {
    const created = (await alice.call(sources(workspaceA), { body: githubBody({ name: "To edit" }) })).body;
    const url = `${sources(workspaceA)}/${created.id}`;
    const envelope = async () => (await dataSourceRows()).find((row) => row.id === created.id)!.credentials_encrypted;
    const original = await envelope();

    const calls = connect.github.requests.count();
    const renamed = await alice.call(url, { method: "PATCH", body: { name: "Renamed" } });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ name: "Renamed", validated_at: created.validated_at });
    expect(connect.github.requests.count()).toBe(calls);

    const refused = await alice.call(url, { method: "PATCH", body: { credentials: { token: wrongToken } } });
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe("invalid_credentials");
    expect(await envelope()).toBe(original);
    expect((await alice.call(url)).body.credentials_hint).toEqual({ token: "ghp_…0001" });

    const replaced = await alice.call(url, { method: "PATCH", body: { credentials: { token: `  ${fineGrainedToken}\n` } } });
    expect(replaced.status).toBe(200);
    expect(connect.github.requests.count()).toBeGreaterThan(calls);
    expect(replaced.body.credentials_hint).toEqual({ token: "gith…0001" });
    expect(replaced.body.granted_scopes).toBeNull();
    expect(replaced.body.name).toBe("Renamed");
    expectNoSecret(replaced.body);
    expect(await envelope()).not.toBe(original);
    const context = { databases: backend.test.databases, secretBox: new SecretBox({ activeKey: parseEncryptionKey(encryptionKey) }) } as unknown as AppContext;
    const loaded = await loadDataSourceForRun(context, workspaceA, created.id);
    expect(loaded).toEqual({ id: created.id, workspace_id: workspaceA, connector: "github", config: connect.github.config, streams: null, credentials: { token: fineGrainedToken } });
    await expect(loadDataSourceForRun(context, workspaceB, created.id)).rejects.toMatchObject({ code: "not_found" });
  });

  it("re-validates stored credentials when config or streams change", async () => {
    const created = (await alice.call(sources(workspaceA), { body: githubBody({ name: "Scoped", credentials: { token: fewerScopesToken }, streams: ["repositories"] }) })).body;
    const url = `${sources(workspaceA)}/${created.id}`;
    // Every stream: `users` needs read:org, which the stored token lacks.
    const widened = await alice.call(url, { method: "PATCH", body: { streams: null } });
    expect(widened.status).toBe(422);
    expect(widened.body.error).toMatchObject({ code: "missing_scopes", missing_scopes: ["read:org"] });
    expect((await alice.call(url)).body.streams).toEqual(["repositories"]);
    const badConfig = await alice.call(url, { method: "PATCH", body: { config: { organization: "-bad-", api_base_url: connect.github.url } } });
    expect(badConfig.status).toBe(400);
    expect(badConfig.body.error.field).toBe("config.organization");
    const more = await alice.call(url, { method: "PATCH", body: { streams: ["repositories", "issues"] } });
    expect(more.status).toBe(200);
    expect(more.body.streams).toEqual(["repositories", "issues"]);
    expect(Date.parse(more.body.validated_at)).toBeGreaterThanOrEqual(Date.parse(created.validated_at));
    const empty = await alice.call(url, { method: "PATCH", body: {} });
    expect(empty.status).toBe(400);
    expect(empty.body.error.field).toBe("body");
    const connectorChange = await alice.call(url, { method: "PATCH", body: { connector: "slack" } });
    expect(connectorChange.status).toBe(400);
  });

  it("re-validates the stored credentials on demand and records what it found", async () => {
    const created = (await alice.call(sources(workspaceA), { body: githubBody({ name: "Recheck" }) })).body;
    const response = await alice.call(`${sources(workspaceA)}/${created.id}/validate`, { method: "POST" });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ connector: "github", account: { name: "octo-admin" }, missing_scopes: [], data_source: { id: created.id } });
    expect(Date.parse(response.body.data_source.validated_at)).toBeGreaterThanOrEqual(Date.parse(created.validated_at));
    expectNoSecret(response.body);
  });

  it("deletes with 204; then the data source is gone", async () => {
    const created = (await alice.call(sources(workspaceA), { body: githubBody({ name: "Doomed" }) })).body;
    const url = `${sources(workspaceA)}/${created.id}`;
    expect((await alice.call(url, { method: "DELETE" })).status).toBe(204);
    expect((await alice.call(url)).status).toBe(404);
    expect((await alice.call(url, { method: "DELETE" })).status).toBe(404);
    expect((await dataSourceRows()).some((row) => row.id === created.id)).toBe(false);
  });
});

describe("authorization", () => {
  it("answers 404 for every data-source route of another workspace; a viewer cannot write", async () => {
    const ofA = (await alice.call(sources(workspaceA), { body: githubBody({ name: "A's" }) })).body;
    const ofB = (await bob.call(sources(workspaceB), { body: githubBody({ name: "B's" }) })).body;
    expect(ofB.id).toBeDefined();
    const routes = (workspaceId: string, id: string): Array<[string, string, unknown?]> => [
      ["GET", sources(workspaceId)],
      ["POST", sources(workspaceId), githubBody()],
      ["POST", `${sources(workspaceId)}/validate`, { connector: "github", credentials: connect.github.credentials, config: connect.github.config }],
      ["GET", `${sources(workspaceId)}/${id}`],
      ["PATCH", `${sources(workspaceId)}/${id}`, { name: "Mine now" }],
      ["POST", `${sources(workspaceId)}/${id}/validate`],
      ["DELETE", `${sources(workspaceId)}/${id}`],
    ];
    // Bob is no member of A: A's routes do not exist for him.
    for (const [method, path, body] of routes(workspaceA, ofA.id)) {
      const response = await bob.call(path, { method, body });
      expect(response.status, `${method} ${path}`).toBe(404);
      expect(response.body.error.code).toBe("not_found");
    }
    // Alice reaching B's data source through her own workspace: not found either.
    for (const [method, path, body] of routes(workspaceA, ofB.id).filter(([, path]) => path.includes(ofB.id))) {
      const response = await alice.call(path, { method, body });
      expect(response.status, `${method} ${path}`).toBe(404);
    }
    expect((await bob.call(`${sources(workspaceB)}/${ofB.id}`)).body.name).toBe("B's");
    // Victor is a viewer of A: he reads, he does not write or call the provider.
    for (const [method, path, body] of routes(workspaceA, ofA.id)) {
      const response = await victor.call(path, { method, body });
      expect(response.status, `${method} ${path}`).toBe(method === "GET" ? 200 : 403);
      if (method !== "GET") expect(response.body.error.message).toContain("admin");
    }
    expect((await call(backend, sources(workspaceA))).status).toBe(401);
    expect((await alice.call(`${sources(workspaceA)}/not-a-uuid`)).body.error.field).toBe("params.dataSourceId");
  });
});

describe("connect unavailable", () => {
  it("answers 503 connect_unavailable when connect is down, saving nothing", { timeout: startupTimeoutMs }, async () => {
    const other = await startBackend({ CONNECT_SERVICE_URL: "http://127.0.0.1:9", CONNECT_SERVICE_TOKEN: connect.connectToken });
    try {
      const user = await signUp(other, "lonely");
      const workspace = (await user.call("/api/workspaces", { body: { name: "Offline" } })).body.id as string;
      const listing = await user.call("/api/connectors");
      expect(listing.status).toBe(503);
      expect(listing.body.error.code).toBe("connect_unavailable");
      const { name: _name, ...validateBody } = githubBody();
      for (const [path, body] of [[sources(workspace), githubBody()], [`${sources(workspace)}/validate`, validateBody]] as const) {
        const response = await user.call(path, { body });
        expect(response.status, path).toBe(503);
        expect(response.body.error.code).toBe("connect_unavailable");
        expectNoSecret(response.body);
      }
      expect(await other.test.databases.core.selectFrom("data_sources").selectAll().execute()).toEqual([]);
      expectNoSecret(other.logLines.join("\n"));
    } finally {
      await other.close();
    }
  });

  it("says so when connect refuses the backend's service token", async () => {
    const client = new ConnectClient({ baseUrl: connect.connectUrl, serviceToken: "not-the-connect-token" });
    await expect(new ConnectorsCatalog(client).list()).rejects.toMatchObject({ code: "connect_unavailable", message: expect.stringContaining("CONNECT_SERVICE_TOKEN") });
    const check = validateThroughConnect(client, { connector: "github", credentials: connect.github.credentials, config: connect.github.config });
    await expect(check).rejects.toMatchObject({ code: "connect_unavailable", message: expect.stringContaining("CONNECT_SERVICE_TOKEN") });
  });
});

describe("secrets", () => {
  it("no credential is in any stored row or any log line of the backend or connect", async () => {
    const rows = await dataSourceRows();
    expect(rows.length).toBeGreaterThan(3);
    for (const row of rows) expect(row.credentials_encrypted).toMatch(/^v1\.[0-9a-f]{12}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expectNoSecret(rows);
    expect(backend.logLines.some((line) => line.includes("data source created"))).toBe(true);
    expectNoSecret(backend.logLines.join("\n"));
    expect(connect.connectLogs.some((line) => line.includes("credentials validated"))).toBe(true);
    expectNoSecret(connect.connectLogs.join("\n"));
  });
});
