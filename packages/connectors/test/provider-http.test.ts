import http from "node:http";
import type { AddressInfo } from "node:net";
import zlib from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConnectorError } from "../src/core/connector-errors.js";
import { ProviderHttpClient, classifyByStatus, type ProviderHttpOptions } from "../src/core/provider-http.js";

/**
 * The shared HTTP layer against a bare server: what global `fetch` did for the connectors (content
 * decoding, redirects, header joining, timeouts, cancellation) the undici-based exchange must do too.
 */
interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

const seen: Seen[] = [];
const closedMidBody: string[] = [];
const payload = { items: [{ id: 1, title: "é ✓" }], note: "x".repeat(5_000) };
const payloadBytes = Buffer.from(JSON.stringify(payload));

let server: http.Server;
let other: http.Server;
let base: string;
let otherBase: string;

function handler(request: http.IncomingMessage, response: http.ServerResponse): void {
  let body = "";
  request.setEncoding("utf8");
  request.on("data", (chunk: string) => (body += chunk));
  request.on("end", () => {
    const url = request.url ?? "/";
    seen.push({ method: request.method ?? "", url, headers: request.headers, body });
    const json = (bytes: Buffer, headers: http.OutgoingHttpHeaders = {}) => {
      response.writeHead(200, { "content-type": "application/json", ...headers });
      response.end(bytes);
    };
    switch (url.split("?")[0]) {
      case "/plain":
        return json(payloadBytes, { "x-multi": ["a", "b"] });
      case "/bom":
        return json(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), payloadBytes]));
      case "/gzip":
        return json(zlib.gzipSync(payloadBytes), { "content-encoding": "gzip" });
      case "/deflate":
        return json(zlib.deflateSync(payloadBytes), { "content-encoding": "deflate" });
      case "/deflate-raw":
        return json(zlib.deflateRawSync(payloadBytes), { "content-encoding": "deflate" });
      case "/br":
        return json(zlib.brotliCompressSync(payloadBytes), { "content-encoding": "BR" });
      case "/gzip-then-br":
        return json(zlib.brotliCompressSync(zlib.gzipSync(payloadBytes)), { "content-encoding": "gzip, br" });
      case "/unknown-coding":
        return json(payloadBytes, { "content-encoding": "identity" });
      case "/gzip-404":
        response.writeHead(404, { "content-type": "application/json", "content-encoding": "gzip" });
        return response.end(zlib.gzipSync(Buffer.from('{"message":"Not Found"}')));
      case "/not-modified":
        response.writeHead(304, { etag: '"v1"' });
        return response.end();
      case "/moved":
        response.writeHead(301, { location: "/plain?from=moved" });
        return response.end("moved");
      case "/see-other":
        response.writeHead(303, { location: "/plain" });
        return response.end();
      case "/temporary":
        response.writeHead(307, { location: "/plain" });
        return response.end();
      case "/elsewhere":
        response.writeHead(302, { location: `${otherBase}/plain` });
        return response.end();
      case "/loop":
        response.writeHead(302, { location: "/loop" });
        return response.end();
      case "/stall-body":
        response.writeHead(200, { "content-type": "application/json", "content-length": "1000" });
        response.write('[{"id": 1}');
        response.on("close", () => closedMidBody.push(url));
        return; // Never ends.
      default:
        response.writeHead(404);
        return response.end();
    }
  });
}

async function listen(target: http.Server): Promise<string> {
  await new Promise<void>((resolve) => target.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(target.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  server = http.createServer(handler);
  other = http.createServer(handler);
  base = await listen(server);
  // Another origin: same handler, another port.
  otherBase = await listen(other);
});

afterAll(async () => {
  server.closeAllConnections();
  other.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await new Promise((resolve) => other.close(resolve));
});

function client(options: Partial<ProviderHttpOptions> = {}): ProviderHttpClient {
  return new ProviderHttpClient({
    provider: "Test",
    baseUrl: base,
    authHeaders: { authorization: "Bearer secret" },
    classify: (response) => classifyByStatus(response.status) ?? { kind: "ok" },
    initialBackoffMs: 10,
    maxBackoffMs: 20,
    ...options,
  });
}

function lastSeen(path: string): Seen {
  const found = seen.filter((request) => request.url.startsWith(path)).at(-1);
  if (!found) throw new Error(`no request to ${path}`);
  return found;
}

describe("provider HTTP: what fetch did", () => {
  it("sends fetch's accept-encoding and the client's headers, and joins repeated answer headers", async () => {
    const response = await client().request({ path: "/plain", headers: { "X-Extra": "1" } });
    expect(response.body).toEqual(payload);
    expect(response.headers.get("x-multi")).toBe("a, b");
    expect(response.headers.get("content-type")).toBe("application/json");
    const request = lastSeen("/plain");
    expect(request.headers["accept-encoding"]).toBe("gzip, deflate");
    expect(request.headers.authorization).toBe("Bearer secret");
    expect(request.headers.accept).toBe("application/json");
    expect(request.headers["x-extra"]).toBe("1");
  });

  it("drops a UTF-8 byte order mark", async () => {
    expect((await client().request({ path: "/bom" })).body).toEqual(payload);
  });

  it.each(["/gzip", "/deflate", "/deflate-raw", "/br", "/gzip-then-br"])("decodes %s answers", async (path) => {
    expect((await client().request({ path })).body).toEqual(payload);
  });

  it("hands decodeBody the decoded bytes", async () => {
    const response = await client().request({ path: "/gzip", decodeBody: (bytes) => bytes.toString("utf8") });
    expect(response.body).toBe(payloadBytes.toString("utf8"));
  });

  it("leaves an unknown coding's bytes as they came", async () => {
    expect((await client().request({ path: "/unknown-coding" })).body).toEqual(payload);
  });

  it("decodes error answers for the classifier", async () => {
    const response = await client().request({ path: "/gzip-404" });
    expect(response.status).toBe(404);
    expect(response.body).toEqual({ message: "Not Found" });
  });

  it("returns a 304 with its headers and no body", async () => {
    const response = await client().request({ path: "/not-modified", headers: { "if-none-match": '"v1"' } });
    expect(response.status).toBe(304);
    expect(response.body).toBeUndefined();
    expect(response.headers.get("etag")).toBe('"v1"');
    expect(lastSeen("/not-modified").headers["if-none-match"]).toBe('"v1"');
  });

  it("follows a same-origin redirect with the token", async () => {
    const response = await client().request({ path: "/moved" });
    expect(response.body).toEqual(payload);
    expect(lastSeen("/plain?from=moved").headers.authorization).toBe("Bearer secret");
  });

  it("turns a POST into a GET without body on 303, and keeps it on 307", async () => {
    await client().request({ path: "/see-other", method: "POST", json: { a: 1 } });
    const afterSeeOther = seen.at(-1)!;
    expect([afterSeeOther.method, afterSeeOther.body, afterSeeOther.headers["content-type"]]).toEqual(["GET", "", undefined]);
    await client().request({ path: "/temporary", method: "POST", json: { a: 1 } });
    const afterTemporary = seen.at(-1)!;
    expect([afterTemporary.method, afterTemporary.body]).toEqual(["POST", '{"a":1}']);
  });

  it("does not send the token to another origin a redirect names", async () => {
    const response = await client().request({ path: "/elsewhere" });
    expect(response.body).toEqual(payload);
    const redirected = seen.at(-1)!;
    expect(redirected.url).toBe("/plain");
    expect(redirected.headers.authorization).toBeUndefined();
  });

  it("treats a redirect loop as a network failure, retried until the deadline", async () => {
    const error = await client({ requestDeadlineMs: 300 }).request({ path: "/loop" }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConnectorError);
    expect((error as ConnectorError).code).toBe("provider_unavailable");
    expect((error as ConnectorError).message).toMatch(/network error/);
  });

  it("times out an attempt whose body stalls, and retries it", async () => {
    const before = seen.filter((request) => request.url === "/stall-body").length;
    const error = await client({ attemptTimeoutMs: 100, requestDeadlineMs: 450 })
      .request({ path: "/stall-body" })
      .catch((caught: unknown) => caught);
    expect((error as ConnectorError).code).toBe("provider_unavailable");
    expect((error as ConnectorError).message).toMatch(/: timed out$/);
    expect(seen.filter((request) => request.url === "/stall-body").length - before).toBeGreaterThan(1);
  });

  it("cancels an exchange in flight, closing its connection", async () => {
    closedMidBody.length = 0;
    const controller = new AbortController();
    const pending = client({ signal: controller.signal }).request({ path: "/stall-body?cancel" }).catch((caught: unknown) => caught);
    await new Promise((resolve) => setTimeout(resolve, 100));
    controller.abort();
    const error = await pending;
    expect((error as ConnectorError).message).toBe("Request to Test was cancelled");
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(closedMidBody).toContain("/stall-body?cancel");
  });

  it("names the network failure when nothing listens", async () => {
    const closed = http.createServer();
    const address = await listen(closed);
    await new Promise((resolve) => closed.close(resolve));
    const error = await client({ baseUrl: address, requestDeadlineMs: 200 }).request({ path: "/" }).catch((caught: unknown) => caught);
    expect((error as ConnectorError).message).toMatch(/network error \(ECONNREFUSED\)$/);
  });
});
