import { mkdir, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DuckDBInstance } from "@duckdb/node-api";
import type { MirrorDataset, WorkspaceMirror } from "../src/query/mirror-datasets.js";
import { WorkspaceSandbox } from "../src/query/workspace-sandbox.js";

/**
 * The sandbox alone, with no statement check in front of it: what DuckDB itself refuses once a
 * workspace's views are set up, and how views follow snapshots. (The API tests go through the check.)
 */
let root: string;
let sandbox: WorkspaceSandbox;
let ownFolder: string;
let otherFolder: string;

/** Writes Parquet with DuckDB outside any sandbox: the mirror's files as connect would have written them. */
async function writeParquet(path: string, select: string): Promise<void> {
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  await connection.run(`COPY (${select}) TO '${path}' (FORMAT parquet)`);
  connection.closeSync();
  instance.closeSync();
}

function dataset(stream: string, version: number, files: string[], rows: number): MirrorDataset {
  return {
    dataSourceId: "00000000-0000-4000-8000-000000000001",
    sqlName: "github",
    stream,
    version,
    primaryKey: ["id"],
    columns: [
      { name: "id", type: "BIGINT" },
      { name: "title", type: "VARCHAR" },
    ],
    objectKeys: files,
    rows,
  };
}

function mirror(datasets: MirrorDataset[]): WorkspaceMirror {
  return { workspaceId: "ws", sources: [{ dataSourceId: "00000000-0000-4000-8000-000000000001", sqlName: "github", connector: "github", entities: [] }], datasets };
}

const metadata = "1 AS _tributary_version, id AS _tributary_seq, false AS _tributary_deleted";

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "tributary-sandbox-"));
  ownFolder = join(root, "own");
  otherFolder = join(root, "other");
  await mkdir(ownFolder);
  await mkdir(otherFolder);
  await writeParquet(join(ownFolder, "v1.parquet"), `SELECT range AS id, 'issue ' || range AS title, ${metadata} FROM range(5)`);
  // Version 2 adds rows and a second version of id 0, and deletes id 1: latest wins, deleted keys go.
  await writeParquet(
    join(ownFolder, "v2.parquet"),
    `SELECT * FROM (VALUES (0, 'issue 0 renamed', 2, 0, false), (1, NULL, 2, 1, true), (7, 'issue 7', 2, 2, false)) t(id, title, _tributary_version, _tributary_seq, _tributary_deleted)`,
  );
  await writeParquet(join(otherFolder, "secret.parquet"), "SELECT 'other workspace' AS secret");
  sandbox = await WorkspaceSandbox.open({
    workspaceId: "ws",
    readableDirectories: [`${ownFolder}/`],
    scratchDirectory: `${join(root, "scratch")}/`,
    memoryLimitBytes: 256 * 1024 * 1024,
    threads: 1,
    connections: 2,
  });
});

afterAll(async () => {
  await sandbox?.close();
  await rm(root, { recursive: true, force: true });
});

async function run(sql: string): Promise<unknown[][]> {
  const { connection, release } = await sandbox.acquire();
  try {
    return (await connection.runAndReadAll(sql)).getRowsJS();
  } finally {
    release();
  }
}

describe("a workspace's DuckDB", () => {
  it("serves a placeholder until the dataset is loaded, then its rows: a plain scan for unique keys, latest-wins otherwise", async () => {
    const first = dataset("issues", 1, [join(ownFolder, "v1.parquet")], 5);
    await sandbox.sync(mirror([first]));
    expect(await run("SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'github' AND table_name = 'issues'")).toEqual([
      ["id", "BIGINT"],
      ["title", "VARCHAR"],
    ]);
    await expect(run("SELECT count(*) FROM github.issues")).rejects.toThrow(/was not loaded for this query/);

    await sandbox.load([{ dataset: first, localFiles: first.objectKeys }]);
    expect(await run("SELECT count(*) FROM github.issues")).toEqual([[5n]]);

    const second = dataset("issues", 2, [join(ownFolder, "v1.parquet"), join(ownFolder, "v2.parquet")], 8);
    await sandbox.sync(mirror([second]));
    await sandbox.load([{ dataset: second, localFiles: second.objectKeys }]);
    expect(await run("SELECT id, title FROM github.issues ORDER BY id")).toEqual([
      [0n, "issue 0 renamed"],
      [2n, "issue 2"],
      [3n, "issue 3"],
      [4n, "issue 4"],
      [7n, "issue 7"],
    ]);

    await sandbox.sync(mirror([]));
    await expect(run("SELECT count(*) FROM github.issues")).rejects.toThrow(/issues/);
  });

  it("refuses, by itself, files outside the workspace's folders, configuration changes and extensions", async () => {
    for (const sql of [
      "SELECT * FROM read_csv('/etc/passwd')",
      `SELECT * FROM read_parquet('${otherFolder}/secret.parquet')`,
      `SELECT * FROM read_parquet('${ownFolder}/../other/secret.parquet')`,
      `SELECT * FROM '${otherFolder}/secret.parquet'`,
      "SELECT * FROM glob('/*')",
      `COPY (SELECT 1) TO '${otherFolder}/written.csv'`,
    ]) {
      await expect(run(sql), sql).rejects.toThrow(/Permission|disabled by configuration/);
    }
    await expect(run("SET enable_external_access = true")).rejects.toThrow(/locked/);
    await expect(run("SET allowed_directories = ['/']")).rejects.toThrow(/locked/);
    await expect(run("SET memory_limit = '100GB'")).rejects.toThrow(/locked/);
    await expect(run("LOAD httpfs")).rejects.toThrow(/disabled/i);
    await expect(run("INSTALL httpfs")).rejects.toThrow(/Permission|disabled/);
    expect(await readdir(otherFolder)).toEqual(["secret.parquet"]);
  });

  it("runs at most its connection count of queries at once; the next waits for a release", async () => {
    const first = await sandbox.acquire();
    const second = await sandbox.acquire();
    expect(sandbox.active).toBe(2);
    let thirdHeld = false;
    const third = sandbox.acquire().then((slot) => {
      thirdHeld = true;
      return slot;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(thirdHeld).toBe(false);
    expect(sandbox.waiting).toBe(1);
    first.release();
    const slot = await third;
    expect(thirdHeld).toBe(true);
    expect(sandbox.active).toBe(2);
    slot.release();
    second.release();
    expect(sandbox.active).toBe(0);
  });
});
