/** What went wrong, in terms a caller can act on (retry later, fix the configuration, fix the key). */
export type ObjectStoreErrorCode =
  /** The key (or prefix) is not acceptable: empty, absolute, escaping the root, or using a reserved name. */
  | "invalid_key"
  /** Credentials refused or missing permission (HTTP 403, bad signature, expired token). */
  | "access_denied"
  /** The configured bucket does not exist. */
  | "no_such_bucket"
  /** Server errors (5xx, throttling) or network failures that outlasted the retries. */
  | "unavailable"
  /** The caller's AbortSignal fired. */
  | "cancelled"
  /** The local folder cannot hold the key (a file where a folder is needed, or the reverse). */
  | "conflict"
  /** A local file could not be read or written (missing source file, disk full, permissions). */
  | "io"
  /** Anything else the server refused. */
  | "failed";

export type ObjectStoreOperation =
  | "putFile"
  | "putBytes"
  | "getBytes"
  | "getToFile"
  | "head"
  | "list"
  | "deleteMany";

export interface ObjectStoreErrorDetails {
  /** HTTP status of the last answer, when there was one. */
  status?: number;
  /** The server's error code ("SlowDown", "NoSuchBucket", …) or the system error code ("ENOSPC"). */
  serverCode?: string;
  /** Requests made, retries included (S3 only). */
  attempts?: number;
}

/**
 * The one error type both adapters throw, naming the operation, the key and the store. Messages and
 * details never contain credentials: S3 errors are rebuilt from safe fields (the SDK's error objects can
 * carry the signed canonical request, which includes the session token) and scrubbed of the configured
 * secrets as a second line of defence.
 */
export class ObjectStoreError extends Error {
  readonly code: ObjectStoreErrorCode;
  readonly operation: ObjectStoreOperation;
  /** The key (or list prefix) relative to the store's root; undefined for multi-key failures. */
  readonly key: string | undefined;
  readonly details: ObjectStoreErrorDetails;

  constructor(
    code: ObjectStoreErrorCode,
    operation: ObjectStoreOperation,
    key: string | undefined,
    message: string,
    details: ObjectStoreErrorDetails = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "ObjectStoreError";
    this.code = code;
    this.operation = operation;
    this.key = key;
    this.details = details;
  }
}

export function isObjectStoreError(error: unknown): error is ObjectStoreError {
  return error instanceof ObjectStoreError;
}
