/**
 * `tributary login` without --token: the device flow against a loopback server implementing the contract
 * (POST /api/cli/device-codes, then polling POST /api/cli/device-codes/token). The clock is the test's:
 * sleeping returns at once and records the interval asked for.
 */
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { run } from "../src/run.js";
import { ALICE, type FakeBackend, startFakeBackend } from "./support/fake-backend.js";
import { tempDir, testIo } from "./support/test-io.js";

const DEVICE_TOKEN = "trb_pat_from_device_flow_abcdef";
const pending = { status: 400, body: { error: { code: "authorization_pending", message: "Waiting" } } };
const slowDown = { status: 400, body: { error: { code: "slow_down", message: "Too fast" } } };
const approved = { status: 200, body: { access_token: DEVICE_TOKEN, user: ALICE } };

let backend: FakeBackend;
let work: { path: string; remove: () => Promise<void> };

beforeEach(async () => {
  backend = await startFakeBackend();
  work = await tempDir();
});
afterEach(async () => {
  await backend.close();
  await work.remove();
});

async function login(extra: string[] = [], tty = false) {
  const io = testIo({ cwd: work.path, env: { TRIBUTARY_CONFIG_DIR: join(work.path, "config") } });
  io.stdoutIsTTY = tty;
  const code = await run(["login", "--url", backend.url, ...extra], io);
  const stdout = io.out.join("");
  const stderr = io.err.join("");
  expect(stdout + stderr).not.toContain(DEVICE_TOKEN);
  return { code, stdout, stderr, io };
}

const configFile = () => join(work.path, "config", "config.json");
const tokenPolls = () => backend.state.requests.filter((request) => request.path === "/api/cli/device-codes/token");

describe("device login", () => {
  it("shows the code, polls every interval, adds 5 s on slow_down, saves the token", async () => {
    backend.state.device.tokenAnswers = [pending, pending, slowDown, pending, approved];
    const { code, stdout, io } = await login();
    expect(code).toBe(0);
    expect(stdout).toContain("open http://127.0.0.1/cli/device and enter the code WDJB-MJHT");
    expect(stdout).toContain("http://127.0.0.1/cli/device?code=WDJB-MJHT");
    expect(stdout).toContain(`Logged in to ${backend.url} as ${ALICE.name}`);
    expect(io.sleeps).toEqual([1000, 1000, 1000, 6000, 6000]);
    expect(tokenPolls()).toHaveLength(5);
    expect(tokenPolls().every((request) => JSON.stringify(request.body) === '{"device_code":"dev_code_1"}')).toBe(true);
    expect(JSON.parse(await readFile(configFile(), "utf8"))).toEqual({ url: backend.url, token: DEVICE_TOKEN });
    expect((await stat(configFile())).mode & 0o777).toBe(0o600);
    // Not a terminal: no browser.
    expect(io.opened).toEqual([]);
  });

  it("opens the browser on a terminal", async () => {
    backend.state.device.tokenAnswers = [approved];
    const { code, io } = await login([], true);
    expect(code).toBe(0);
    expect(io.opened).toEqual(["http://127.0.0.1/cli/device?code=WDJB-MJHT"]);
  });

  it("under --json prints one document on stdout and the instructions on stderr", async () => {
    backend.state.device.tokenAnswers = [pending, approved];
    const { code, stdout, stderr } = await login(["--json"]);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ url: backend.url, user: ALICE });
    expect(stderr).toContain("WDJB-MJHT");
  });

  it("access_denied exits 3 and saves nothing", async () => {
    backend.state.device.tokenAnswers = [pending, { status: 400, body: { error: { code: "access_denied", message: "Denied" } } }];
    const { code, stdout } = await login(["--json"]);
    expect(code).toBe(3);
    expect(JSON.parse(stdout)).toEqual({ error: { code: "access_denied", message: "The login was denied in the browser" } });
    await expect(stat(configFile())).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("expired_token exits 3", async () => {
    backend.state.device.tokenAnswers = [{ status: 400, body: { error: { code: "expired_token", message: "Expired" } } }];
    const { code, stderr } = await login();
    expect(code).toBe(3);
    expect(stderr).toContain("expired before it was approved");
  });

  it("stops polling at expires_in even if the server keeps answering pending", async () => {
    backend.state.device.codeAnswer = { ...backend.state.device.codeAnswer, expires_in: 5, interval: 2 };
    backend.state.device.tokenAnswers = [pending];
    const { code, io } = await login();
    expect(code).toBe(3);
    expect(io.sleeps).toEqual([2000, 2000, 2000]);
  });

  it("an unexpected polling error exits 1 with the server's message", async () => {
    backend.state.device.tokenAnswers = [{ status: 500, body: { error: { code: "internal_error", message: "Boom" } } }];
    const { code, stderr } = await login();
    expect(code).toBe(1);
    expect(stderr).toBe("tributary: Boom\n");
  });

  it("a malformed device code answer exits 1 naming the field", async () => {
    backend.state.device.codeAnswer = { device_code: "d", verification_uri: "http://x", expires_in: 600 };
    const { code, stderr } = await login();
    expect(code).toBe(1);
    expect(stderr).toContain('"user_code"');
  });
});
