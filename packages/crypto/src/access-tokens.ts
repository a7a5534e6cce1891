import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

const TOKEN_RANDOM_BYTES = 32;
// Letters, digits and underscores keep the token one "word": double-click selects it whole, it needs no
// escaping in URLs or headers, and secret scanners can match it by prefix.
const PREFIX = /^[A-Za-z0-9_]+$/;
const SHA256_HEX = /^[0-9a-fA-F]{64}$/;
const REDACTED = "••••";
const REDACT_MIN_LENGTH = 12;
const REDACT_PREFIX_MIN_LENGTH = 24;
const REDACT_SHOWN = 4;

export interface GeneratedAccessToken {
  /** Shown to the user once; never stored. */
  token: string;
  /** SHA-256 hex of the token: what is stored and looked up. */
  tokenHash: string;
  /** The token's last four characters, stored so the user can tell their tokens apart. */
  lastFour: string;
}

/** A new personal access token: `${prefix}_` followed by 32 random bytes in base64url (43 characters). */
export function generateAccessToken(prefix = "trb_pat"): GeneratedAccessToken {
  if (!PREFIX.test(prefix)) {
    throw new Error("Access token prefix must be letters, digits and underscores");
  }
  const token = `${prefix}_${randomBytes(TOKEN_RANDOM_BYTES).toString("base64url")}`;
  return { token, tokenHash: hashAccessToken(token), lastFour: token.slice(-4) };
}

/**
 * SHA-256 hex of a token. A plain fast hash is enough because tokens carry 256 random bits: unlike
 * passwords there is nothing to guess, so salting or a slow KDF would add cost without adding safety,
 * and an unsalted hash can be looked up directly by an index.
 */
export function hashAccessToken(token: string): string {
  if (typeof token !== "string") throw new TypeError("Access token must be a string");
  return createHash("sha256").update(token, "utf8").digest("hex");
}

/**
 * Whether a presented token matches a stored hash, compared in constant time. A malformed stored hash
 * never matches rather than throwing, so a bad row cannot turn into a 500 on the authentication path.
 */
export function accessTokenMatches(token: string, storedHash: string): boolean {
  if (typeof token !== "string" || typeof storedHash !== "string" || !SHA256_HEX.test(storedHash)) {
    return false;
  }
  const presented = createHash("sha256").update(token, "utf8").digest();
  // Both sides are 32-byte digests, so timingSafeEqual's equal-length requirement always holds and the
  // comparison time does not depend on the token.
  return timingSafeEqual(presented, Buffer.from(storedHash, "hex"));
}

/**
 * A hint of a credential that does not reveal it: the first and last four characters of a long one
 * (24 or more: provider tokens, whose first four only name the kind, `ghp_…1234`), the last four of a
 * medium one (`…1234`: showing eight of twelve characters would reveal most of it), only `••••` below
 * 12. Counts code points so an emoji is never split.
 */
export function redactSecret(value: string): string {
  if (typeof value !== "string") return REDACTED;
  const chars = Array.from(value);
  if (chars.length < REDACT_MIN_LENGTH) return REDACTED;
  if (chars.length < REDACT_PREFIX_MIN_LENGTH) return `…${chars.slice(-REDACT_SHOWN).join("")}`;
  return `${chars.slice(0, REDACT_SHOWN).join("")}…${chars.slice(-REDACT_SHOWN).join("")}`;
}
