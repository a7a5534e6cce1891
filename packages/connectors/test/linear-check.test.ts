import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ConnectorError } from "../src/core/connector-errors.js";
import { silentLogger } from "../src/core/logger-types.js";
import { validateConnection, type ValidateConnectionInput } from "../src/core/validate-connection.js";
import { linearConnector } from "../src/linear/index.js";
import {
  demoUserIds,
  linearDemoAccessToken,
  linearDemoApiKey,
  linearDemoCredentials,
  startLinearSimulator,
  type LinearSimulator,
  type LinearTokenGrant,
} from "@tributary/simulators";

let sim: LinearSimulator;

beforeAll(async () => {
  sim = await startLinearSimulator();
});

afterAll(async () => {
  await sim.close();
});

afterEach(() => {
  sim.faults.clear();
  sim.requests.clear();
});

const allStreams = ["teams", "users", "projects", "cycles", "issues", "comments"];

const demoAccount = {
  id: demoUserIds.ada,
  name: "Ada Lovelace",
  email: "ada@tributary.test",
  kind: "user",
  organization: { id: "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b01", name: "Tributary Demo" },
};

let tokenCounter = 0;
/** A fresh credential of the given kind for the demo admin; the body is unique per test. */
function addToken(grant: Omit<LinearTokenGrant, "userId">): string {
  tokenCounter += 1;
  const token =
    grant.kind === "api_key"
      ? `lin_api_test${tokenCounter}Qw8e3Rt5Yu7Io9Pa1Sd3Fg5Hj7Kl9Zx1Cv3`
      : `lin_oauth_test${tokenCounter}0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f6071829`;
  sim.addToken(token, { ...grant, userId: demoUserIds.ada });
  return token;
}

function validate(
  credentials: Record<string, unknown>,
  options: { config?: Record<string, unknown>; streams?: string[]; deadlineMs?: number } = {},
) {
  const input: ValidateConnectionInput = {
    credentials,
    config: { api_base_url: sim.url, ...options.config },
    ...(options.streams ? { streams: options.streams } : {}),
  };
  return validateConnection(linearConnector, input, { deadlineMs: options.deadlineMs ?? 10_000, logger: silentLogger });
}

/** The ConnectorError a validation fails with, after checking that it does not leak the credential. */
async function failure(promise: Promise<unknown>, secret: string): Promise<ConnectorError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ConnectorError);
  const connectorError = error as ConnectorError;
  expect(connectorError.message).not.toContain(secret);
  expect(JSON.stringify(connectorError.details)).not.toContain(secret);
  return connectorError;
}

describe("linear check: success", () => {
  it("resolves the demo API key to its user and workspace with one GraphQL request", async () => {
    const result = await validate(linearDemoCredentials);
    expect(result).toEqual({
      status: "ok",
      connector: "linear",
      account: demoAccount,
      token_type: "api_key",
      granted_scopes: null,
      missing_scopes: [],
      warnings: [],
      streams: allStreams,
    });
    expect(sim.requests.all().map(({ method, path, status }) => ({ method, path, status }))).toEqual([
      { method: "POST", path: "/graphql", status: 200 },
    ]);
  });

  it("accepts an OAuth access token, sent as a bearer token", async () => {
    const result = await validate({ access_token: linearDemoAccessToken });
    expect(result).toMatchObject({ status: "ok", account: demoAccount, token_type: "oauth", missing_scopes: [] });
    expect(sim.requests.count("/graphql")).toBe(1);
  });

  it("accepts an OAuth access token pasted with its Bearer prefix", async () => {
    const result = await validate({ access_token: `Bearer ${linearDemoAccessToken}` });
    expect(result).toMatchObject({ status: "ok", token_type: "oauth" });
  });

  it("checks only the selected streams", async () => {
    const result = await validate(linearDemoCredentials, { streams: ["issues", "comments"] });
    expect(result.streams).toEqual(["issues", "comments"]);
    expect(sim.requests.count("/graphql")).toBe(1);
  });

  it("declares no optional scopes: a read-only OAuth token misses nothing and gets no warnings", async () => {
    // Nothing broader than `read` widens what Linear's streams see, so the optional-scope path of the
    // contract cannot trigger for Linear; this pins that decision.
    expect(linearConnector.streams.every((stream) => stream.optionalScopes.length === 0)).toBe(true);
    const token = addToken({ kind: "oauth", scopes: ["read"] });
    const result = await validate({ access_token: token });
    expect(result).toMatchObject({ missing_scopes: [], warnings: [], granted_scopes: null });
  });
});

describe("linear check: credentials Linear refuses", () => {
  it("reports invalid_credentials for an unknown API key, saying how to get a new one", async () => {
    const key = "lin_api_revokedRevokedRevokedRevokedRevoked01";
    const error = await failure(validate({ api_key: key }), key);
    expect(error.code).toBe("invalid_credentials");
    expect(error.message).toBe(
      "Linear rejected the personal API key: it is wrong, revoked or expired. Create a new key under Settings → Account → Security & access in Linear and paste it again.",
    );
    expect(error.details).toEqual({ providerStatus: 401 });
    expect(sim.requests.count("/graphql")).toBe(1);
  });

  it("reports invalid_credentials for an unknown OAuth token", async () => {
    const token = "lin_oauth_0000000000000000000000000000000000000000000000000000000000000000";
    const error = await failure(validate({ access_token: token }), token);
    expect(error.code).toBe("invalid_credentials");
    expect(error.message).toContain("Linear rejected the OAuth access token");
    expect(error.message).toContain("Authorize the Linear OAuth application again");
  });
});

describe("linear check: scopes", () => {
  it("fails with missing_scopes when an API key lacks read, naming the scope and the account", async () => {
    const token = addToken({ kind: "api_key", scopes: ["write", "issues:create"] });
    const error = await failure(validate({ api_key: token }), token);
    expect(error.code).toBe("missing_scopes");
    expect(error.details).toEqual({ missingScopes: ["read"], account: demoAccount });
    expect(error.message).toBe(
      "The Linear personal API key may not read teams, users, projects, cycles, issues, comments: Linear requires the scope `read`. Create a key with Full access, or with the Read permission, under Settings → Account → Security & access in Linear.",
    );
    // The refused probes null the whole answer, so the identity is asked for again.
    expect(sim.requests.all().map(({ status }) => status)).toEqual([400, 200]);
  });

  it("names only the selected streams it could not read", async () => {
    const token = addToken({ kind: "api_key", scopes: ["write"] });
    const error = await failure(validate({ api_key: token }, { streams: ["comments"] }), token);
    expect(error.code).toBe("missing_scopes");
    expect(error.details.missingScopes).toEqual(["read"]);
    expect(error.message).toContain("may not read comments:");
  });
});

describe("linear check: rate limits", () => {
  it("reports rate_limited with the retry time from X-RateLimit-Requests-Reset, without retrying", async () => {
    sim.faults.inject({ kind: "rate_limit", retryAfterSeconds: 42 });
    const error = await failure(validate(linearDemoCredentials), linearDemoApiKey);
    expect(error.code).toBe("rate_limited");
    // The reset header is an absolute instant; a few milliseconds pass between answer and reading.
    expect(error.details.retryAfterMs).toBeGreaterThan(40_000);
    expect(error.details.retryAfterMs).toBeLessThanOrEqual(42_000);
    expect(error.message).toBe("Linear rate limit reached (request limit of 2500 per hour used up); retry in 42 s");
    expect(sim.requests.count("/graphql")).toBe(1);
  });

  it("classifies RATELIMITED by the errors array even when Linear answers HTTP 200", async () => {
    const legacy = await startLinearSimulator({ rateLimitedStatus: 200 });
    try {
      legacy.faults.inject({ kind: "rate_limit", retryAfterSeconds: 5 });
      const error = await failure(
        validateConnection(
          linearConnector,
          { credentials: linearDemoCredentials, config: { api_base_url: legacy.url } },
          { deadlineMs: 10_000, logger: silentLogger },
        ),
        linearDemoApiKey,
      );
      expect(error.code).toBe("rate_limited");
      expect(legacy.requests.all().map(({ status }) => status)).toEqual([200]);
    } finally {
      await legacy.close();
    }
  });

  it("reports rate_limited when the user's request budget is used up", async () => {
    const token = addToken({ kind: "oauth", scopes: ["read"] });
    const limited = await startLinearSimulator();
    try {
      limited.addToken(token, { kind: "oauth", userId: demoUserIds.ada, scopes: ["read"] });
      limited.exhaustRequestBudget(token);
      const error = await failure(
        validateConnection(
          linearConnector,
          { credentials: { access_token: token }, config: { api_base_url: limited.url } },
          { deadlineMs: 10_000, logger: silentLogger },
        ),
        token,
      );
      expect(error.code).toBe("rate_limited");
      expect(error.message).toMatch(/^Linear rate limit reached \(request limit of 5000 per hour used up\); retry in \d+ s$/);
      expect(error.details.retryAfterMs).toBeGreaterThan(0);
    } finally {
      await limited.close();
    }
  });
});

describe("linear check: outages", () => {
  it("retries 5xx answers and succeeds once Linear recovers", async () => {
    sim.faults.inject({ kind: "server_error", status: 500, times: 1 });
    sim.faults.inject({ kind: "server_error", status: 503, times: 1 });
    const result = await validate(linearDemoCredentials);
    expect(result.account).toEqual(demoAccount);
    expect(sim.requests.all().map(({ status }) => status)).toEqual([500, 503, 200]);
  });

  it("gives up with provider_unavailable when 5xx answers last until the deadline", async () => {
    sim.faults.inject({ kind: "server_error", status: 502, times: Number.POSITIVE_INFINITY });
    const error = await failure(validate(linearDemoCredentials, { deadlineMs: 1500 }), linearDemoApiKey);
    expect(error.code).toBe("provider_unavailable");
    expect(error.message).toMatch(/^Linear did not answer successfully within 1\.\d s after \d+ attempts: HTTP 502$/);
    expect(error.details.providerStatus).toBe(502);
    expect(sim.requests.count("/graphql")).toBeGreaterThan(1);
  });

  it("retries a malformed body and succeeds", async () => {
    sim.faults.inject({ kind: "malformed", times: 1 });
    const result = await validate(linearDemoCredentials);
    expect(result.status).toBe("ok");
    expect(sim.requests.all().map(({ status }) => status)).toEqual([200, 200]);
  });

  it("gives up with provider_unavailable when every body is malformed", async () => {
    sim.faults.inject({ kind: "malformed", times: Number.POSITIVE_INFINITY });
    const error = await failure(validate(linearDemoCredentials, { deadlineMs: 1500 }), linearDemoApiKey);
    expect(error.code).toBe("provider_unavailable");
    expect(error.message).toContain("malformed response body (HTTP 200)");
  });

  it("reports provider_error, pointing at api_base_url, when the URL is not a GraphQL API", async () => {
    const error = await failure(
      validate(linearDemoCredentials, { config: { api_base_url: `${sim.url}/rest/v1` } }),
      linearDemoApiKey,
    );
    expect(error.code).toBe("provider_error");
    expect(error.message).toContain("check that api_base_url points at the Linear API");
  });
});

describe("linear check: bad input", () => {
  it.each([
    [{}, "credentials.api_key", "credentials.api_key: is required: provide api_key (a personal API key, lin_api_…) or access_token (an OAuth access token)"],
    [{ api_key: 42 }, "credentials.api_key", "credentials.api_key: must be a string"],
    [{ api_key: "   " }, "credentials.api_key", "credentials.api_key: must not be empty"],
    [{ access_token: "" }, "credentials.access_token", "credentials.access_token: must not be empty"],
    [
      { api_key: linearDemoApiKey, access_token: linearDemoAccessToken },
      "credentials.access_token",
      "credentials.access_token: must not be given together with api_key: provide one credential only",
    ],
    [
      { api_key: `Bearer ${linearDemoApiKey}` },
      "credentials.api_key",
      'credentials.api_key: must be the bare key without a "Bearer " prefix: Linear rejects personal API keys sent as bearer tokens',
    ],
    [
      { api_key: linearDemoAccessToken },
      "credentials.api_key",
      "credentials.api_key: looks like an OAuth access token (lin_oauth_…): put it in access_token instead",
    ],
    [
      { access_token: linearDemoApiKey },
      "credentials.access_token",
      "credentials.access_token: looks like a personal API key (lin_api_…): put it in api_key instead",
    ],
    [
      { token: linearDemoApiKey },
      "credentials",
      'credentials: unknown field "token"; expected api_key (a personal API key, lin_api_…) or access_token (an OAuth access token)',
    ],
  ])("rejects credentials %j as bad_request naming the field", async (credentials, field, message) => {
    const error = await failure(validate(credentials), linearDemoApiKey);
    expect(error.code).toBe("bad_request");
    expect(error.details.field).toBe(field);
    expect(error.message).toBe(message);
    expect(error.message).not.toContain(linearDemoAccessToken);
    expect(sim.requests.count()).toBe(0);
  });

  it("rejects an api_base_url that is not http(s)", async () => {
    const error = await failure(validate(linearDemoCredentials, { config: { api_base_url: "ftp://linear.example" } }), linearDemoApiKey);
    expect(error.code).toBe("bad_request");
    expect(error.details.field).toBe("config.api_base_url");
  });

  it("rejects an unknown config field", async () => {
    const error = await failure(validate(linearDemoCredentials, { config: { workspace: "x" } }), linearDemoApiKey);
    expect(error.code).toBe("bad_request");
    expect(error.details.field).toBe("config");
  });

  it("rejects an unknown stream, naming its position and the known ones", async () => {
    const error = await failure(validate(linearDemoCredentials, { streams: ["issues", "labels"] }), linearDemoApiKey);
    expect(error.code).toBe("bad_request");
    expect(error.details.field).toBe("streams.1");
    expect(error.message).toBe('streams.1: unknown stream "labels" (known: teams, users, projects, cycles, issues, comments)');
    expect(sim.requests.count()).toBe(0);
  });
});
