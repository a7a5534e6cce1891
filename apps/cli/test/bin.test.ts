/**
 * The executable itself, spawned: `bin/tributary.js` as npm links it, and the esbuild bundle copied with
 * the bin into a folder without node_modules (what an install of the package alone gets).
 */
import { execFile } from "node:child_process";
import { copyFile, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { buildCli } from "../build.js";
import { ALICE_TOKEN, type FakeBackend, startFakeBackend } from "./support/fake-backend.js";
import { tempDir } from "./support/test-io.js";

const execFileAsync = promisify(execFile);
const cliRoot = fileURLToPath(new URL("..", import.meta.url));

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

/** Spawns node on `script` (asynchronously: the fake backend answers from this process). */
async function spawnCli(script: string, argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { PATH: process.env.PATH, HOME: work.path, TRIBUTARY_CONFIG_DIR: join(work.path, "config"), TRIBUTARY_URL: backend.url, TRIBUTARY_TOKEN: ALICE_TOKEN };
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, [script, ...argv], { cwd: work.path, env });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof failed.code === "number" ? failed.code : -1, stdout: failed.stdout ?? "", stderr: failed.stderr ?? "" };
  }
}

describe("the tributary executable", () => {
  it("bin/tributary.js runs a command and exits with its code", async () => {
    const bin = join(cliRoot, "bin", "tributary.js");
    const list = await spawnCli(bin, ["connectors", "list", "--json"]);
    expect(list.stderr).toBe("");
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout).services).toHaveLength(2);
    const usage = await spawnCli(bin, ["connectors", "connect"]);
    expect(usage.code).toBe(2);
  });

  it("the bundle runs on its own, without node_modules", async () => {
    await mkdir(join(work.path, "pkg", "bin"), { recursive: true });
    await copyFile(join(cliRoot, "bin", "tributary.js"), join(work.path, "pkg", "bin", "tributary.js"));
    await buildCli(join(work.path, "pkg", "dist", "tributary.js"));
    const bin = join(work.path, "pkg", "bin", "tributary.js");
    const status = await spawnCli(bin, ["status", "--json"]);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ url: backend.url, services: { total: 2, connected: 0 } });
    const help = await spawnCli(bin, ["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("Usage: tributary");
  });
});
