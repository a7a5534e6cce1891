import { createHash } from "node:crypto";
import { createReadStream, type ReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import type { Readable } from "node:stream";
import {
  AbortMultipartUploadCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { writeFileAtomically } from "./atomic-file.js";
import { assertValidKey, assertValidPrefix } from "./object-keys.js";
import { ObjectStoreError, type ObjectStoreOperation } from "./object-store-error.js";
import type {
  DownloadResult,
  GetOptions,
  ListedObject,
  ObjectInfo,
  ObjectStore,
  PutOptions,
  PutResult,
} from "./object-store.js";
import { isMissingObject, s3Failure } from "./s3-errors.js";
import type { S3StoreConfig } from "./store-config.js";

export type S3ObjectStoreOptions = Omit<S3StoreConfig, "kind">;

const defaultMaxAttempts = 5;
const defaultPartSizeBytes = 8 * 1024 * 1024;
const defaultQueueSize = 2;
/** S3's limit of keys per DeleteObjects request. */
const deleteBatchSize = 1000;

/**
 * Object storage on S3 or any S3-compatible server. Uploads stream from disk through the SDK's multipart
 * `Upload` with a bounded part size and queue, so memory per upload stays near partSize × (queueSize + 1)
 * whatever the file size. Every request uses the SDK's standard retry mode (exponential backoff with
 * jitter on 5xx, throttling and network errors); what outlasts it surfaces as an ObjectStoreError.
 *
 * Deliberately not used: conditional writes (If-None-Match), which not every S3-compatible server has,
 * and the SDK's default request checksums (aws-chunked trailers), which several S3-compatible servers
 * reject or store verbatim; checksums are sent only where S3 requires them.
 */
export class S3ObjectStore implements ObjectStore {
  readonly description: string;
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly partSize: number;
  private readonly queueSize: number;
  private readonly maxAttempts: number;
  private readonly secrets: string[];

  constructor(options: S3ObjectStoreOptions) {
    this.bucket = options.bucket;
    this.prefix = options.prefix ?? "";
    this.description = `s3://${this.bucket}/${this.prefix}`;
    assertValidPrefix(this.prefix, "list", this.description);
    this.partSize = options.partSizeBytes ?? defaultPartSizeBytes;
    this.queueSize = options.queueSize ?? defaultQueueSize;
    this.maxAttempts = options.maxAttempts ?? defaultMaxAttempts;
    this.secrets = [options.accessKeyId, options.secretAccessKey, options.sessionToken].filter(
      (value): value is string => value !== undefined,
    );
    this.client = new S3Client({
      region: options.region,
      ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
      // Custom endpoints (MinIO, s3rver) rarely have wildcard DNS for virtual-hosted buckets.
      forcePathStyle: options.forcePathStyle ?? options.endpoint !== undefined,
      ...(options.accessKeyId !== undefined && options.secretAccessKey !== undefined
        ? {
            credentials: {
              accessKeyId: options.accessKeyId,
              secretAccessKey: options.secretAccessKey,
              ...(options.sessionToken === undefined ? {} : { sessionToken: options.sessionToken }),
            },
          }
        : {}),
      retryMode: "standard",
      maxAttempts: this.maxAttempts,
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
      requestHandler: {
        connectionTimeout: 10_000,
        // Idle time on an open socket, not a total: a large part over a slow link is fine as long as
        // bytes keep moving; a stalled connection fails and is retried.
        socketTimeout: 120_000,
        httpAgent: { keepAlive: true, maxSockets: 32 },
        httpsAgent: { keepAlive: true, maxSockets: 32 },
      },
    });
  }

  async putFile(key: string, localPath: string, options: PutOptions = {}): Promise<PutResult> {
    const objectKey = this.objectKey(key, "putFile");
    const size = await this.localFileSize(localPath, key);
    const controller = new AbortController();
    const onAbort = (): void => controller.abort();
    options.signal?.addEventListener("abort", onAbort, { once: true });
    let upload: Upload | undefined;
    let body: ReadStream | undefined;
    try {
      options.signal?.throwIfAborted();
      // Read in steps of at most 1 MiB; the uploader slices parts and holds only a few at a time.
      body = createReadStream(localPath, { highWaterMark: Math.min(this.partSize, 1 << 20) });
      upload = new Upload({
        client: this.client,
        params: {
          Bucket: this.bucket,
          Key: objectKey,
          Body: body,
          ContentLength: size,
          ...(options.contentType === undefined ? {} : { ContentType: options.contentType }),
        },
        partSize: this.partSize,
        queueSize: this.queueSize,
        // The uploader's own abort replaces the original error with the abort's when that fails too
        // (an outage, a server without AbortMultipartUpload); aborting here keeps the real cause.
        leavePartsOnError: true,
        abortController: controller,
      });
      const result = await upload.done();
      return { key, size, etag: unquote(result.ETag) };
    } catch (error) {
      await this.abandonMultipartUpload(objectKey, upload?.uploadId);
      throw this.failure(error, "putFile", key, options.signal);
    } finally {
      // The uploader stops reading on failure without closing the stream.
      body?.destroy();
      options.signal?.removeEventListener("abort", onAbort);
    }
  }

  async putBytes(key: string, body: Uint8Array | string, options: PutOptions = {}): Promise<PutResult> {
    const objectKey = this.objectKey(key, "putBytes");
    const bytes = typeof body === "string" ? Buffer.from(body, "utf8") : body;
    try {
      const result = await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: objectKey,
          Body: bytes,
          ContentLength: bytes.byteLength,
          // The server verifies the body against it: a corrupted transfer is refused, not stored.
          ContentMD5: createHash("md5").update(bytes).digest("base64"),
          ...(options.contentType === undefined ? {} : { ContentType: options.contentType }),
        }),
        { abortSignal: options.signal },
      );
      return { key, size: bytes.byteLength, etag: unquote(result.ETag) };
    } catch (error) {
      throw this.failure(error, "putBytes", key, options.signal);
    }
  }

  async getBytes(key: string, options: GetOptions = {}): Promise<Uint8Array | undefined> {
    const objectKey = this.objectKey(key, "getBytes");
    try {
      const result = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: objectKey }), {
        abortSignal: options.signal,
      });
      if (result.Body === undefined) return new Uint8Array();
      return await result.Body.transformToByteArray();
    } catch (error) {
      if (isMissingObject(error)) return undefined;
      throw this.failure(error, "getBytes", key, options.signal);
    }
  }

  /**
   * The SDK retries a request until its response headers arrive; a connection lost while the body
   * streams is not retried there, so the whole download is repeated here (the partial temporary file is
   * discarded each time, and the destination is only ever replaced by a complete copy).
   */
  async getToFile(key: string, localPath: string, options: GetOptions = {}): Promise<DownloadResult | undefined> {
    const objectKey = this.objectKey(key, "getToFile");
    for (let attempt = 1; ; attempt += 1) {
      let received = false;
      try {
        const result = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: objectKey }), {
          abortSignal: options.signal,
        });
        received = true;
        // In Node the SDK's body is an http.IncomingMessage (a Readable), streamed to disk chunk by chunk.
        const body = result.Body === undefined ? new Uint8Array() : (result.Body as Readable);
        const written = await writeFileAtomically(localPath, body, options.signal);
        if (result.ContentLength !== undefined && written.size !== result.ContentLength) {
          throw Object.assign(new Error(`received ${written.size} of ${result.ContentLength} bytes`), {
            code: "ERR_STREAM_PREMATURE_CLOSE",
          });
        }
        return { size: written.size, etag: unquote(result.ETag) };
      } catch (error) {
        if (!received && isMissingObject(error)) return undefined;
        const failure = this.failure(error, "getToFile", key, options.signal);
        // Before the headers the SDK has retried already; after, only a broken transfer is worth repeating.
        const retryable = received && failure.code === "unavailable" && attempt < this.maxAttempts;
        if (!retryable) throw failure;
      }
    }
  }

  async head(key: string, options: GetOptions = {}): Promise<ObjectInfo | undefined> {
    const objectKey = this.objectKey(key, "head");
    try {
      const result = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: objectKey }), {
        abortSignal: options.signal,
      });
      return {
        size: result.ContentLength ?? 0,
        etag: unquote(result.ETag),
        lastModified: result.LastModified ?? new Date(0),
      };
    } catch (error) {
      if (isMissingObject(error)) return undefined;
      throw this.failure(error, "head", key, options.signal);
    }
  }

  async *list(prefix: string, options: GetOptions = {}): AsyncIterable<ListedObject> {
    assertValidPrefix(prefix, "list", this.description);
    let continuationToken: string | undefined;
    do {
      let page;
      try {
        page = await this.client.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: this.prefix + prefix,
            MaxKeys: 1000,
            ...(continuationToken === undefined ? {} : { ContinuationToken: continuationToken }),
          }),
          { abortSignal: options.signal },
        );
      } catch (error) {
        throw this.failure(error, "list", prefix, options.signal);
      }
      for (const item of page.Contents ?? []) {
        if (item.Key === undefined || !item.Key.startsWith(this.prefix)) continue;
        // Zero-byte "folder" markers made by consoles and other tools are not objects of this store.
        if (item.Key.endsWith("/")) continue;
        yield {
          key: item.Key.slice(this.prefix.length),
          size: item.Size ?? 0,
          etag: unquote(item.ETag),
          lastModified: item.LastModified ?? new Date(0),
        };
      }
      if (page.IsTruncated && !page.NextContinuationToken) {
        // Stopping here would silently drop the rest of the listing.
        throw new ObjectStoreError("failed", "list", prefix, `list ${JSON.stringify(prefix)} on ${this.description}: the server said the listing continues but gave no continuation token`);
      }
      continuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (continuationToken !== undefined);
  }

  async deleteMany(keys: readonly string[], options: GetOptions = {}): Promise<void> {
    const unique = [...new Set(keys)];
    const objectKeys = unique.map((key) => this.objectKey(key, "deleteMany"));
    for (let start = 0; start < objectKeys.length; start += deleteBatchSize) {
      const batch = objectKeys.slice(start, start + deleteBatchSize);
      const command = new DeleteObjectsCommand({
        Bucket: this.bucket,
        Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
      });
      addContentMd5(command);
      let result;
      try {
        result = await this.client.send(command, { abortSignal: options.signal });
      } catch (error) {
        throw this.failure(error, "deleteMany", undefined, options.signal);
      }
      // DeleteObjects answers 200 even when some keys failed; the failures are in the body.
      const failed = (result.Errors ?? []).filter((entry) => entry.Code !== "NoSuchKey");
      const first = failed[0];
      if (first !== undefined) {
        const key = first.Key?.slice(this.prefix.length);
        throw new ObjectStoreError(
          first.Code === "AccessDenied" ? "access_denied" : "failed",
          "deleteMany",
          key,
          `deleteMany on ${this.description}: ${failed.length} key(s) not deleted, first ${JSON.stringify(key)}: ${first.Code ?? "error"}`,
          first.Code === undefined ? {} : { serverCode: first.Code },
        );
      }
    }
  }

  async close(): Promise<void> {
    this.client.destroy();
  }

  /**
   * Best effort: parts of an abandoned upload are invisible but billed until aborted (a bucket lifecycle
   * rule for incomplete uploads is the backstop). Failure here must not hide the upload's own error.
   */
  private async abandonMultipartUpload(objectKey: string, uploadId: string | undefined): Promise<void> {
    if (uploadId === undefined) return;
    await this.client
      .send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: objectKey, UploadId: uploadId }))
      .catch(() => undefined);
  }

  private objectKey(key: string, operation: ObjectStoreOperation): string {
    assertValidKey(key, operation, this.description);
    assertValidKey(this.prefix + key, operation, this.description);
    return this.prefix + key;
  }

  private async localFileSize(localPath: string, key: string): Promise<number> {
    try {
      const info = await stat(localPath);
      if (info.isFile()) return info.size;
    } catch (error) {
      const code = (error as { code?: string }).code;
      throw new ObjectStoreError("io", "putFile", key, `putFile ${JSON.stringify(key)} on ${this.description}: cannot read ${localPath} (${code ?? "error"})`, code === undefined ? {} : { serverCode: code }, { cause: error });
    }
    throw new ObjectStoreError("io", "putFile", key, `putFile ${JSON.stringify(key)} on ${this.description}: ${localPath} is not a file`);
  }

  private failure(error: unknown, operation: ObjectStoreOperation, key: string | undefined, signal?: AbortSignal): ObjectStoreError {
    return s3Failure(error, operation, key, { description: this.description, secrets: this.secrets, signal });
  }
}

/** S3 sends ETags quoted ("\"abc\""); the interface's ETags are bare so both adapters compare alike. */
function unquote(etag: string | undefined): string {
  return (etag ?? "").replace(/^W\//, "").replace(/"/g, "");
}

/**
 * S3 requires an integrity header on DeleteObjects. Since early 2025 the SDK sends a CRC32 checksum
 * instead of Content-MD5, which many S3-compatible servers (older MinIO, Ceph) do not accept, so the
 * MD5 is added too, after the body is serialized. Both headers are valid for AWS.
 */
function addContentMd5(command: DeleteObjectsCommand): void {
  command.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as { headers?: Record<string, string>; body?: unknown };
      if (request.headers && (typeof request.body === "string" || request.body instanceof Uint8Array)) {
        request.headers["content-md5"] = createHash("md5").update(request.body).digest("base64");
      }
      return next(args);
    },
    { step: "build", name: "tributaryContentMd5", override: true },
  );
}
