import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readBody, startConnect, type InProcessConnect } from "./support/connect-in-process.js";

let connect: InProcessConnect;

beforeAll(async () => {
  connect = await startConnect();
});

afterAll(async () => {
  await connect.close();
});

function call(path: string, init: RequestInit & { token?: string | null } = {}) {
  const headers = new Headers(init.headers);
  const token = init.token === undefined ? connect.token : init.token;
  if (token !== null) headers.set("x-connect-service-token", token);
  return fetch(`${connect.url}${path}`, { ...init, headers });
}

function postJson(path: string, body: unknown, token?: string | null) {
  return call(path, { method: "POST", body: JSON.stringify(body), headers: { "content-type": "application/json" }, token });
}

const protectedRoutes: Array<[string, string]> = [
  ["POST", "/internal/ingestion-runs"],
  ["POST", "/internal/ingestion-runs/some-run/cancel"],
  ["POST", "/internal/mirror-connections/ping"],
  ["POST", "/internal/mirror-connections/validate"],
  ["GET", "/internal/connectors"],
  ["GET", "/openapi.json"],
  ["GET", "/no/such/route"],
];

describe("authentication", () => {
  it("serves /health without a token", async () => {
    const response = await call("/health", { token: null });
    expect(response.status).toBe(200);
    expect(await readBody(response)).toEqual({ status: "ok" });
  });

  it.each(protectedRoutes)("%s %s answers 401 with the exact body when the token is missing", async (method, path) => {
    const response = await call(path, { method, token: null });
    expect(response.status).toBe(401);
    expect(await response.text()).toBe('{"detail":"Invalid connect service token"}');
  });

  it.each(protectedRoutes)("%s %s answers 401 when the token is wrong", async (method, path) => {
    for (const wrong of ["wrong", `${connect.token}x`, connect.token.slice(0, -1), ""]) {
      const response = await call(path, { method, token: wrong });
      expect(response.status).toBe(401);
      expect(await readBody(response)).toEqual({ detail: "Invalid connect service token" });
    }
  });

  it("checks the token before reading the body", async () => {
    const response = await call("/internal/mirror-connections/validate", {
      method: "POST",
      body: "{not json",
      headers: { "content-type": "application/json" },
      token: "wrong",
    });
    expect(response.status).toBe(401);
  });

  it("accepts the right token", async () => {
    const response = await postJson("/internal/mirror-connections/ping", {});
    expect(response.status).toBe(200);
    expect(await readBody(response)).toEqual({ status: "ok" });
  });

  it("answers an authenticated request for an unknown route with 404", async () => {
    const response = await call("/no/such/route");
    expect(response.status).toBe(404);
    expect((await readBody(response)).error.code).toBe("not_found");
  });
});

describe("request ids", () => {
  it("echoes a caller's request id and logs it", async () => {
    const response = await call("/internal/connectors", { headers: { "x-request-id": "req-abc.123" } });
    expect(response.headers.get("x-request-id")).toBe("req-abc.123");
    expect(connect.logs.some((line) => JSON.parse(line).request_id === "req-abc.123")).toBe(true);
  });

  it("makes one up when the caller's is unusable", async () => {
    const response = await call("/health", { headers: { "x-request-id": "bad id with spaces" } });
    expect(response.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe("GET /internal/connectors", () => {
  it("lists every connector with schemas and streams", async () => {
    const response = await call("/internal/connectors");
    expect(response.status).toBe(200);
    const { connectors } = (await response.json()) as { connectors: Array<Record<string, unknown> & { streams: Array<Record<string, unknown>> }> };
    expect(connectors.map((connector) => connector.id)).toEqual(["github", "slack", "linear", "hubspot"]);
    for (const connector of connectors) {
      expect(connector.name).toEqual(expect.any(String));
      expect(connector.credentials_schema).toMatchObject({ type: expect.anything() });
      expect(connector.config_schema).toMatchObject({ type: "object" });
      expect(JSON.stringify(connector.config_schema)).toContain("api_base_url");
      expect(connector.streams.length).toBeGreaterThan(0);
      for (const stream of connector.streams) {
        expect(stream).toMatchObject({
          name: expect.any(String),
          primary_key: expect.any(Array),
          sync_modes: expect.arrayContaining(["full_refresh"]),
        });
        expect((stream.primary_key as string[]).length).toBeGreaterThan(0);
        if ((stream.sync_modes as string[]).includes("incremental")) expect(stream.cursor_field).not.toBeNull();
      }
    }
  });

  it("marks credential fields write-only so forms hide them", async () => {
    const { connectors } = (await (await call("/internal/connectors")).json()) as { connectors: Array<{ credentials_schema: unknown }> };
    for (const connector of connectors) expect(JSON.stringify(connector.credentials_schema)).toContain('"writeOnly":true');
  });
});

describe("POST /internal/mirror-connections/validate input", () => {
  const cases: Array<[string, unknown, string]> = [
    ["missing connector", { credentials: {} }, "connector"],
    ["connector of the wrong type", { connector: 7, credentials: {} }, "connector"],
    ["missing credentials", { connector: "github" }, "credentials"],
    ["credentials not an object", { connector: "github", credentials: "ghp_x" }, "credentials"],
    ["empty stream list", { connector: "github", credentials: { token: "x" }, streams: [] }, "streams"],
    ["stream name of the wrong type", { connector: "github", credentials: { token: "x" }, streams: [3] }, "streams.0"],
    ["a body that is not an object", ["github"], "body"],
  ];

  it.each(cases)("answers 400 naming the field: %s", async (_name, body, field) => {
    const response = await postJson("/internal/mirror-connections/validate", body);
    expect(response.status).toBe(400);
    const payload = await readBody(response);
    expect(payload.error).toMatchObject({ code: "bad_request", field });
    expect(payload.error.message).toContain(field);
  });

  it("answers 400 for a body that is not JSON", async () => {
    const response = await call("/internal/mirror-connections/validate", {
      method: "POST",
      body: "{not json",
      headers: { "content-type": "application/json" },
    });
    expect(response.status).toBe(400);
    expect((await readBody(response)).error).toMatchObject({ code: "bad_request", field: "body" });
  });

  it("answers 404 for an unknown connector", async () => {
    const response = await postJson("/internal/mirror-connections/validate", { connector: "jira", credentials: {} });
    expect(response.status).toBe(404);
    expect((await readBody(response)).error).toMatchObject({ code: "unknown_connector", field: "connector" });
  });

  it("names the connector-specific credential field that is missing", async () => {
    const response = await postJson("/internal/mirror-connections/validate", { connector: "slack", credentials: {} });
    expect(response.status).toBe(400);
    const { error } = await readBody(response);
    expect(error.code).toBe("bad_request");
    expect(error.field).toMatch(/^credentials\./);
  });

  it("names an unknown stream", async () => {
    const response = await postJson("/internal/mirror-connections/validate", {
      connector: "github",
      credentials: { token: "ghp_0123456789abcdef0123456789abcdef0123" },
      streams: ["issues", "tickets"],
    });
    expect(response.status).toBe(400);
    expect((await readBody(response)).error).toMatchObject({ code: "bad_request", field: "streams.1" });
  });

  it("never echoes a credential in a validation error", async () => {
    const canary = "ghp_CANARY0123456789canary0123456789ab";
    const response = await postJson("/internal/mirror-connections/validate", {
      connector: "github",
      credentials: { token: canary, unexpected: canary },
      config: { api_base_url: canary },
    });
    expect(response.status).toBe(400);
    expect(await response.text()).not.toContain("CANARY");
    expect(connect.logs.join("\n")).not.toContain("CANARY");
  });
});

describe("GET /openapi.json", () => {
  it("documents every route", async () => {
    const response = await call("/openapi.json");
    expect(response.status).toBe(200);
    const document = (await response.json()) as { openapi: string; paths: Record<string, unknown>; components: { securitySchemes: unknown } };
    expect(document.openapi).toMatch(/^3\./);
    expect(Object.keys(document.paths).sort()).toEqual(
      [
        "/health",
        "/internal/connectors",
        "/internal/ingestion-runs",
        "/internal/ingestion-runs/{run_id}/cancel",
        "/internal/mirror-connections/ping",
        "/internal/mirror-connections/validate",
        "/internal/schema-mappings/sync",
      ].sort(),
    );
    expect(JSON.stringify(document.paths["/internal/mirror-connections/validate"])).toContain("credentials");
    expect(document.components.securitySchemes).toMatchObject({ serviceToken: { type: "apiKey", name: "x-connect-service-token" } });
  });
});
