import { mkdtempSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../src/config.js";

const production = {
  DATABASE_URL: "postgres://postgres@127.0.0.1:5432/auth",
  CORE_DATABASE_URL: "postgres://postgres@127.0.0.1:5432/core",
  ENABLE_MIGRATIONS: "false",
  BETTER_AUTH_SECRET: "s".repeat(64),
  BETTER_AUTH_URL: "https://api.example.com",
  FRONTEND_URL: "https://app.example.com",
  CONNECT_SERVICE_TOKEN: "token",
  DATASOURCES_ENCRYPTION_KEY: "a".repeat(64),
};

function messageOf(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error("expected a ConfigError");
}

describe("backend configuration", () => {
  it("reads a complete production environment", () => {
    const config = loadConfig(production);
    expect(config).toMatchObject({ mode: "postgres", enableMigrations: false, port: 3000, frontendUrl: "https://app.example.com", objectStorage: { kind: "local" } });
  });

  it.each(Object.keys(production).filter((name) => name !== "DATABASE_URL"))("names %s when production lacks it", (name) => {
    const env: Record<string, string> = { ...production };
    delete env[name];
    expect(messageOf(env)).toMatch(new RegExp(`^${name} must be set`));
  });

  it.each([
    ["DATASOURCES_ENCRYPTION_KEY", "z".repeat(64), "DATASOURCES_ENCRYPTION_KEY must be 64 hexadecimal characters (openssl rand -hex 32)"],
    ["BETTER_AUTH_SECRET", "short", "BETTER_AUTH_SECRET must be at least 32 characters (openssl rand -hex 32)"],
    ["ENABLE_MIGRATIONS", "yes", 'ENABLE_MIGRATIONS must be "true" or "false"'],
    ["CORE_DATABASE_URL", "mysql://x", "CORE_DATABASE_URL must be a postgres:// connection string"],
    ["FRONTEND_URL", "not a url", "FRONTEND_URL must be an http(s) URL"],
    ["PORT", "70000", "PORT must be a whole number between 0 and 65535"],
    ["CONNECT_BUCKET_PREFIX", "no-trailing-slash", "CONNECT_BUCKET_PREFIX must be empty or end with / (for example tributary/)"],
  ])("refuses a malformed %s in one line, without its value", (name, value, message) => {
    const text = messageOf({ ...production, [name]: value });
    expect(text).toBe(message);
    if (value.length > 4) expect(text).not.toContain(value);
  });

  it("needs both Google variables or neither, and S3 credentials with a bucket", () => {
    expect(messageOf({ ...production, GOOGLE_CLIENT_ID: "id" })).toBe("GOOGLE_CLIENT_SECRET must be set with the other Google OAuth variable");
    expect(messageOf({ ...production, S3_BUCKET: "mirror" })).toBe("S3_ACCESS_KEY_ID must be set when S3_BUCKET is");
    const s3 = loadConfig({ ...production, S3_BUCKET: "mirror", S3_ACCESS_KEY_ID: "key", S3_SECRET_ACCESS_KEY: "secret", S3_ENDPOINT: "http://minio:9000" });
    expect(s3.objectStorage).toEqual({ kind: "s3", bucket: "mirror", region: "us-east-1", endpoint: "http://minio:9000", accessKeyId: "key", secretAccessKey: "secret" });
  });

  it("runs embedded with no configuration: secrets generated once, kept mode 600, stable across restarts", () => {
    const directory = mkdtempSync(join(tmpdir(), "tributary-config-"));
    const first = loadConfig({ TRIBUTARY_DATA_DIR: directory });
    expect(first).toMatchObject({ mode: "embedded", enableMigrations: true, betterAuthUrl: "http://127.0.0.1:3000" });
    expect(first.encryptionKey).toMatch(/^[0-9a-f]{64}$/);
    expect(statSync(join(directory, "embedded-secrets.json")).mode & 0o777).toBe(0o600);
    const second = loadConfig({ TRIBUTARY_DATA_DIR: directory });
    expect([second.betterAuthSecret, second.encryptionKey, second.connectServiceToken]).toEqual([first.betterAuthSecret, first.encryptionKey, first.connectServiceToken]);
    // A configured value wins over the generated one.
    expect(loadConfig({ TRIBUTARY_DATA_DIR: directory, CONNECT_SERVICE_TOKEN: "mine" }).connectServiceToken).toBe("mine");
    expect(messageOf({ TRIBUTARY_DATA_DIR: directory, CORE_DATABASE_URL: production.CORE_DATABASE_URL })).toMatch(/^DATABASE_URL must be set when CORE_DATABASE_URL is/);
  });

  it("treats the LLM as not configured until a base URL and a model are set", () => {
    expect(loadConfig(production).llm).toBeUndefined();
    expect(loadConfig({ ...production, OPENAI_BASE_URL: "http://vllm:8000/v1", DEFAULT_MODEL_ID: "qwen" }).llm).toEqual({
      baseUrl: "http://vllm:8000/v1",
      apiKey: "not-used",
      model: "qwen",
      fastModel: "qwen",
      ocrModel: "qwen",
    });
  });
});
