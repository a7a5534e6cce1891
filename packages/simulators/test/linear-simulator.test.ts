import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  demoUserIds,
  linearDemoAccessToken,
  linearDemoApiKey,
  startLinearSimulator,
  type LinearSimulator,
} from "../src/linear/index.js";

let sim: LinearSimulator;

beforeAll(async () => {
  sim = await startLinearSimulator();
  sim.addToken("lin_api_writeOnlyKey0000000000000000000000000001", {
    kind: "api_key",
    userId: demoUserIds.grace,
    scopes: ["write"],
  });
});

afterAll(async () => {
  await sim.close();
});

afterEach(() => {
  sim.faults.clear();
  sim.requests.clear();
});

interface GraphqlAnswer {
  status: number;
  headers: Headers;
  body: unknown;
  text: string;
}

async function post(
  authorization: string | undefined,
  query: string,
  extra: { variables?: Record<string, unknown>; operationName?: string } = {},
  target: LinearSimulator = sim,
): Promise<GraphqlAnswer> {
  const response = await fetch(`${target.url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(authorization ? { authorization } : {}) },
    body: JSON.stringify({ query, ...extra }),
  });
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: response.status, headers: response.headers, body, text };
}

const authenticationErrorBody = {
  errors: [
    {
      message: "Authentication required, not authenticated",
      extensions: {
        type: "authentication error",
        code: "AUTHENTICATION_ERROR",
        statusCode: 401,
        userError: true,
        userPresentableMessage: "You need to authenticate to access this operation.",
        meta: {},
        http: { status: 401 },
      },
    },
  ],
};

describe("linear simulator: authentication", () => {
  it("answers the viewer and organization for a personal API key sent bare", async () => {
    const answer = await post(linearDemoApiKey, "{ viewer { id name email } organization { id name urlKey } }");
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      data: {
        viewer: { id: demoUserIds.ada, name: "Ada Lovelace", email: "ada@tributary.test" },
        organization: { id: "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b01", name: "Tributary Demo", urlKey: "tributary-demo" },
      },
    });
  });

  it("accepts an OAuth access token only as a bearer token", async () => {
    expect((await post(`Bearer ${linearDemoAccessToken}`, "{ viewer { id } }")).status).toBe(200);
    const bare = await post(linearDemoAccessToken, "{ viewer { id } }");
    expect(bare.status).toBe(401);
    expect(bare.body).toEqual(authenticationErrorBody);
  });

  it("rejects a personal API key sent as a bearer token, as Linear does", async () => {
    const answer = await post(`Bearer ${linearDemoApiKey}`, "{ viewer { id } }");
    expect(answer.status).toBe(401);
    expect(answer.body).toEqual(authenticationErrorBody);
  });

  it("rejects a request without credentials, counting it against the IP's unauthenticated budget", async () => {
    const answer = await post(undefined, "{ viewer { id } }");
    expect(answer.status).toBe(401);
    expect(answer.body).toEqual(authenticationErrorBody);
    expect(answer.headers.get("x-ratelimit-requests-limit")).toBe("600");
  });
});

describe("linear simulator: rate-limit headers and complexity", () => {
  it("sends the request and complexity budgets, resets in epoch milliseconds, on every answer", async () => {
    const fresh = await startLinearSimulator();
    try {
      const before = Date.now();
      const answer = await post(linearDemoApiKey, "{ viewer { id } }", {}, fresh);
      const after = Date.now();
      expect(answer.headers.get("x-ratelimit-requests-limit")).toBe("2500");
      expect(answer.headers.get("x-ratelimit-requests-remaining")).toBe("2499");
      expect(answer.headers.get("x-ratelimit-complexity-limit")).toBe("3000000");
      expect(answer.headers.get("x-ratelimit-complexity-remaining")).toBe("2999998");
      expect(answer.headers.get("x-complexity")).toBe("2");
      const reset = Number(answer.headers.get("x-ratelimit-requests-reset"));
      // One request refills in 1/2500 of an hour: the reset is an instant in ms, a little ahead.
      expect(reset).toBeGreaterThan(before);
      expect(reset).toBeLessThanOrEqual(after + 1440 + 1);
    } finally {
      await fresh.close();
    }
  });

  it("uses the OAuth budgets for OAuth tokens", async () => {
    const answer = await post(`Bearer ${linearDemoAccessToken}`, "{ viewer { id } }");
    expect(answer.headers.get("x-ratelimit-requests-limit")).toBe("5000");
    expect(answer.headers.get("x-ratelimit-complexity-limit")).toBe("2000000");
  });

  it.each([
    ["{ viewer { name } }", "2"],
    ["{ teams(first: 10) { nodes { id name } } }", "12"],
    ["{ issues { nodes { id title createdAt } } }", "65"],
    ["{ issues(first: 10) { nodes { id } pageInfo { hasNextPage endCursor } } }", "13"],
    ["{ comments(first: 2) { edges { cursor node { id user { name } } } } }", "5"],
  ])("computes the complexity of %s as Linear documents it", async (query, complexity) => {
    const answer = await post(linearDemoApiKey, query);
    expect(answer.status).toBe(200);
    expect(answer.headers.get("x-complexity")).toBe(complexity);
  });

  it("answers RATELIMITED with HTTP 400 once the request budget is used up", async () => {
    const small = await startLinearSimulator({ budgets: { api_key: { requestsPerHour: 2, complexityPerHour: 1000 } } });
    try {
      expect((await post(linearDemoApiKey, "{ viewer { id } }", {}, small)).status).toBe(200);
      expect((await post(linearDemoApiKey, "{ viewer { id } }", {}, small)).status).toBe(200);
      const answer = await post(linearDemoApiKey, "{ viewer { id } }", {}, small);
      expect(answer.status).toBe(400);
      expect(answer.body).toEqual({
        errors: [
          {
            message: "Rate limit exceeded. Only 2 requests are allowed per 1 hour.",
            extensions: {
              type: "ratelimited",
              code: "RATELIMITED",
              statusCode: 429,
              userError: true,
              userPresentableMessage: "Too many requests, please try again later.",
            },
          },
        ],
      });
      expect(answer.headers.get("x-ratelimit-requests-remaining")).toBe("0");
      expect(Number(answer.headers.get("x-ratelimit-requests-reset"))).toBeGreaterThan(Date.now());
    } finally {
      await small.close();
    }
  });

  it("answers RATELIMITED when a query costs more complexity than is left", async () => {
    const small = await startLinearSimulator({ budgets: { api_key: { requestsPerHour: 100, complexityPerHour: 60 } } });
    try {
      const answer = await post(linearDemoApiKey, "{ issues { nodes { id title createdAt } } }", {}, small);
      expect(answer.status).toBe(400);
      expect(answer.body).toMatchObject({ errors: [{ extensions: { code: "RATELIMITED" } }] });
      expect(answer.headers.get("x-ratelimit-complexity-remaining")).toBe("60");
    } finally {
      await small.close();
    }
  });
});

describe("linear simulator: scopes", () => {
  it("refuses root connections without read, naming the scope per field and nulling data", async () => {
    const answer = await post(
      "lin_api_writeOnlyKey0000000000000000000000000001",
      "query Probe {\n  viewer { id }\n  teams(first: 1) { nodes { id } }\n}",
    );
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({
      errors: [
        {
          message: "Invalid scope: `read` required",
          locations: [{ line: 3, column: 3 }],
          path: ["teams"],
          extensions: { type: "forbidden", code: "FORBIDDEN", statusCode: 403, userError: true },
        },
      ],
      data: null,
    });
  });

  it("still tells a key without read whom it belongs to", async () => {
    const answer = await post("lin_api_writeOnlyKey0000000000000000000000000001", "{ viewer { id } }");
    expect(answer.body).toEqual({ data: { viewer: { id: demoUserIds.grace } } });
  });
});

describe("linear simulator: faults", () => {
  it("renders an injected rate limit as Linear does: HTTP 400, RATELIMITED, reset in epoch ms", async () => {
    sim.faults.inject({ kind: "rate_limit", retryAfterSeconds: 42 });
    const before = Date.now();
    const answer = await post(linearDemoApiKey, "{ viewer { id } }");
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ errors: [{ extensions: { code: "RATELIMITED", type: "ratelimited" } }] });
    expect(answer.headers.get("x-ratelimit-requests-remaining")).toBe("0");
    const reset = Number(answer.headers.get("x-ratelimit-requests-reset"));
    expect(reset).toBeGreaterThanOrEqual(before + 42_000);
    expect(reset).toBeLessThanOrEqual(Date.now() + 42_000);
  });

  it("answers an injected 500 with a GraphQL internal error", async () => {
    sim.faults.inject({ kind: "server_error" });
    const answer = await post(linearDemoApiKey, "{ viewer { id } }");
    expect(answer.status).toBe(500);
    expect(answer.body).toEqual({
      errors: [
        {
          message: "Internal server error",
          extensions: { type: "internal error", code: "INTERNAL_SERVER_ERROR", statusCode: 500, userError: false },
        },
      ],
    });
  });

  it("answers an injected 503 with the edge's HTML page", async () => {
    sim.faults.inject({ kind: "server_error", status: 503 });
    const answer = await post(linearDemoApiKey, "{ viewer { id } }");
    expect(answer.status).toBe(503);
    expect(answer.headers.get("content-type")).toContain("text/html");
    expect(answer.text).toContain("503 Service Unavailable");
  });

  it("answers an injected malformed fault with a cut JSON body", async () => {
    sim.faults.inject({ kind: "malformed" });
    const answer = await post(linearDemoApiKey, "{ viewer { id } }");
    expect(answer.status).toBe(200);
    expect(answer.body).toBeUndefined();
    expect(answer.headers.get("content-type")).toContain("application/json");
  });
});

describe("linear simulator: queries", () => {
  it("pages a root connection with first/after and pageInfo, newest first", async () => {
    const first = await post(linearDemoApiKey, "{ teams(first: 1) { nodes { key } pageInfo { hasNextPage endCursor } } }");
    expect(first.body).toEqual({
      data: { teams: { nodes: [{ key: "GRO" }], pageInfo: { hasNextPage: true, endCursor: "0f5e7c2a-8d4b-4e1f-b6a9-3d2c1b0a9e02" } } },
    });
    const second = await post(
      linearDemoApiKey,
      "query Next($after: String) { teams(first: 1, after: $after) { nodes { key } pageInfo { hasNextPage } } }",
      { variables: { after: "0f5e7c2a-8d4b-4e1f-b6a9-3d2c1b0a9e02" } },
    );
    expect(second.body).toEqual({ data: { teams: { nodes: [{ key: "CORE" }], pageInfo: { hasNextPage: false } } } });
  });

  it("hides archived rows unless includeArchived, and filters and orders by updatedAt", async () => {
    const visible = await post(linearDemoApiKey, "{ issues { nodes { identifier } } }");
    expect(visible.body).toEqual({
      data: { issues: { nodes: [{ identifier: "CORE-3" }, { identifier: "CORE-2" }, { identifier: "CORE-1" }, { identifier: "GRO-1" }] } },
    });
    const changed = await post(
      linearDemoApiKey,
      '{ issues(includeArchived: true, orderBy: updatedAt, filter: { updatedAt: { gt: "2024-12-01T00:00:00.000Z" } }) { nodes { identifier archivedAt team { key } } } }',
    );
    expect(changed.body).toEqual({
      data: {
        issues: {
          nodes: [
            { identifier: "CORE-2", archivedAt: null, team: { key: "CORE" } },
            { identifier: "CORE-3", archivedAt: null, team: { key: "CORE" } },
            { identifier: "CORE-1", archivedAt: null, team: { key: "CORE" } },
            { identifier: "GRO-1", archivedAt: null, team: { key: "GRO" } },
            { identifier: "GRO-2", archivedAt: "2024-12-20T10:00:00.000Z", team: { key: "GRO" } },
          ],
        },
      },
    });
  });

  it("supports aliases, fragments, inline fragments and @skip", async () => {
    const answer = await post(
      linearDemoApiKey,
      "query Me { me: viewer { ...Who } } fragment Who on User { id ... on User { name } email @skip(if: true) }",
      { operationName: "Me" },
    );
    expect(answer.body).toEqual({ data: { me: { id: demoUserIds.ada, name: "Ada Lovelace" } } });
  });

  it("answers a syntax error with GRAPHQL_PARSE_FAILED and its location", async () => {
    const answer = await post(linearDemoApiKey, "{ viewer { id ");
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({
      errors: [
        {
          message: "Syntax Error: Expected Name, found <EOF>.",
          locations: [{ line: 1, column: 15 }],
          extensions: { code: "GRAPHQL_PARSE_FAILED" },
        },
      ],
    });
  });

  it("answers unknown fields and arguments with GRAPHQL_VALIDATION_FAILED", async () => {
    const answer = await post(linearDemoApiKey, "{ viewer { id nickname } teams(limit: 1) { nodes { id } } }");
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({
      errors: [
        {
          message: 'Cannot query field "nickname" on type "User".',
          locations: [{ line: 1, column: 15 }],
          extensions: { code: "GRAPHQL_VALIDATION_FAILED" },
        },
        {
          message: 'Unknown argument "limit" on field "Query.teams".',
          locations: [{ line: 1, column: 26 }],
          extensions: { code: "GRAPHQL_VALIDATION_FAILED" },
        },
      ],
    });
  });
});
