/** `sync` against real files: modes, refusals that leave everything as it was, skills, atomic writes. */
import { execFileSync } from "node:child_process";
import { chmod, lstat, mkdir, readFile, readdir, readlink, stat, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Delivery } from "../src/contract.js";
import { CliError } from "../src/errors.js";
import { writeFileAtomic } from "../src/safe-fs.js";
import { applySync, planSync, syncReport } from "../src/sync.js";
import { tempDir } from "./support/test-io.js";

let project: { path: string; remove: () => Promise<void> };
let envPath: string;
let rulesDir: string;

beforeEach(async () => {
  project = await tempDir();
  envPath = join(project.path, ".env");
  rulesDir = join(project.path, ".claude", "rules");
});
afterEach(async () => {
  await project.remove();
});

function delivery(overrides: Partial<Delivery> = {}): Delivery {
  return {
    generated_at: "2026-01-01T00:00:00Z",
    env: [
      { name: "PO_API_KEY", value: "po_live_secret_0123456789", service_id: "purchase_orders" },
      { name: "PO_API_BASE_URL", value: "http://127.0.0.1:4100", service_id: "purchase_orders" },
    ],
    skills: [{ service_id: "purchase_orders", file_name: "sc_purchase_orders.md", content: "# Purchase orders\n" }],
    expired: [],
    ...overrides,
  };
}

async function sync(data: Delivery = delivery()) {
  const plan = await planSync(project.path, data);
  await applySync(plan);
  return syncReport(plan, false);
}

async function syncError(data: Delivery = delivery()): Promise<CliError> {
  try {
    await sync(data);
  } catch (error) {
    if (error instanceof CliError) return error;
    throw error;
  }
  throw new Error("expected sync to fail");
}

const mode = async (path: string) => (await stat(path)).mode & 0o777;

/** Every file under the project, temp files included, to check nothing was left behind. */
async function allFiles(dir = project.path): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true });
  return entries.sort();
}

describe("sync on disk", () => {
  it("creates .env and the skill with mode 600, the rules folder with mode 700", async () => {
    const report = await sync();
    expect(report.env_file).toEqual({ path: envPath, changed: true, entries: 2, mode_tightened: false });
    expect(report.skills).toEqual({ written: ["sc_purchase_orders.md"], removed: [], unchanged: [] });
    expect(await mode(envPath)).toBe(0o600);
    expect(await mode(join(rulesDir, "sc_purchase_orders.md"))).toBe(0o600);
    expect(await mode(rulesDir)).toBe(0o700);
    expect(await readFile(envPath, "utf8")).toContain("PO_API_KEY='po_live_secret_0123456789'\n");
    expect(await readFile(join(rulesDir, "sc_purchase_orders.md"), "utf8")).toBe("# Purchase orders\n");
    expect(await allFiles()).toEqual([".claude", ".claude/rules", ".claude/rules/sc_purchase_orders.md", ".env"]);
  });

  it("tightens a looser existing .env to 600 and keeps its content", async () => {
    await writeFile(envPath, "# mine\r\nA=1\r\n", { mode: 0o644 });
    await chmod(envPath, 0o644);
    await sync();
    expect(await mode(envPath)).toBe(0o600);
    expect(await readFile(envPath, "utf8")).toMatch(/^# mine\r\nA=1\r\n# --- SERVICE CONNECTOR START ---\r\n/);
  });

  it("a second sync with the same data does not rewrite anything", async () => {
    await sync();
    const envBefore = await stat(envPath);
    const skillBefore = await stat(join(rulesDir, "sc_purchase_orders.md"));
    const report = await sync();
    expect(report.env_file.changed).toBe(false);
    expect(report.skills).toEqual({ written: [], removed: [], unchanged: ["sc_purchase_orders.md"] });
    const envAfter = await stat(envPath);
    const skillAfter = await stat(join(rulesDir, "sc_purchase_orders.md"));
    expect([envAfter.ino, envAfter.mtimeMs]).toEqual([envBefore.ino, envBefore.mtimeMs]);
    expect([skillAfter.ino, skillAfter.mtimeMs]).toEqual([skillBefore.ino, skillBefore.mtimeMs]);
  });

  it("tightens an unchanged .env and skill whose mode was loosened, without rewriting them", async () => {
    await sync();
    await chmod(envPath, 0o644);
    await chmod(join(rulesDir, "sc_purchase_orders.md"), 0o664);
    const inode = (await stat(envPath)).ino;
    const report = await sync();
    expect(report.env_file).toMatchObject({ changed: false, mode_tightened: true });
    expect(await mode(envPath)).toBe(0o600);
    expect(await mode(join(rulesDir, "sc_purchase_orders.md"))).toBe(0o600);
    expect((await stat(envPath)).ino).toBe(inode);
  });

  it("leaves a .env it does not manage alone when there is nothing to deliver", async () => {
    await writeFile(envPath, "A=1\n");
    await chmod(envPath, 0o644);
    const report = await sync(delivery({ env: [], skills: [] }));
    expect(report.env_file).toMatchObject({ changed: false, entries: 0, mode_tightened: false });
    expect(await mode(envPath)).toBe(0o644);
    expect(await allFiles()).toEqual([".env"]);
  });

  it("removes the block and stale skills when nothing is delivered any more", async () => {
    await writeFile(envPath, "A=1\n");
    await sync();
    const report = await sync(delivery({ env: [], skills: [] }));
    expect(report.env_file).toMatchObject({ changed: true, entries: 0 });
    expect(report.skills.removed).toEqual(["sc_purchase_orders.md"]);
    expect(await readFile(envPath, "utf8")).toBe("A=1\n");
    expect(await readdir(rulesDir)).toEqual([]);
  });

  it("refuses a .env that is a symlink and leaves the link and its target untouched", async () => {
    const target = join(project.path, "real.env");
    await writeFile(target, "TARGET=1\n");
    await chmod(target, 0o644);
    await symlink(target, envPath);
    const error = await syncError();
    expect(error.code).toBe("not_a_regular_file");
    expect(error.message).toContain("symbolic link");
    expect(await readlink(envPath)).toBe(target);
    expect(await readFile(target, "utf8")).toBe("TARGET=1\n");
    expect(await mode(target)).toBe(0o644);
    // Nothing else was written either.
    expect(await allFiles()).toEqual([".env", "real.env"]);
  });

  it("refuses a dangling .env symlink without creating its target", async () => {
    await symlink(join(project.path, "nowhere.env"), envPath);
    expect((await syncError()).code).toBe("not_a_regular_file");
    expect(await allFiles()).toEqual([".env"]);
  });

  it("refuses a .env that is a directory or a FIFO", async () => {
    await mkdir(envPath);
    expect((await syncError()).message).toContain("is a directory");
    expect((await lstat(envPath)).isDirectory()).toBe(true);

    await project.remove();
    project = await tempDir();
    envPath = join(project.path, ".env");
    execFileSync("mkfifo", [envPath]);
    expect((await syncError()).code).toBe("not_a_regular_file");
    expect((await lstat(envPath)).isFIFO()).toBe(true);
  });

  it("refuses a malformed block or an unsafe value and writes nothing at all", async () => {
    await writeFile(envPath, "A=1\n# --- SERVICE CONNECTOR START ---\nX='1'\n");
    const malformed = await syncError();
    expect(malformed.code).toBe("malformed_block");
    expect(malformed.message).toContain("nothing was written");
    expect(await allFiles()).toEqual([".env"]);

    await writeFile(envPath, "A=1\n");
    const unsafe = await syncError(delivery({ env: [{ name: "PO_API_KEY", value: "it's", service_id: "purchase_orders" }] }));
    expect(unsafe.code).toBe("invalid_value");
    expect(unsafe.message).toContain("PO_API_KEY");
    expect(await readFile(envPath, "utf8")).toBe("A=1\n");
    expect(await allFiles()).toEqual([".env"]);
  });

  it("refuses skill file names outside sc_[a-z0-9_]+.md and writes nothing", async () => {
    for (const fileName of ["../evil.md", "sc_../../evil.md", "sc_Upper.md", "km_other.md", "sc_x.md.sh", "sc_.md", "sc_a/b.md"]) {
      const error = await syncError(delivery({ skills: [{ service_id: "x", file_name: fileName, content: "x" }] }));
      expect(error.code).toBe("invalid_skill");
    }
    expect(await allFiles()).toEqual([]);
  });

  it("removes only stale sc_*.md files and never touches other files in the rules folder", async () => {
    await mkdir(rulesDir, { recursive: true });
    const others = { "km_memory.md": "km", "README.md": "readme", "sc_Notes.md": "mine", "sc_draft.txt": "draft" };
    for (const [name, content] of Object.entries(others)) await writeFile(join(rulesDir, name), content);
    await writeFile(join(rulesDir, "sc_old_service.md"), "stale");
    const report = await sync();
    expect(report.skills).toEqual({ written: ["sc_purchase_orders.md"], removed: ["sc_old_service.md"], unchanged: [] });
    expect((await readdir(rulesDir)).sort()).toEqual([...Object.keys(others), "sc_purchase_orders.md"].sort());
    for (const [name, content] of Object.entries(others)) expect(await readFile(join(rulesDir, name), "utf8")).toBe(content);
  });

  it("refuses a .claude/rules that is a symlink, and a stale sc_*.md that is not a regular file", async () => {
    const elsewhere = join(project.path, "elsewhere");
    await mkdir(elsewhere);
    await writeFile(join(elsewhere, "sc_victim.md"), "keep me");
    await mkdir(join(project.path, ".claude"));
    await symlink(elsewhere, rulesDir);
    expect((await syncError()).code).toBe("not_a_directory");
    expect(await readFile(join(elsewhere, "sc_victim.md"), "utf8")).toBe("keep me");
    expect(await readdir(elsewhere)).toEqual(["sc_victim.md"]);

    await project.remove();
    project = await tempDir();
    rulesDir = join(project.path, ".claude", "rules");
    await mkdir(join(rulesDir, "sc_folder.md"), { recursive: true });
    expect((await syncError()).code).toBe("not_a_regular_file");
    expect(await readdir(project.path)).toEqual([".claude"]);
  });

  it("plans without writing (what --dry-run uses)", async () => {
    await writeFile(envPath, "A=1\n");
    await chmod(envPath, 0o644);
    const plan = await planSync(project.path, delivery());
    expect(syncReport(plan, true).env_file.changed).toBe(true);
    expect(await readFile(envPath, "utf8")).toBe("A=1\n");
    expect(await mode(envPath)).toBe(0o644);
    expect(await allFiles()).toEqual([".env"]);
  });

  it("does not overwrite a .env edited while sync runs, and leaves no temp file", async () => {
    await writeFile(envPath, "A=1\n");
    const plan = await planSync(project.path, delivery());
    await writeFile(envPath, "A=1\nEDITED=1\n");
    await expect(applySync(plan)).rejects.toMatchObject({ code: "concurrent_change" });
    expect(await readFile(envPath, "utf8")).toBe("A=1\nEDITED=1\n");
    expect(await allFiles()).toEqual([".env"]);
  });

  it("an atomic write that fails before the rename leaves the old file and no temp file", async () => {
    await writeFile(envPath, "OLD\n");
    const failing = writeFileAtomic(envPath, new TextEncoder().encode("NEW\n"), {
      beforeRename: async () => {
        // The temp file exists now, complete and synced, next to the target.
        const temps = (await readdir(project.path)).filter((name) => name.endsWith(".tmp"));
        expect(temps).toHaveLength(1);
        expect(await mode(join(project.path, temps[0]!))).toBe(0o600);
        throw new Error("simulated crash before rename");
      },
    });
    await expect(failing).rejects.toThrow(/simulated crash/);
    expect(await readFile(envPath, "utf8")).toBe("OLD\n");
    expect(await allFiles()).toEqual([".env"]);
  });

  it("fails clearly when the project directory does not exist", async () => {
    const plan = planSync(join(project.path, "missing"), delivery());
    await expect(plan).rejects.toMatchObject({ code: "file_error" });
    await expect(planSync(join(project.path, "missing"), delivery())).rejects.toThrow(/does not exist/);
  });
});
