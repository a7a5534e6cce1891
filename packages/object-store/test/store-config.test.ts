import { describe, expect, it } from "vitest";
import {
  LocalFolderObjectStore,
  S3ObjectStore,
  createObjectStore,
  keyProblem,
  objectStoreConfigSchema,
  prefixProblem,
} from "../src/index.js";

describe("objectStoreConfigSchema", () => {
  it("accepts an S3 and a local configuration", () => {
    expect(
      objectStoreConfigSchema.parse({
        kind: "s3",
        bucket: "mirror",
        prefix: "tributary/",
        region: "eu-west-1",
        endpoint: "http://minio:9000",
        accessKeyId: "AKIAEXAMPLE",
        secretAccessKey: "secret",
        sessionToken: "token",
      }),
    ).toMatchObject({ kind: "s3", bucket: "mirror" });
    expect(objectStoreConfigSchema.parse({ kind: "local", root: "/var/lib/tributary/objects" })).toEqual({
      kind: "local",
      root: "/var/lib/tributary/objects",
    });
  });

  it("names the offending field and never echoes the values", () => {
    const secret = "super-secret-value-0123";
    const result = objectStoreConfigSchema.safeParse({ kind: "s3", bucket: "b", region: "r", secretAccessKey: secret });
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((issue) => issue.path.join("."))).toEqual(["accessKeyId"]);
    expect(JSON.stringify(result.error)).not.toContain(secret);

    const paths = (input: unknown): string[] => {
      const parsed = objectStoreConfigSchema.safeParse(input);
      return parsed.success ? [] : parsed.error.issues.map((issue) => issue.path.join("."));
    };
    expect(paths({ kind: "s3", bucket: "b", region: "r", endpoint: "minio:9000" })).toEqual(["endpoint"]);
    expect(paths({ kind: "s3", bucket: "a/b", region: "r" })).toEqual(["bucket"]);
    expect(paths({ kind: "s3", bucket: "b", region: "r", prefix: "../up/" })).toEqual(["prefix"]);
    expect(paths({ kind: "s3", bucket: "b", region: "r", partSizeBytes: 1024 })).toEqual(["partSizeBytes"]);
    expect(paths({ kind: "s3", bucket: "b", region: "r", sessionToken: "t" })).toEqual(["sessionToken"]);
    expect(paths({ kind: "s3", bucket: "b", region: "r", bukcet: "typo" })).toEqual([""]);
    expect(paths({ kind: "ftp", root: "/x" })).toEqual(["kind"]);
    expect(paths({ kind: "local", root: "" })).toEqual(["root"]);
  });
});

describe("createObjectStore", () => {
  it("chooses the adapter from the configuration alone", async () => {
    const s3 = createObjectStore({ kind: "s3", bucket: "mirror", prefix: "prod/", region: "us-east-1", endpoint: "http://127.0.0.1:9", accessKeyId: "id", secretAccessKey: "secret-value" });
    expect(s3).toBeInstanceOf(S3ObjectStore);
    expect(s3.description).toBe("s3://mirror/prod/");
    expect(s3.description).not.toContain("secret-value");
    await s3.close();
    const local = createObjectStore({ kind: "local", root: "/tmp/objects" });
    expect(local).toBeInstanceOf(LocalFolderObjectStore);
    expect(local.description).toBe("file:///tmp/objects");
  });

  it("rejects an invalid configuration", () => {
    expect(() => createObjectStore({ kind: "local", root: "/x", prefix: "/abs" })).toThrow(/prefix/);
  });
});

describe("key rules", () => {
  it("accept what S3 and a folder both represent one-to-one", () => {
    for (const key of ["a", "ws/conn/stream/part-00001.parquet", "é/ü", "a b/c", ".hidden", "..dots", "a/...", "x.tributary-y"]) {
      expect(keyProblem(key)).toBeUndefined();
    }
    for (const prefix of ["", "runs/2024-", "a/", "a/b", "a/.", "a/.."]) {
      expect(prefixProblem(prefix)).toBeUndefined();
    }
    expect(prefixProblem("../x")).toMatch(/'\.\.'/);
    expect(keyProblem("x".repeat(1025))).toMatch(/1024/);
  });
});
