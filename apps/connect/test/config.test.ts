import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../src/config.js";

describe("loadConfig", () => {
  it("applies the reference defaults", () => {
    const config = loadConfig({ CONNECT_SERVICE_TOKEN: "t" });
    expect(config).toMatchObject({ host: "127.0.0.1", port: 8000, serviceToken: "t", s3Endpoint: undefined, logLevel: "info" });
  });

  it("refuses to start without the token, with the reference wording", () => {
    expect(() => loadConfig({})).toThrow(new ConfigError("CONNECT_SERVICE_TOKEN must be set"));
    expect(() => loadConfig({ CONNECT_SERVICE_TOKEN: "" })).toThrow("CONNECT_SERVICE_TOKEN must be set");
  });

  it.each(["eighty", "70000", "-1", "80.5"])("names PORT when it is malformed (%s)", (port) => {
    expect(() => loadConfig({ CONNECT_SERVICE_TOKEN: "t", PORT: port })).toThrow(/^PORT must be a whole number/);
  });

  it("reads HOST, PORT and S3_ENDPOINT", () => {
    const config = loadConfig({ CONNECT_SERVICE_TOKEN: "t", HOST: "0.0.0.0", PORT: "9000", S3_ENDPOINT: "http://minio:9000" });
    expect(config).toMatchObject({ host: "0.0.0.0", port: 9000, s3Endpoint: "http://minio:9000" });
  });

  it("names S3_ENDPOINT when it is not a URL", () => {
    expect(() => loadConfig({ CONNECT_SERVICE_TOKEN: "t", S3_ENDPOINT: "minio" })).toThrow(/^S3_ENDPOINT /);
  });
});
