import { mkdtemp, readdir, rm, stat, symlink, writeFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeFileAtomically } from "../src/atomic-file.js";
import { LocalFolderObjectStore } from "../src/index.js";
import { byUtf8, collect, describeObjectStoreBehaviour, expectStoreError, md5 } from "./store-behaviour.js";

describeObjectStoreBehaviour("local folder", async () => {
  const root = await mkdtemp(join(tmpdir(), "object-store-local-"));
  return {
    backend: { open: (prefix) => new LocalFolderObjectStore({ root, prefix }) },
    close: () => rm(root, { recursive: true, force: true }),
  };
});

describe("LocalFolderObjectStore", () => {
  let root: string;
  let outside: string;
  let counter = 0;
  const open = (): { store: LocalFolderObjectStore; folder: string } => {
    const folder = join(root, `case-${++counter}`);
    return { store: new LocalFolderObjectStore({ root: folder }), folder };
  };

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "object-store-local-"));
    outside = await mkdtemp(join(tmpdir(), "object-store-outside-"));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
    await rm(outside, { recursive: true, force: true });
  });

  it("maps keys to files under the root and describes itself with a file URL", async () => {
    const { store, folder } = open();
    await store.putBytes("ws/conn/issues/part-1.parquet", "x");
    expect((await stat(join(folder, "ws", "conn", "issues", "part-1.parquet"))).isFile()).toBe(true);
    expect(store.description).toBe(`file://${folder}`);
  });

  it("never shows a partial object under its key while it is being written", async () => {
    const { store, folder } = open();
    await store.putBytes("stream/manifest.json", "previous snapshot");
    const target = join(folder, "stream", "manifest.json");
    const observations: unknown[] = [];
    // The generator resumes only after the previous chunk has been written to disk, so what the store
    // shows at that point is exactly what a reader would see in the middle of the write.
    async function* slowWriter(): AsyncGenerator<Uint8Array> {
      yield Buffer.from("first half of the new ");
      observations.push({
        content: Buffer.from((await store.getBytes("stream/manifest.json"))!).toString(),
        listed: (await collect(store.list(""))).map((object) => object.key),
        folder: (await readdir(join(folder, "stream"))).filter((name) => name.startsWith(".tributary-tmp-")).length,
      });
      yield Buffer.from("snapshot");
    }
    const written = await writeFileAtomically(target, slowWriter());
    expect(observations).toEqual([{ content: "previous snapshot", listed: ["stream/manifest.json"], folder: 1 }]);
    expect(written.md5).toBe(md5("first half of the new snapshot"));
    expect(Buffer.from((await store.getBytes("stream/manifest.json"))!).toString()).toBe("first half of the new snapshot");
    expect(await readdir(join(folder, "stream"))).toEqual(["manifest.json"]);
  });

  it("leaves the previous object and no temporary file when a write fails midway", async () => {
    const { store, folder } = open();
    await store.putBytes("stream/data", "intact");
    async function* failingSource(): AsyncGenerator<Uint8Array> {
      yield Buffer.from("partial");
      throw new Error("source broke");
    }
    await expect(writeFileAtomically(join(folder, "stream", "data"), failingSource())).rejects.toThrow("source broke");
    expect(Buffer.from((await store.getBytes("stream/data"))!).toString()).toBe("intact");
    expect(await readdir(join(folder, "stream"))).toEqual(["data"]);
  });

  it("ignores temporary files a crash left behind", async () => {
    const { store, folder } = open();
    await store.putBytes("stream/data", "complete");
    await writeFile(join(folder, "stream", ".tributary-tmp-deadbeefdeadbeef"), "half-writ");
    expect((await collect(store.list(""))).map((object) => object.key)).toEqual(["stream/data"]);
    expect(await store.head("stream/data")).toMatchObject({ size: 8 });
  });

  it("lists in UTF-8 byte order like S3, including characters beyond the BMP", async () => {
    const { store } = open();
    // JS string order puts U+1F600 (a surrogate pair, 0xD83D…) before U+FF5E; UTF-8 order is the reverse.
    const keys = ["x/\u{1F600}", "x/\uFF5E", "x/a-b", "x/a/b", "x/a.b", "x/a0", "x/B"];
    for (const key of keys) await store.putBytes(key, key);
    const listed = (await collect(store.list("x/"))).map((object) => object.key);
    expect(listed).toEqual([...keys].sort(byUtf8));
    expect(listed.indexOf("x/\uFF5E")).toBeLessThan(listed.indexOf("x/\u{1F600}"));
  });

  it("does not follow symbolic links out of the root when listing", async () => {
    const { store, folder } = open();
    await store.putBytes("inside", "x");
    await writeFile(join(outside, "secret"), "do not list");
    await symlink(outside, join(folder, "link"));
    expect((await collect(store.list(""))).map((object) => object.key)).toEqual(["inside"]);
  });

  it("reports a key that would need a file and a folder at the same path as a conflict", async () => {
    const { store } = open();
    await store.putBytes("a/b", "file");
    const below = await expectStoreError(store.putBytes("a/b/c", "x"), "conflict");
    expect(below.message).toContain("a/b/c");
    await store.putBytes("d/e", "x");
    await expectStoreError(store.putBytes("d", "x"), "conflict");
    expect(Buffer.from((await store.getBytes("a/b"))!).toString()).toBe("file");
  });

  it("removes folders emptied by deletions but keeps the root", async () => {
    const { store, folder } = open();
    await store.putBytes("ws/conn/s1/f1", "x");
    await store.putBytes("ws/conn/s2/f1", "x");
    await store.deleteMany(["ws/conn/s1/f1"]);
    expect(await readdir(join(folder, "ws", "conn"))).toEqual(["s2"]);
    await store.deleteMany(["ws/conn/s2/f1"]);
    expect(await readdir(folder)).toEqual([]);
    await store.putBytes("ws/conn/s1/f2", "again");
    expect(await store.head("ws/conn/s1/f2")).toMatchObject({ size: 5 });
  });

  it("recomputes the ETag when a file is replaced outside the store", async () => {
    const { store, folder } = open();
    await store.putBytes("k", "one");
    expect((await store.head("k"))!.etag).toBe(md5("one"));
    await writeFile(join(folder, "k.new"), "a different length");
    const { rename } = await import("node:fs/promises");
    await rename(join(folder, "k.new"), join(folder, "k"));
    expect((await store.head("k"))!.etag).toBe(md5("a different length"));
  });

  it("treats a missing root as an empty store and creates it on first write", async () => {
    const folder = join(root, `later-${++counter}`, "nested");
    const store = new LocalFolderObjectStore({ root: folder });
    expect(await collect(store.list(""))).toEqual([]);
    expect(await store.head("k")).toBeUndefined();
    await store.putBytes("k", "x");
    expect((await stat(folder)).isDirectory()).toBe(true);
    await mkdir(join(folder, "empty-folder"));
    expect((await collect(store.list(""))).map((object) => object.key)).toEqual(["k"]);
  });
});
