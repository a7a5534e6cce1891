import { ObjectStoreError, type ObjectStoreOperation } from "./object-store-error.js";

/**
 * Names starting with this are the local store's own (temporary files during atomic writes). Keys may not
 * use it in any segment, so a temporary file can never be mistaken for an object or overwrite one.
 */
export const reservedNamePrefix = ".tributary-";

/** S3's limit on a key, in UTF-8 bytes. */
const maxKeyBytes = 1024;

// Control characters cannot travel in S3's XML listings and are never intended in a key. Backslashes are
// refused so that a key means the same path on every platform.
// eslint-disable-next-line no-control-regex
const forbiddenCharacters = /[\u0000-\u001f\u007f\\]/;

/**
 * Why `key` is not acceptable, or undefined when it is. The rules are the intersection of what S3 and a
 * POSIX folder can represent one-to-one: "/"-separated non-empty segments, no "." or "..", no leading or
 * trailing "/". Both adapters apply them, so behaviour never depends on the adapter.
 */
export function keyProblem(key: string): string | undefined {
  if (typeof key !== "string" || key.length === 0) return "the key is empty";
  if (Buffer.byteLength(key, "utf8") > maxKeyBytes) return `the key is longer than ${maxKeyBytes} bytes`;
  if (forbiddenCharacters.test(key)) return "the key contains a control character or a backslash";
  if (key.startsWith("/")) return "the key is absolute (starts with '/')";
  if (key.endsWith("/")) return "the key ends with '/' (folders are not objects)";
  for (const segment of key.split("/")) {
    const problem = segmentProblem(segment, "key");
    if (problem !== undefined) return problem;
  }
  return undefined;
}

/**
 * Why `prefix` cannot be used as a list prefix or a store prefix, or undefined. A prefix is a plain string
 * prefix of keys ("runs/2024-" is fine), so only its complete segments (those followed by "/") are held
 * to the key rules; the empty prefix means everything.
 */
export function prefixProblem(prefix: string): string | undefined {
  if (typeof prefix !== "string") return "the prefix is not a string";
  if (prefix.length === 0) return undefined;
  if (Buffer.byteLength(prefix, "utf8") > maxKeyBytes) return `the prefix is longer than ${maxKeyBytes} bytes`;
  if (forbiddenCharacters.test(prefix)) return "the prefix contains a control character or a backslash";
  if (prefix.startsWith("/")) return "the prefix is absolute (starts with '/')";
  const segments = prefix.split("/");
  segments.pop();
  for (const segment of segments) {
    const problem = segmentProblem(segment, "prefix");
    if (problem !== undefined) return problem;
  }
  return undefined;
}

function segmentProblem(segment: string, noun: "key" | "prefix"): string | undefined {
  if (segment.length === 0) return `the ${noun} has an empty segment ('//')`;
  if (segment === "." || segment === "..") return `the ${noun} has a '.' or '..' segment (it would escape or alias)`;
  if (segment.startsWith(reservedNamePrefix)) return `the ${noun} uses the reserved name prefix '${reservedNamePrefix}'`;
  return undefined;
}

export function assertValidKey(key: string, operation: ObjectStoreOperation, store: string): void {
  const problem = keyProblem(key);
  if (problem !== undefined) {
    throw new ObjectStoreError("invalid_key", operation, safeKeyForMessage(key), `${operation} on ${store}: invalid key ${JSON.stringify(safeKeyForMessage(key))}: ${problem}`);
  }
}

export function assertValidPrefix(prefix: string, operation: ObjectStoreOperation, store: string): void {
  const problem = prefixProblem(prefix);
  if (problem !== undefined) {
    throw new ObjectStoreError("invalid_key", operation, safeKeyForMessage(prefix), `${operation} on ${store}: invalid prefix ${JSON.stringify(safeKeyForMessage(prefix))}: ${problem}`);
  }
}

/** Keys come from callers; cap what ends up in messages and logs. */
function safeKeyForMessage(key: unknown): string {
  const text = typeof key === "string" ? key : String(key);
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

/** Orders keys as S3 does: by their UTF-8 bytes (which differs from JS string order above U+FFFF). */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}
