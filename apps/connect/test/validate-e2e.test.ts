import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as simulators from "@tributary/simulators";
import { startConnectProcess, type ConnectProcess } from "./support/connect-process.js";
import { readBody } from "./support/connect-in-process.js";

/** Each connector's simulator and demo credentials, as `npm start` wires them. */
const providers = [
  { id: "github", start: simulators.startGithubSimulator, credentials: simulators.githubDemoCredentials, config: simulators.githubDemoConfig },
  { id: "slack", start: simulators.startSlackSimulator, credentials: simulators.slackDemoCredentials, config: simulators.slackDemoConfig },
  { id: "linear", start: simulators.startLinearSimulator, credentials: simulators.linearDemoCredentials, config: simulators.linearDemoConfig },
  { id: "hubspot", start: simulators.startHubspotSimulator, credentials: simulators.hubspotDemoCredentials, config: simulators.hubspotDemoConfig },
] as const;

const token = "e2e-service-token";
let connect: ConnectProcess;
const running = new Map<string, simulators.RunningSimulator>();

beforeAll(async () => {
  connect = await startConnectProcess({ CONNECT_SERVICE_TOKEN: token, LOG_LEVEL: "debug" });
  for (const provider of providers) running.set(provider.id, await provider.start());
});

afterAll(async () => {
  await connect.stop();
  for (const simulator of running.values()) await simulator.close();
});

function validate(body: unknown) {
  return fetch(`${connect.url}/internal/mirror-connections/validate`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-connect-service-token": token },
    body: JSON.stringify(body),
  });
}

describe.each(providers)("validate $id over HTTP against its simulator", (provider) => {
  it("resolves the demo account with no scope missing", async () => {
    const simulator = running.get(provider.id)!;
    const response = await validate({
      connector: provider.id,
      credentials: provider.credentials,
      config: { ...provider.config, api_base_url: simulator.url },
    });
    expect(response.status).toBe(200);
    const body = await readBody(response);
    expect(body).toMatchObject({ status: "ok", connector: provider.id, missing_scopes: [] });
    expect(body.account).toMatchObject({ id: expect.any(String), name: expect.any(String) });
    expect(JSON.stringify(body)).not.toContain(Object.values(provider.credentials)[0] as string);
  });

  it("reports rate limiting with a Retry-After", async () => {
    const simulator = running.get(provider.id)!;
    simulator.faults.inject({ kind: "rate_limit", retryAfterSeconds: 42, times: 5 });
    const response = await validate({
      connector: provider.id,
      credentials: provider.credentials,
      config: { ...provider.config, api_base_url: simulator.url },
    });
    simulator.faults.clear();
    expect(response.status).toBe(429);
    const { error } = await readBody(response);
    expect(error.code).toBe("rate_limited");
    expect(error.retry_after_seconds).toBeGreaterThan(0);
    expect(Number(response.headers.get("retry-after"))).toBe(error.retry_after_seconds);
    expect(Date.parse(error.retry_at ?? "")).toBeGreaterThan(Date.now());
  });

  it("answers invalid_credentials for a revoked token", async () => {
    const simulator = running.get(provider.id)!;
    const [field, value] = Object.entries(provider.credentials)[0] as [string, string];
    const response = await validate({
      connector: provider.id,
      credentials: { ...provider.credentials, [field]: `${value.slice(0, -4)}dead` },
      config: { ...provider.config, api_base_url: simulator.url },
    });
    expect(response.status).toBe(422);
    expect((await readBody(response)).error.code).toBe("invalid_credentials");
  });
});

describe("secrets in logs", () => {
  it("never writes a credential to connect's log", async () => {
    // The log is flushed line by line; by now it holds every request above.
    const log = connect.stdout.join("\n") + connect.stderr.join("\n");
    expect(log).toContain("credentials validated");
    for (const provider of providers) {
      for (const value of Object.values(provider.credentials)) expect(log).not.toContain(value as string);
    }
    expect(log).not.toContain(token);
  });
});
