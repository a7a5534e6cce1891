/**
 * `tributary login` in a browser against the real backend (its device-code routes, in this process on
 * fresh databases): the user approves the code shown by the CLI while the CLI waits for its first poll,
 * then the CLI's saved token works for `status`.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningBackend, signUp, startBackend } from "../../backend/test/support/backend-harness.js";
import { run } from "../src/run.js";
import { tempDir, testIo } from "./support/test-io.js";

let backend: RunningBackend;
let work: { path: string; remove: () => Promise<void> };

beforeAll(async () => {
  backend = await startBackend();
  work = await tempDir();
});
afterAll(async () => {
  await backend?.close();
  await work?.remove();
});

function cliIo() {
  return testIo({ cwd: work.path, env: { TRIBUTARY_CONFIG_DIR: join(work.path, "config") } });
}

describe("device login against the backend", () => {
  it("approved in the browser: the CLI saves a working token", async () => {
    const alice = await signUp(backend, "alice");
    const io = cliIo();
    const sleep = io.sleep;
    // The "browser": before the CLI's first poll, approve the code it printed.
    io.sleep = async (ms) => {
      if (io.sleeps.length === 0) {
        const userCode = /enter the code ([A-Z]{4}-[A-Z]{4})/.exec(io.out.join(""))?.[1];
        expect(userCode).toBeDefined();
        const approved = await alice.call("/api/cli/device-codes/approve", { body: { user_code: userCode } });
        expect(approved.status).toBe(200);
      }
      await sleep(ms);
    };
    expect(await run(["login", "--url", backend.url], io)).toBe(0);
    expect(io.out.join("")).toContain(`${backend.url}/cli/device`);
    expect(io.out.join("")).toContain(`as alice <${alice.email}>`);
    const saved = JSON.parse(await readFile(join(work.path, "config", "config.json"), "utf8")) as { url: string; token: string };
    expect(saved.url).toBe(backend.url);
    expect(saved.token).toMatch(/^trb_pat_/);
    expect(io.out.join("") + io.err.join("")).not.toContain(saved.token);

    const status = cliIo();
    expect(await run(["status", "--json"], status)).toBe(0);
    expect(JSON.parse(status.out.join(""))).toMatchObject({ url: backend.url, user: { email: alice.email }, token_source: "config" });
  });

  it("denied in the browser: exit 3, nothing saved", async () => {
    const bob = await signUp(backend, "bob");
    const io = testIo({ cwd: work.path, env: { TRIBUTARY_CONFIG_DIR: join(work.path, "config-bob") } });
    const sleep = io.sleep;
    io.sleep = async (ms) => {
      if (io.sleeps.length === 0) {
        // Under --json the instructions are on stderr.
        const userCode = /enter the code ([A-Z]{4}-[A-Z]{4})/.exec(io.err.join(""))?.[1];
        expect((await bob.call("/api/cli/device-codes/approve", { body: { user_code: userCode, approve: false } })).status).toBe(200);
      }
      await sleep(ms);
    };
    expect(await run(["login", "--url", backend.url, "--json"], io)).toBe(3);
    expect(JSON.parse(io.out.join(""))).toMatchObject({ error: { code: "access_denied" } });
    await expect(readFile(join(work.path, "config-bob", "config.json"))).rejects.toMatchObject({ code: "ENOENT" });
  });
});
