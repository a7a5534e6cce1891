import { ObjectStoreError, type ObjectStoreErrorCode, type ObjectStoreOperation } from "./object-store-error.js";

export interface S3FailureContext {
  description: string;
  /** Values that must never appear in a message (access key id, secret, session token). */
  secrets: readonly string[];
  signal?: AbortSignal | undefined;
}

const networkErrorCodes = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ERR_STREAM_PREMATURE_CLOSE",
]);

const accessDeniedNames = new Set([
  "AccessDenied",
  "InvalidAccessKeyId",
  "SignatureDoesNotMatch",
  "ExpiredToken",
  "InvalidToken",
  "TokenRefreshRequired",
  "CredentialsProviderError",
]);

/** Whether an SDK error says "there is no object under this key" (and not "there is no bucket"). */
export function isMissingObject(error: unknown): boolean {
  const { name, status } = describe(error);
  if (name === "NoSuchBucket") return false;
  return name === "NoSuchKey" || name === "NotFound" || status === 404;
}

/**
 * Rebuilds an SDK failure as an ObjectStoreError from safe fields only. The SDK's error objects are not
 * kept as `cause`: for signature errors they carry the canonical request S3 echoed back, whose signed
 * headers include the session token.
 */
export function s3Failure(
  error: unknown,
  operation: ObjectStoreOperation,
  key: string | undefined,
  context: S3FailureContext,
): ObjectStoreError {
  if (error instanceof ObjectStoreError) return error;
  const where = `${operation}${key === undefined ? "" : ` ${JSON.stringify(key)}`} on ${context.description}`;
  const { name, status, attempts, systemCode, message } = describe(error);
  if (context.signal?.aborted || name === "AbortError") {
    return new ObjectStoreError("cancelled", operation, key, `${where} was cancelled`);
  }
  const code = classify(name, status, systemCode);
  const facts = [
    status === undefined ? undefined : `HTTP ${status}`,
    attempts === undefined ? undefined : `${attempts} attempt${attempts === 1 ? "" : "s"}`,
  ].filter((fact) => fact !== undefined);
  const label = systemCode ?? name ?? "error";
  const text = `${where} failed: ${label}${facts.length > 0 ? ` (${facts.join(", ")})` : ""}${message ? `: ${message}` : ""}`;
  return new ObjectStoreError(code, operation, key, scrub(text, context.secrets), {
    ...(status === undefined ? {} : { status }),
    ...(systemCode ?? name ? { serverCode: systemCode ?? name } : {}),
    ...(attempts === undefined ? {} : { attempts }),
  });
}

function classify(name: string | undefined, status: number | undefined, systemCode: string | undefined): ObjectStoreErrorCode {
  if (name === "NoSuchBucket") return "no_such_bucket";
  if ((name !== undefined && accessDeniedNames.has(name)) || status === 403 || status === 401) return "access_denied";
  if (status !== undefined && (status >= 500 || status === 429)) return "unavailable";
  if (name === "SlowDown" || name === "TimeoutError" || name === "RequestTimeout") return "unavailable";
  if (systemCode !== undefined && networkErrorCodes.has(systemCode)) return "unavailable";
  return "failed";
}

interface ErrorFacts {
  name: string | undefined;
  status: number | undefined;
  attempts: number | undefined;
  systemCode: string | undefined;
  message: string | undefined;
}

function describe(error: unknown): ErrorFacts {
  if (typeof error !== "object" || error === null) {
    return { name: undefined, status: undefined, attempts: undefined, systemCode: undefined, message: String(error) };
  }
  const record = error as {
    name?: unknown;
    code?: unknown;
    message?: unknown;
    $metadata?: { httpStatusCode?: unknown; attempts?: unknown };
  };
  const status = typeof record.$metadata?.httpStatusCode === "number" ? record.$metadata.httpStatusCode : undefined;
  const attempts = typeof record.$metadata?.attempts === "number" ? record.$metadata.attempts : undefined;
  const systemCode = typeof record.code === "string" && /^E[A-Z_]+$/.test(record.code) ? record.code : undefined;
  const rawMessage = typeof record.message === "string" ? record.message : undefined;
  // The SDK says "UnknownError" with an empty message for bodiless answers (HEAD); keep what helps.
  const message = rawMessage && rawMessage !== "UnknownError" ? rawMessage.slice(0, 500) : undefined;
  return { name: typeof record.name === "string" ? record.name : undefined, status, attempts, systemCode, message };
}

function scrub(text: string, secrets: readonly string[]): string {
  let result = text;
  for (const secret of secrets) {
    if (secret.length >= 4) result = result.split(secret).join("[redacted]");
  }
  return result;
}
