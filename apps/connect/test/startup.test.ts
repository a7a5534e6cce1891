import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { githubDemoConfig, githubDemoCredentials, startGithubSimulator, type RunningSimulator } from "@tributary/simulators";
import { runConnectToExit, startConnectProcess } from "./support/connect-process.js";
import { readBody } from "./support/connect-in-process.js";

describe("start-up refusals (real process)", () => {
  it("exits non-zero without CONNECT_SERVICE_TOKEN, before listening", async () => {
    const { code, stdout, stderr } = await runConnectToExit({ PORT: "0" });
    expect(code).not.toBe(0);
    expect(stderr).toEqual(["CONNECT_SERVICE_TOKEN must be set"]);
    expect(stdout.join("\n")).not.toContain("listening");
  });

  it("exits non-zero with a one-line error naming a malformed PORT", async () => {
    const { code, stdout, stderr } = await runConnectToExit({ CONNECT_SERVICE_TOKEN: "t", PORT: "http" });
    expect(code).not.toBe(0);
    expect(stderr).toHaveLength(1);
    expect(stderr[0]).toMatch(/^PORT must be a whole number/);
    expect(stdout).toEqual([]);
  });
});

describe("graceful shutdown (real process)", () => {
  let github: RunningSimulator;

  beforeAll(async () => {
    github = await startGithubSimulator();
  });

  afterAll(async () => {
    await github.close();
  });

  it("finishes the in-flight request on SIGTERM, then exits 0", async () => {
    const token = "shutdown-test-token";
    const connect = await startConnectProcess({ CONNECT_SERVICE_TOKEN: token });
    try {
      github.faults.inject({ kind: "hold" });
      const inFlight = fetch(`${connect.url}/internal/mirror-connections/validate`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-connect-service-token": token },
        body: JSON.stringify({
          connector: "github",
          credentials: githubDemoCredentials,
          config: { ...githubDemoConfig, api_base_url: github.url },
        }),
      });
      await github.faults.waitForHeld();

      connect.child.kill("SIGTERM");
      // New connections are refused once the server has stopped listening.
      await expect.poll(async () => fetch(`${connect.url}/health`).then(() => "open", () => "closed")).toBe("closed");

      github.faults.releaseHeld();
      const response = await inFlight;
      expect(response.status).toBe(200);
      expect((await readBody(response)).status).toBe("ok");
      expect(await connect.exit).toEqual({ code: 0, signal: null });
    } finally {
      await connect.stop();
    }
  });
});
