import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ObjectStoreError, type ListedObject, type ObjectStore } from "../src/index.js";

/**
 * One backend (a bucket, a folder) that hands out stores rooted at a prefix. The behavioural suite gives
 * every test its own prefix, so tests share one server without seeing each other's objects.
 */
export interface StoreBackend {
  open(prefix: string): ObjectStore;
}

export const mebibyte = 1024 * 1024;

export function md5(bytes: Uint8Array | string): string {
  return createHash("md5").update(bytes).digest("hex");
}

export async function collect(objects: AsyncIterable<ListedObject>): Promise<ListedObject[]> {
  const result: ListedObject[] = [];
  for await (const object of objects) result.push(object);
  return result;
}

/** S3's order: UTF-8 bytes. */
export function byUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** Runs `task` over `items` with at most `limit` in flight. */
export async function withConcurrency<T>(items: readonly T[], limit: number, task: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T;
      await task(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

export async function expectStoreError(promise: Promise<unknown>, code: ObjectStoreError["code"]): Promise<ObjectStoreError> {
  const error: unknown = await promise.then(
    () => undefined,
    (failure: unknown) => failure,
  );
  expect(error).toBeInstanceOf(ObjectStoreError);
  expect((error as ObjectStoreError).code).toBe(code);
  return error as ObjectStoreError;
}

export const invalidKeys = [
  "",
  "/absolute",
  "../outside",
  "a/../../outside",
  "a/..",
  "./a",
  "a//b",
  "folder/",
  "back\\slash",
  "nul\u0000byte",
  ".tributary-tmp-0123",
  "a/.tributary-anything",
];

/**
 * The behaviour every ObjectStore adapter must have; run against S3 (s3rver) and the local folder so the
 * embedded default cannot drift from production.
 */
export function describeObjectStoreBehaviour(name: string, setup: () => Promise<{ backend: StoreBackend; close(): Promise<void> }>): void {
  describe(`ObjectStore behaviour: ${name}`, () => {
    let backend: StoreBackend;
    let close: () => Promise<void>;
    let scratch: string;
    let counter = 0;
    const fresh = (): ObjectStore => backend.open(`case-${++counter}/`);

    beforeAll(async () => {
      ({ backend, close } = await setup());
      scratch = await mkdtemp(join(tmpdir(), "object-store-scratch-"));
    });
    afterAll(async () => {
      await close?.();
      if (scratch) await rm(scratch, { recursive: true, force: true });
    });

    it("stores and reads back bytes, with size, MD5 ETag and modification time", async () => {
      const store = fresh();
      const body = "{\"rows\": 3, \"name\": \"Zoë\"}";
      const put = await store.putBytes("manifests/issues.json", body, { contentType: "application/json" });
      expect(put).toEqual({ key: "manifests/issues.json", size: Buffer.byteLength(body), etag: md5(body) });

      expect(Buffer.from((await store.getBytes("manifests/issues.json"))!).toString("utf8")).toBe(body);
      const info = await store.head("manifests/issues.json");
      expect(info).toMatchObject({ size: Buffer.byteLength(body), etag: md5(body) });
      expect(info!.lastModified).toBeInstanceOf(Date);
      expect(info!.lastModified.getTime()).toBeGreaterThan(Date.UTC(2020, 0, 1));

      const binary = new Uint8Array([0, 1, 2, 253, 254, 255]);
      await store.putBytes("binary", binary);
      expect(await store.getBytes("binary")).toEqual(binary);
    });

    it("replaces an object on a second put", async () => {
      const store = fresh();
      await store.putBytes("state.json", "old");
      const second = await store.putBytes("state.json", "newer");
      expect(second.etag).toBe(md5("newer"));
      expect(Buffer.from((await store.getBytes("state.json"))!).toString()).toBe("newer");
      expect((await store.head("state.json"))!.etag).toBe(md5("newer"));
    });

    it("reports missing objects as undefined and deletes missing keys without complaint", async () => {
      const store = fresh();
      await store.putBytes("present/a", "a");
      expect(await store.getBytes("absent")).toBeUndefined();
      expect(await store.head("absent")).toBeUndefined();
      expect(await store.getBytes("present/a/below")).toBeUndefined();
      expect(await store.head("present")).toBeUndefined();
      const destination = join(scratch, "never-written");
      expect(await store.getToFile("absent", destination)).toBeUndefined();
      await expect(readFile(destination)).rejects.toMatchObject({ code: "ENOENT" });
      await store.deleteMany(["absent", "present/missing", "also/absent"]);
      await store.deleteMany([]);
      expect(await collect(store.list(""))).toHaveLength(1);
    });

    it("stores empty objects", async () => {
      const store = fresh();
      expect(await store.putBytes("empty", "")).toEqual({ key: "empty", size: 0, etag: md5("") });
      expect(await store.getBytes("empty")).toEqual(new Uint8Array());
      const emptyFile = join(scratch, `empty-${counter}`);
      await writeFile(emptyFile, "");
      expect((await store.putFile("empty-file", emptyFile)).size).toBe(0);
      expect(await store.head("empty-file")).toMatchObject({ size: 0, etag: md5("") });
    });

    it("lists more than 1000 keys across pages, in S3 key order, and deletes them in batches", async () => {
      const store = fresh();
      // Just over one page of 1000 (S3's maximum), with the extra names below.
      const keys = Array.from({ length: 1001 }, (_, index) => `stream/part-${String(index).padStart(5, "0")}.parquet`);
      // Names that sort differently by segment than by full key ('-' < '/' < '0'), and non-ASCII.
      keys.push("stream/a-b", "stream/a/x", "stream/a0", "stream/é.json", "stream/z/deep/er/file");
      await withConcurrency(keys, 16, (key) => store.putBytes(key, `content of ${key}`));
      await store.putBytes("streams-sibling", "outside the listed prefix");

      const listed = await collect(store.list("stream/"));
      expect(listed.map((object) => object.key)).toEqual([...keys].sort(byUtf8));
      for (const object of listed) {
        expect(object.size).toBe(Buffer.byteLength(`content of ${object.key}`));
        expect(object.etag).toBe(md5(`content of ${object.key}`));
        expect(object.lastModified).toBeInstanceOf(Date);
      }
      // A plain string prefix, not only a folder.
      expect((await collect(store.list("stream/part-0000"))).map((object) => object.key)).toEqual(
        keys.filter((key) => key.startsWith("stream/part-0000")).sort(byUtf8),
      );
      expect((await collect(store.list("stream"))).length).toBe(keys.length + 1);
      expect(await collect(store.list("nothing/here/"))).toEqual([]);

      await store.deleteMany([...keys, "stream/a-b", "never/existed"]);
      expect(await collect(store.list("stream/"))).toEqual([]);
      expect((await collect(store.list(""))).map((object) => object.key)).toEqual(["streams-sibling"]);
    });

    it("keeps stores with different prefixes apart and returns keys relative to the prefix", async () => {
      const base = `isolation-${++counter}/`;
      const left = backend.open(`${base}left/`);
      const right = backend.open(`${base}right/`);
      const whole = backend.open(base);
      await left.putBytes("same-key", "left");
      await right.putBytes("same-key", "right");
      expect(Buffer.from((await left.getBytes("same-key"))!).toString()).toBe("left");
      expect(Buffer.from((await right.getBytes("same-key"))!).toString()).toBe("right");
      expect((await collect(left.list(""))).map((object) => object.key)).toEqual(["same-key"]);
      expect((await collect(whole.list(""))).map((object) => object.key)).toEqual(["left/same-key", "right/same-key"]);
      await left.deleteMany(["same-key"]);
      expect(await right.head("same-key")).toBeDefined();
    });

    it("uploads a large file in parts and downloads it to disk with identical content", async () => {
      const store = fresh();
      const source = join(scratch, `large-${counter}.bin`);
      const content = randomBytes(12 * mebibyte + 12345);
      await writeFile(source, content);
      const put = await store.putFile("data/large.parquet", source, { contentType: "application/vnd.apache.parquet" });
      expect(put.key).toBe("data/large.parquet");
      expect(put.size).toBe(content.byteLength);
      expect(put.etag.length).toBeGreaterThan(0);
      const info = await store.head("data/large.parquet");
      expect(info).toMatchObject({ size: content.byteLength, etag: put.etag });

      const destination = join(scratch, `downloads-${counter}`, "large.parquet");
      const download = await store.getToFile("data/large.parquet", destination);
      expect(download).toEqual({ size: content.byteLength, etag: put.etag });
      expect(md5(await readFile(destination))).toBe(md5(content));
      // No temporary file left beside the download.
      expect(await readdir(join(scratch, `downloads-${counter}`))).toEqual(["large.parquet"]);
    });

    it("replaces an existing download only with a complete copy", async () => {
      const store = fresh();
      await store.putBytes("small", "fresh content");
      const destination = join(scratch, `replace-${counter}.txt`);
      await writeFile(destination, "stale");
      expect(await store.getToFile("small", destination)).toEqual({ size: 13, etag: md5("fresh content") });
      expect(await readFile(destination, "utf8")).toBe("fresh content");
    });

    it("refuses keys and prefixes that are empty, absolute, escape the root or use reserved names", async () => {
      const store = fresh();
      const file = join(scratch, `key-check-${counter}`);
      await writeFile(file, "x");
      for (const key of invalidKeys) {
        await expectStoreError(store.putBytes(key, "x"), "invalid_key");
        await expectStoreError(store.putFile(key, file), "invalid_key");
        await expectStoreError(store.getBytes(key), "invalid_key");
        await expectStoreError(store.getToFile(key, join(scratch, "unused")), "invalid_key");
        await expectStoreError(store.head(key), "invalid_key");
        await expectStoreError(store.deleteMany(["fine", key]), "invalid_key");
      }
      for (const prefix of ["/abs", "../", "a/../", "a//"]) {
        await expectStoreError(collect(store.list(prefix)), "invalid_key");
      }
      const error = await expectStoreError(store.putBytes("../../etc/passwd", "x"), "invalid_key");
      expect(error.operation).toBe("putBytes");
      expect(error.key).toBe("../../etc/passwd");
      expect(error.message).toContain("'..'");
    });

    it("reports a missing source file as an io error", async () => {
      const store = fresh();
      const error = await expectStoreError(store.putFile("k", join(scratch, "does-not-exist")), "io");
      expect(error.operation).toBe("putFile");
      expect(error.key).toBe("k");
      expect(await store.head("k")).toBeUndefined();
    });

    it("honours an aborted signal", async () => {
      const store = fresh();
      const controller = new AbortController();
      controller.abort();
      const file = join(scratch, `abort-${counter}`);
      await writeFile(file, "x");
      await expectStoreError(store.putBytes("k", "x", { signal: controller.signal }), "cancelled");
      await expectStoreError(store.putFile("k", file, { signal: controller.signal }), "cancelled");
      expect(await store.head("k")).toBeUndefined();
      await store.putBytes("k", "x");
      await expectStoreError(store.getBytes("k", { signal: controller.signal }), "cancelled");
      await expectStoreError(store.getToFile("k", join(scratch, "aborted-download"), { signal: controller.signal }), "cancelled");
      await expect(readFile(join(scratch, "aborted-download"))).rejects.toMatchObject({ code: "ENOENT" });
    });
  });
}
