import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { S3ObjectStore, startS3TestServer, type S3ObjectStoreOptions, type S3TestServer } from "../src/index.js";
import { collect, describeObjectStoreBehaviour, expectStoreError, md5, mebibyte } from "./store-behaviour.js";

function storeOptions(server: S3TestServer, overrides: Partial<S3ObjectStoreOptions> = {}): S3ObjectStoreOptions {
  return {
    bucket: server.bucket,
    region: server.region,
    endpoint: server.endpoint,
    accessKeyId: server.accessKeyId,
    secretAccessKey: server.secretAccessKey,
    // The smallest part S3 allows, so a 12 MiB file takes three parts.
    partSizeBytes: 5 * mebibyte,
    ...overrides,
  };
}

describeObjectStoreBehaviour("S3 (s3rver)", async () => {
  const server = await startS3TestServer();
  const stores: S3ObjectStore[] = [];
  return {
    backend: {
      open: (prefix) => {
        const store = new S3ObjectStore(storeOptions(server, { prefix }));
        stores.push(store);
        return store;
      },
    },
    close: async () => {
      await Promise.all(stores.map((store) => store.close()));
      await server.close();
    },
  };
});

describe("S3ObjectStore against a failing server", () => {
  let server: S3TestServer;
  let scratch: string;
  let counter = 0;
  const stores: S3ObjectStore[] = [];
  const open = (overrides: Partial<S3ObjectStoreOptions> = {}): S3ObjectStore => {
    const store = new S3ObjectStore(storeOptions(server, { prefix: `faults-${++counter}/`, ...overrides }));
    stores.push(store);
    return store;
  };

  beforeAll(async () => {
    server = await startS3TestServer();
    scratch = await mkdtemp(join(tmpdir(), "object-store-s3-"));
  });
  afterAll(async () => {
    await Promise.all(stores.map((store) => store.close()));
    await server?.close();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });
  beforeEach(async () => {
    await server.clearFaults();
    await server.resetStats();
  });

  async function largeFile(bytes = 12 * mebibyte): Promise<{ path: string; content: Buffer }> {
    const content = randomBytes(bytes);
    const path = join(scratch, `large-${++counter}.bin`);
    await writeFile(path, content);
    return { path, content };
  }

  it("uploads a 12 MiB file as three 5 MiB-bounded parts", async () => {
    const store = open();
    const { path, content } = await largeFile();
    await store.putFile("big", path);
    const stats = await server.stats();
    expect(stats.requests).toMatchObject({ CreateMultipartUpload: 1, UploadPart: 3, CompleteMultipartUpload: 1 });
    expect(stats.openMultipartUploads).toBe(0);
    expect(md5((await store.getBytes("big"))!)).toBe(md5(content));
  });

  it("retries parts answered with 503 SlowDown and completes the upload intact", async () => {
    const store = open();
    const { path, content } = await largeFile();
    await server.injectFaults({ count: 2, operations: ["UploadPart"], response: "slow-down" });
    const put = await store.putFile("retried", path);
    const stats = await server.stats();
    expect(stats.faultsInjected).toBe(2);
    expect(stats.requests.UploadPart).toBe(5);
    expect(put.size).toBe(content.byteLength);
    expect(md5((await store.getBytes("retried"))!)).toBe(md5(content));
  });

  it("retries a connection reset in the middle of a part upload", async () => {
    const store = open();
    const { path, content } = await largeFile(6 * mebibyte);
    await server.injectFaults({ count: 1, operations: ["UploadPart"], response: "connection-reset" });
    await store.putFile("reset", path);
    expect((await server.stats()).faultsInjected).toBe(1);
    expect(md5((await store.getBytes("reset"))!)).toBe(md5(content));
  });

  it("retries 500s on small puts and on reads", async () => {
    const store = open();
    await server.injectFaults({ count: 2, operations: ["PutObject"], response: "internal-error" });
    await store.putBytes("manifest.json", "{}");
    await server.injectFaults({ count: 1, operations: ["GetObject"], response: "service-unavailable" });
    await server.injectFaults({ count: 1, operations: ["GetObject"], response: "connection-reset" });
    expect(Buffer.from((await store.getBytes("manifest.json"))!).toString()).toBe("{}");
    const destination = join(scratch, "manifest-copy.json");
    await server.injectFaults({ count: 1, operations: ["GetObject"], response: "internal-error" });
    expect(await store.getToFile("manifest.json", destination)).toEqual({ size: 2, etag: md5("{}") });
    expect(await readFile(destination, "utf8")).toBe("{}");
    expect((await server.stats()).faultsInjected).toBe(5);
  });

  it("surfaces persistent 5xx as an ObjectStoreError naming the operation and key, without secrets", async () => {
    const store = open({ maxAttempts: 2 });
    await server.injectFaults({ count: 2, operations: ["PutObject"], response: "internal-error" });
    const error = await expectStoreError(store.putBytes("runs/7/manifest.json", "{}"), "unavailable");
    expect(error.operation).toBe("putBytes");
    expect(error.key).toBe("runs/7/manifest.json");
    expect(error.details).toMatchObject({ status: 500, serverCode: "InternalError", attempts: 2 });
    expect(error.message).toContain("putBytes");
    expect(error.message).toContain("runs/7/manifest.json");
    expect(error.message).not.toContain(server.secretAccessKey);
    expect(error.cause).toBeUndefined();
    expect(await store.head("runs/7/manifest.json")).toBeUndefined();
  });

  it("aborts a multipart upload whose completion keeps failing, leaving no object behind", async () => {
    const store = open({ maxAttempts: 2 });
    const { path } = await largeFile(11 * mebibyte);
    await server.injectFaults({ count: 2, operations: ["CompleteMultipartUpload"], response: "service-unavailable" });
    const error = await expectStoreError(store.putFile("half", path), "unavailable");
    expect(error).toMatchObject({ operation: "putFile", key: "half" });
    expect(error.details.status).toBe(503);
    const stats = await server.stats();
    expect(stats.requests.AbortMultipartUpload).toBe(1);
    expect(stats.openMultipartUploads).toBe(0);
    expect(await store.head("half")).toBeUndefined();
    expect(await collect(store.list(""))).toEqual([]);
  });

  it("fails an upload whose parts keep failing and aborts it", async () => {
    const store = open({ maxAttempts: 2 });
    const { path } = await largeFile(11 * mebibyte);
    await server.injectFaults({ count: 100, operations: ["UploadPart"], response: "internal-error" });
    const error = await expectStoreError(store.putFile("parts-fail", path), "unavailable");
    expect(error.details).toMatchObject({ status: 500, attempts: 2 });
    await server.clearFaults();
    const stats = await server.stats();
    expect(stats.requests.AbortMultipartUpload).toBe(1);
    expect(stats.openMultipartUploads).toBe(0);
    expect(await store.head("parts-fail")).toBeUndefined();
  });

  it("reports refused credentials as access_denied without echoing them", async () => {
    // s3rver checks the access key id (it does not verify SigV4 signatures), so that is what is wrong here.
    const credentials = {
      accessKeyId: "AKIAUNKNOWNKEY0123456",
      secretAccessKey: "definitely-not-the-secret-0123456789",
      sessionToken: "session-token-abcdef-0123456789",
    };
    const store = open(credentials);
    const error = await expectStoreError(store.putBytes("k", "x"), "access_denied");
    expect(error.details).toMatchObject({ status: 403, serverCode: "InvalidAccessKeyId" });
    for (const value of Object.values(credentials)) {
      expect(error.message).not.toContain(value);
      expect(JSON.stringify(error)).not.toContain(value);
    }
  });

  it("reports a missing bucket as no_such_bucket", async () => {
    const store = open({ bucket: "no-such-bucket" });
    await expectStoreError(store.putBytes("k", "x"), "no_such_bucket");
    await expectStoreError(store.getBytes("k"), "no_such_bucket");
    await expectStoreError(collect(store.list("")), "no_such_bucket");
  });

  it("reports an unreachable endpoint as unavailable", async () => {
    const store = open({ endpoint: "http://127.0.0.1:1", maxAttempts: 1 });
    const error = await expectStoreError(store.head("k"), "unavailable");
    expect(error.details.serverCode).toBe("ECONNREFUSED");
  });

  it("skips folder markers made by other tools when listing", async () => {
    const store = open();
    const client = new S3Client({
      region: server.region,
      endpoint: server.endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
    });
    try {
      await client.send(new PutObjectCommand({ Bucket: server.bucket, Key: `faults-${counter}/folder/`, Body: new Uint8Array() }));
    } finally {
      client.destroy();
    }
    await store.putBytes("folder/file", "x");
    expect((await collect(store.list(""))).map((object) => object.key)).toEqual(["folder/file"]);
  });
});

describe("startS3TestServer", () => {
  it("pages listings with the DES substitute as well (Node builds without the legacy provider)", async () => {
    const server = await startS3TestServer({ forceDesShim: true, bucket: "shim" });
    const store = new S3ObjectStore(storeOptions(server));
    const client = new S3Client({
      region: server.region,
      endpoint: server.endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
    });
    try {
      expect(server.listingCipher).toContain("shim");
      const keys = ["k/a", "k/a-b", "k/a/x", "k/b", "k/c"];
      for (const key of keys) await store.putBytes(key, "x");
      // Pages of two keys: four continuation tokens made and read back through the substitute.
      const seen: string[] = [];
      let token: string | undefined;
      do {
        const page = await client.send(
          new ListObjectsV2Command({ Bucket: server.bucket, Prefix: "k/", MaxKeys: 2, ContinuationToken: token }),
        );
        seen.push(...(page.Contents ?? []).map((object) => object.Key!));
        token = page.NextContinuationToken;
      } while (token !== undefined);
      expect(seen).toEqual(keys);
    } finally {
      client.destroy();
      await store.close();
      await server.close();
    }
  });

  it("uses OpenSSL's legacy provider when this Node has it, without NODE_OPTIONS in the runner", async () => {
    expect(process.env.NODE_OPTIONS ?? "").not.toContain("openssl-legacy-provider");
    const server = await startS3TestServer();
    try {
      if (process.allowedNodeEnvironmentFlags.has("--openssl-legacy-provider")) {
        expect(server.listingCipher).toContain("legacy provider");
      }
      await server.close();
      await server.close();
      await expect(server.stats()).rejects.toThrow(/not running/);
    } finally {
      await server.close();
    }
  });
});
