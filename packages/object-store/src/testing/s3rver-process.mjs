// Child process that runs s3rver for the test suites (started by s3-test-server.ts, never imported).
//
// Why a separate process: s3rver encrypts ListObjectsV2 continuation tokens with single DES
// (`crypto.createCipheriv("des", …)` in lib/controllers/bucket.js; not MD5, which OpenSSL 3 still has).
// OpenSSL 3 moved DES to its "legacy" provider, so on Node 17+ the first truncated listing (> 1000 keys)
// fails with "error:0308010C:digital envelope routines::unsupported" (HTTP 500) unless Node runs with
// --openssl-legacy-provider. That flag cannot be turned on inside a running process, and setting it for
// the whole test runner would change crypto for the code under test; a child started with the flag keeps
// it contained. Where a Node build lacks the legacy provider, the child substitutes DES-EDE3-CBC with the
// 8-byte key repeated three times, which is mathematically the same cipher (identical tokens), and is in
// OpenSSL 3's default provider. The child also keeps s3rver's CPU and memory out of the process being
// measured, and hosts the fault injection (real HTTP 5xx answers and connection resets).
//
// s3rver 3.7.1 also differs from S3 where our tests would notice; corrected here, in this process only:
// - listings are not in S3 key order and can skip keys across pages (see listInByteOrder);
// - a DeleteObjects of many keys in one folder fails with HTTP 500 (see tolerateConcurrentDeletes);
// - AbortMultipartUpload is missing (HTTP 405) (see abortMultipartUpload).
// Still different from S3, by design of s3rver: SigV4 signatures are not verified (only the access key
// id), and a multipart object's ETag is the MD5 of its content rather than "<md5 of part md5s>-<parts>".
//
// Protocol (Node IPC): argv[2] is a JSON config; the child sends {type:"ready", port, listingCipher};
// the parent sends {id, type, ...} requests and gets {id, ok, result | error} replies.
import crypto from "node:crypto";
import { readdir, rm, stat } from "node:fs/promises";
import { createRequire } from "node:module";
import { join } from "node:path";
import S3rver from "s3rver";

const require = createRequire(import.meta.url);
const S3Object = require("s3rver/lib/models/object");
/** s3rver keeps object "a/b" as the file "a/b._S3rver_object" under the bucket's folder. */
const objectSuffix = "._S3rver_object";

const config = JSON.parse(process.argv[2] ?? "{}");

const listingCipher = prepareListingCipher(Boolean(config.forceDesShim));

/** @type {{ remaining: number, operations: Set<string> | undefined, response: string }[]} */
const faults = [];
/** @type {Record<string, number>} */
let requests = {};
let faultsInjected = 0;

const server = new S3rver({
  address: config.host ?? "127.0.0.1",
  port: 0,
  silent: true,
  directory: config.directory,
  // Path-style only: the endpoint is an IP address, and the adapters force path style with an endpoint.
  vhostBuckets: false,
  configureBuckets: (config.buckets ?? []).map((name) => ({ name })),
});
// s3rver's request logger (koa-logger) formats every request even when silent, for output nobody sees.
server.middleware = server.middleware.filter((middleware) => middleware.name !== "logger");
// First in the chain, before s3rver's own routing and authentication, as a load balancer would answer.
server.middleware.unshift(faultInjection, abortMultipartUpload);
tolerateConcurrentDeletes(server.store);
listInByteOrder(server.store);

const address = await server.run();
process.send?.({ type: "ready", port: address.port, listingCipher });

process.on("message", async (message) => {
  try {
    const result = await handle(message);
    process.send?.({ id: message.id, ok: true, result });
  } catch (error) {
    process.send?.({ id: message.id, ok: false, error: String(error?.message ?? error) });
  }
});
// The parent went away (test runner killed, crash): do not outlive it.
process.on("disconnect", () => shutDown());

async function handle(message) {
  switch (message.type) {
    case "inject": {
      const { count, operations, response } = message.fault;
      faults.push({ remaining: count, operations: operations ? new Set(operations) : undefined, response });
      return undefined;
    }
    case "clear":
      faults.length = 0;
      return undefined;
    case "stats":
      return {
        requests: { ...requests },
        faultsInjected,
        faultsPending: faults.reduce((sum, fault) => sum + fault.remaining, 0),
        openMultipartUploads: await countOpenUploads(),
      };
    case "resetStats":
      requests = {};
      faultsInjected = 0;
      return undefined;
    case "close":
      setImmediate(() => shutDown());
      return undefined;
    default:
      throw new Error(`unknown request ${String(message.type)}`);
  }
}

function shutDown() {
  const http = server.httpServer;
  if (http) {
    http.closeAllConnections();
    http.close();
  }
  process.exit(0);
}

async function faultInjection(ctx, next) {
  const operation = operationOf(ctx);
  requests[operation] = (requests[operation] ?? 0) + 1;
  const fault = faults.find((candidate) => candidate.remaining > 0 && (!candidate.operations || candidate.operations.has(operation)));
  if (!fault) return next();
  fault.remaining -= 1;
  faultsInjected += 1;
  if (fault.response === "connection-reset") {
    // Mid-request, as a crashed load balancer or a dropped NAT entry does.
    ctx.respond = false;
    ctx.req.socket.destroy();
    return undefined;
  }
  // Read the body first so the client sees an answer, not a broken pipe.
  for await (const _chunk of ctx.req) {
    // discard
  }
  const [status, code, text] =
    fault.response === "internal-error"
      ? [500, "InternalError", "We encountered an internal error. Please try again."]
      : fault.response === "service-unavailable"
        ? [503, "ServiceUnavailable", "Service is unable to handle request."]
        : [503, "SlowDown", "Please reduce your request rate."];
  ctx.status = status;
  ctx.type = "application/xml";
  ctx.body =
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${text}</Message>` +
    `<RequestId>tributary-fault-${faultsInjected}</RequestId></Error>`;
  return undefined;
}

/** Names the S3 API operation of a path-style request, for fault targeting and request counts. */
function operationOf(ctx) {
  const path = ctx.path;
  const slash = path.indexOf("/", 1);
  const hasBucket = path.length > 1;
  const hasKey = slash !== -1 && slash < path.length - 1;
  const query = ctx.query;
  const method = ctx.method;
  if (!hasBucket) return method === "GET" ? "ListBuckets" : "Other";
  if (!hasKey) {
    if (method === "GET") {
      if ("uploads" in query) return "ListMultipartUploads";
      return query["list-type"] === "2" ? "ListObjectsV2" : "ListObjects";
    }
    if (method === "POST" && "delete" in query) return "DeleteObjects";
    if (method === "HEAD") return "HeadBucket";
    if (method === "PUT") return "CreateBucket";
    if (method === "DELETE") return "DeleteBucket";
    return "Other";
  }
  const copy = "x-amz-copy-source" in ctx.headers;
  switch (method) {
    case "GET":
      return "GetObject";
    case "HEAD":
      return "HeadObject";
    case "PUT":
      if ("uploadId" in query && "partNumber" in query) return copy ? "UploadPartCopy" : "UploadPart";
      return copy ? "CopyObject" : "PutObject";
    case "POST":
      if ("uploads" in query) return "CreateMultipartUpload";
      if ("uploadId" in query) return "CompleteMultipartUpload";
      return "Other";
    case "DELETE":
      return "uploadId" in query ? "AbortMultipartUpload" : "DeleteObject";
    default:
      return "Other";
  }
}

/**
 * s3rver deletes an object's files, then removes its parent folders while they are empty, and fails with
 * ENOENT (answering HTTP 500) when a concurrent delete removed a folder first, which a DeleteObjects of
 * many keys in one folder always triggers. The files are gone by then, so losing that race is success,
 * as it is on S3. Likewise ENOTEMPTY when a concurrent put refilled the folder.
 */
function tolerateConcurrentDeletes(store) {
  const deleteObject = store.deleteObject.bind(store);
  store.deleteObject = async (bucket, key) => {
    try {
      await deleteObject(bucket, key);
    } catch (error) {
      if (error?.code !== "ENOENT" && error?.code !== "ENOTEMPTY") throw error;
    }
  };
}

/**
 * s3rver lists by walking its folders depth-first, which is not S3's order when a name sorts below "/"
 * ("a/x" comes out before "a-b"), while it resumes a page by string comparison with the last key: keys
 * are then skipped or repeated across pages. This lists in S3's order (UTF-8 bytes) and resumes in the
 * same order. Each page re-reads the key names under the prefix, which is fine at test sizes.
 */
function listInByteOrder(store) {
  store.listObjects = async (bucket, options) => {
    const { delimiter = "", startAfter = "", prefix = "", maxKeys = Infinity } = options;
    const keys = [];
    await collectKeys(store.getBucketPath(bucket), "", prefix, keys);
    keys.sort(compareUtf8);
    const commonPrefixes = new Set();
    const page = [];
    let isTruncated = false;
    for (const key of keys) {
      if (startAfter && compareUtf8(key, startAfter) <= 0) continue;
      if (delimiter) {
        const index = key.indexOf(delimiter, prefix.length);
        if (index !== -1) {
          commonPrefixes.add(key.slice(0, index + delimiter.length));
          continue;
        }
      }
      if (page.length >= maxKeys) {
        isTruncated = true;
        break;
      }
      page.push(key);
    }
    const metadata = await Promise.all(
      page.map((key) =>
        store.getMetadata(bucket, key).catch((error) => {
          if (error?.code === "ENOENT") return undefined; // deleted meanwhile
          throw error;
        }),
      ),
    );
    return {
      objects: page.flatMap((key, index) => (metadata[index] ? [new S3Object(bucket, key, null, metadata[index])] : [])),
      commonPrefixes: [...commonPrefixes].sort(compareUtf8),
      isTruncated,
    };
  };
}

async function collectKeys(folder, relative, prefix, keys) {
  let entries;
  try {
    entries = await readdir(folder, { withFileTypes: true });
  } catch (error) {
    if (error?.code === "ENOENT") return;
    throw error;
  }
  for (const entry of entries) {
    const name = `${relative}${entry.name}`;
    if (entry.isDirectory()) {
      const below = `${name}/`;
      if (below.startsWith(prefix) || prefix.startsWith(below)) await collectKeys(join(folder, entry.name), below, prefix, keys);
    } else if (entry.name.endsWith(objectSuffix)) {
      const key = name.slice(0, -objectSuffix.length);
      if (key.startsWith(prefix)) keys.push(key);
    }
  }
}

function compareUtf8(a, b) {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

/**
 * s3rver has no AbortMultipartUpload (it answers 405). S3 semantics: the upload's parts are discarded;
 * 204 when it existed, 404 NoSuchUpload otherwise.
 */
async function abortMultipartUpload(ctx, next) {
  if (ctx.method !== "DELETE" || !("uploadId" in ctx.query) || operationOf(ctx) !== "AbortMultipartUpload") return next();
  const bucket = ctx.path.split("/")[1];
  const uploadId = String(ctx.query.uploadId);
  const folder = join(server.store.getResourcePath(bucket, undefined, "uploads"), uploadId);
  const exists = /^[0-9a-f]+$/.test(uploadId) && (await stat(folder).then(() => true, () => false));
  if (!exists) {
    ctx.status = 404;
    ctx.type = "application/xml";
    ctx.body =
      '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchUpload</Code>' +
      "<Message>The specified upload does not exist.</Message></Error>";
    return undefined;
  }
  await rm(folder, { recursive: true, force: true });
  ctx.status = 204;
  return undefined;
}

/** Multipart uploads started and neither completed nor aborted, across buckets. */
async function countOpenUploads() {
  let count = 0;
  for (const bucket of await readdir(config.directory).catch(() => [])) {
    const uploads = server.store.getResourcePath(bucket, undefined, "uploads");
    count += (await readdir(uploads).catch(() => [])).length;
  }
  return count;
}

/**
 * Makes DES available to s3rver: natively when the legacy provider is loaded, otherwise by mapping
 * "des" (DES-CBC) to DES-EDE3-CBC with key K‖K‖K, which encrypts exactly like single DES with K.
 * Only this process is affected.
 */
function prepareListingCipher(forceShim) {
  if (!forceShim) {
    try {
      crypto.createCipheriv("des", Buffer.alloc(8), Buffer.alloc(8));
      return "des (OpenSSL legacy provider)";
    } catch {
      // fall through to the shim
    }
  }
  const createCipheriv = crypto.createCipheriv;
  const createDecipheriv = crypto.createDecipheriv;
  const tripled = (key) => Buffer.concat([key, key, key]);
  crypto.createCipheriv = (algorithm, key, iv, options) =>
    String(algorithm).toLowerCase() === "des" || String(algorithm).toLowerCase() === "des-cbc"
      ? createCipheriv("des-ede3-cbc", tripled(key), iv, options)
      : createCipheriv(algorithm, key, iv, options);
  crypto.createDecipheriv = (algorithm, key, iv, options) =>
    String(algorithm).toLowerCase() === "des" || String(algorithm).toLowerCase() === "des-cbc"
      ? createDecipheriv("des-ede3-cbc", tripled(key), iv, options)
      : createDecipheriv(algorithm, key, iv, options);
  return "des-ede3-cbc with a repeated key (shim)";
}
