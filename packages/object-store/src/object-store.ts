/**
 * One interface for object storage. The ingestion engine, the catalogue and the query cache are written
 * against it, so the same code paths run on S3 (or any S3-compatible server) in production and on a local
 * folder in the embedded default; which one is used is decided by configuration only.
 *
 * Keys are relative to the store's root (bucket + optional prefix for S3, a folder for the local store),
 * use "/" as separator and are validated the same way by both adapters (see `object-keys.ts`), so a key
 * that works on one works on the other.
 */
export interface ObjectStore {
  /** Where the objects live, for logs and messages: "s3://bucket/prefix" or "file:///path". No secrets. */
  readonly description: string;

  /**
   * Uploads a local file under `key`, streamed from disk (multipart on S3 above the part size) so memory
   * stays bounded whatever the file size. The object becomes visible only once complete.
   */
  putFile(key: string, localPath: string, options?: PutOptions): Promise<PutResult>;

  /** Stores a small in-memory body (a manifest, a state file). Strings are encoded as UTF-8. */
  putBytes(key: string, body: Uint8Array | string, options?: PutOptions): Promise<PutResult>;

  /** The whole object in memory, or undefined when there is no object under `key`. */
  getBytes(key: string, options?: GetOptions): Promise<Uint8Array | undefined>;

  /**
   * Streams the object to `localPath` through a temporary file next to it, renamed into place once
   * complete, so a reader of `localPath` never sees a partial download. Undefined when missing (and
   * `localPath` is left untouched).
   */
  getToFile(key: string, localPath: string, options?: GetOptions): Promise<DownloadResult | undefined>;

  /** Size, ETag and modification time, or undefined when missing. */
  head(key: string, options?: GetOptions): Promise<ObjectInfo | undefined>;

  /**
   * Every object whose key starts with `prefix` (a plain string prefix, not necessarily a folder), in
   * lexicographic order of the keys' UTF-8 bytes, as S3 lists them; all pages, fetched lazily.
   */
  list(prefix: string, options?: GetOptions): AsyncIterable<ListedObject>;

  /** Deletes the objects (missing keys are fine). On S3, in batches of 1000 keys per request. */
  deleteMany(keys: readonly string[], options?: GetOptions): Promise<void>;

  /** Releases connections (S3 client sockets). The store must not be used afterwards. */
  close(): Promise<void>;
}

export interface PutOptions {
  contentType?: string;
  signal?: AbortSignal;
}

export interface GetOptions {
  signal?: AbortSignal;
}

export interface PutResult {
  key: string;
  size: number;
  /**
   * The ETag without quotes. For the local store and S3 single-part uploads it is the MD5 hex of the
   * content; S3 multipart uploads have a different, opaque ETag. Compare ETags only with ETags.
   */
  etag: string;
}

export interface DownloadResult {
  size: number;
  etag: string;
}

export interface ObjectInfo {
  size: number;
  etag: string;
  lastModified: Date;
}

export interface ListedObject extends ObjectInfo {
  key: string;
}
