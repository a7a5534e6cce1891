import type { Readable } from "node:stream";
import { promisify } from "node:util";
import zlib from "node:zlib";
import { request as undiciRequest } from "undici";

/**
 * One HTTP exchange as global `fetch` with `redirect: "follow"` did it, on undici's `request()`: the
 * body arrives as Buffers and is kept as one, with no WHATWG stream, Request or Response in between
 * (for a page read unparsed that machinery was most of the client's cost: docs/benchmarks.md, "connect:
 * ingestion"). What fetch did and the connectors rely on is done here:
 *
 * - `accept-encoding` is sent as fetch sends it (`br, gzip, deflate` over HTTPS, `gzip, deflate` over
 *   HTTP) and the answer is decoded the same way: gzip/x-gzip, deflate (zlib-wrapped or raw) and br,
 *   leniently (`Z_SYNC_FLUSH`, as fetch and curl do); an unknown coding leaves the bytes as they came;
 *   more than five codings is an error.
 * - Redirects (301, 302, 303, 307, 308 with a `Location`) are followed up to 20 times; 301/302 after a
 *   POST and 303 after anything but GET/HEAD become a GET without body; a redirect to another origin
 *   drops `authorization`, `proxy-authorization` and `cookie`.
 * - The signal aborts the exchange at any point, body included, with the signal's reason.
 * - The answer's headers are a `Headers` (repeated fields joined with ", ", as fetch joins them).
 */
export interface HttpExchange {
  url: URL;
  method: string;
  /** Lower-case names. */
  headers: Record<string, string>;
  body?: string;
  signal: AbortSignal;
}

export interface HttpAnswer {
  status: number;
  headers: Headers;
  /** The decoded body. */
  bytes: Buffer;
}

const redirectStatuses = new Set([301, 302, 303, 307, 308]);
/** Statuses whose answer has no body to decode (fetch's "null body status"). */
const nullBodyStatuses = new Set([101, 103, 204, 205, 304]);
const requestBodyHeaders = ["content-encoding", "content-language", "content-location", "content-type"];
const maxRedirects = 20;
const maxContentCodings = 5;

export async function exchange(request: HttpExchange): Promise<HttpAnswer> {
  let url = request.url;
  let method = request.method;
  let body = request.body;
  const headers = { ...request.headers };
  if (headers["accept-encoding"] === undefined) {
    headers["accept-encoding"] = url.protocol === "https:" ? "br, gzip, deflate" : "gzip, deflate";
  }
  for (let redirects = 0; ; redirects += 1) {
    const response = await undiciRequest(url, { method, headers, body, signal: request.signal });
    const location = redirectStatuses.has(response.statusCode) ? single(response.headers.location) : undefined;
    if (location === undefined) {
      const bytes = await readBody(response.body, request.signal);
      const codings = method === "HEAD" || nullBodyStatuses.has(response.statusCode) ? undefined : single(response.headers["content-encoding"]);
      return {
        status: response.statusCode,
        headers: toHeaders(response.headers),
        bytes: codings ? await decode(bytes, codings) : bytes,
      };
    }

    await response.body.dump();
    const target = new URL(location, url);
    if (target.protocol !== "https:" && target.protocol !== "http:") throw new Error("URL scheme must be a HTTP(S) scheme");
    if (redirects === maxRedirects) throw new Error("redirect count exceeded");
    if (((response.statusCode === 301 || response.statusCode === 302) && method === "POST") ||
      (response.statusCode === 303 && method !== "GET" && method !== "HEAD")) {
      method = "GET";
      body = undefined;
      for (const name of requestBodyHeaders) delete headers[name];
    }
    if (target.origin !== url.origin) {
      delete headers.authorization;
      delete headers["proxy-authorization"];
      delete headers.cookie;
    }
    url = target;
  }
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(", ") : value;
}

function toHeaders(fields: Record<string, string | string[] | undefined>): Headers {
  const headers = new Headers();
  for (const name in fields) {
    const value = fields[name];
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const each of value) headers.append(name, each);
    else headers.append(name, value);
  }
  return headers;
}

/** The body's chunks as one Buffer; rejects with the signal's reason when it aborts mid-body. */
function readBody(body: Readable, signal: AbortSignal): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    body.on("data", (chunk: Buffer) => {
      chunks.push(chunk);
      length += chunk.length;
    });
    body.on("end", () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, length)));
    body.on("error", (error) => reject(signal.aborted ? signal.reason : error));
    body.on("close", () => {
      // Destroyed without an error (an abort that ended the stream quietly): never resolve with a partial body.
      if (signal.aborted) reject(signal.reason);
    });
  });
}

const gunzip = promisify(zlib.gunzip);
const inflate = promisify(zlib.inflate);
const inflateRaw = promisify(zlib.inflateRaw);
const brotliDecompress = promisify(zlib.brotliDecompress);
const lenient = { flush: zlib.constants.Z_SYNC_FLUSH, finishFlush: zlib.constants.Z_SYNC_FLUSH };
const lenientBrotli = { flush: zlib.constants.BROTLI_OPERATION_FLUSH, finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH };

/** Undoes the content codings, last applied first; an unknown coding leaves the bytes undecoded. */
async function decode(bytes: Buffer, contentEncoding: string): Promise<Buffer> {
  const codings = contentEncoding.toLowerCase().split(",");
  if (codings.length > maxContentCodings) {
    throw new Error(`too many content-encodings in response: ${codings.length}, maximum allowed is ${maxContentCodings}`);
  }
  const steps = codings.map((coding) => coding.trim()).reverse();
  if (!steps.every((coding) => coding === "gzip" || coding === "x-gzip" || coding === "deflate" || coding === "br")) return bytes;
  let decoded = bytes;
  for (const coding of steps) {
    if (coding === "br") decoded = await brotliDecompress(decoded, lenientBrotli);
    else if (coding === "deflate") {
      if (decoded.length === 0) continue;
      // Servers send both zlib-wrapped and raw deflate under this name; the first byte tells them apart.
      decoded = await ((decoded[0]! & 0x0f) === 0x08 ? inflate : inflateRaw)(decoded, lenient);
    } else decoded = await gunzip(decoded, lenient);
  }
  return decoded;
}
