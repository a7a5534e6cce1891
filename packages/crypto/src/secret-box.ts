import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";

const ALGORITHM = "aes-256-gcm";
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const VERSION = "v1";
const KEY_ID_HEX_CHARS = 12;
// A label keeps the key id from being the plain SHA-256 of the key, which some other system might also publish.
const KEY_ID_LABEL = "tributary/secret-box/key-id/v1\0";

const HEX_KEY = /^[0-9a-fA-F]{64}$/;
const KEY_ID = /^[0-9a-f]{12}$/;
const BASE64URL = /^[A-Za-z0-9_-]*$/;
// Lone surrogates become U+FFFD when encoded as UTF-8, so they would not survive a round trip, and two
// different associated-data strings could encode to the same bytes.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export type SecretBoxErrorCode = "unknown_key" | "tampered" | "malformed";

/**
 * A failure to open an envelope. Messages never contain plaintext, key material or ciphertext; the only
 * value from the envelope they may name is a well-formed key id, which is safe to log.
 */
export class SecretBoxError extends Error {
  readonly code: SecretBoxErrorCode;
  /** The envelope's key id when it could be read, otherwise undefined. */
  readonly keyId: string | undefined;

  constructor(code: SecretBoxErrorCode, message: string, keyId?: string) {
    super(message);
    this.name = "SecretBoxError";
    this.code = code;
    this.keyId = keyId;
  }
}

/**
 * Parses a 256-bit key given as 64 hex characters (e.g. `openssl rand -hex 32`). Error messages describe
 * the problem without echoing any of the input, since the input may be a near-miss of the real key.
 */
export function parseEncryptionKey(hex: string): Buffer {
  if (typeof hex !== "string" || hex.length === 0) {
    throw new Error("Encryption key is missing: expected 64 hex characters (32 bytes)");
  }
  if (hex.length !== KEY_BYTES * 2) {
    throw new Error(`Encryption key has ${hex.length} characters: expected exactly 64 hex characters (32 bytes)`);
  }
  if (!HEX_KEY.test(hex)) {
    throw new Error("Encryption key contains a character that is not hex: expected exactly 64 hex characters (0-9, a-f)");
  }
  return Buffer.from(hex, "hex");
}

/** A short, stable id of a key, safe to store and log: it identifies the key without revealing it. */
export function keyIdOf(key: Buffer): string {
  assertKey(key);
  return createHash("sha256").update(KEY_ID_LABEL).update(key).digest("hex").slice(0, KEY_ID_HEX_CHARS);
}

export interface SecretBoxOptions {
  /** The key every new envelope is encrypted with. */
  activeKey: Buffer;
  /** Keys that may still have envelopes in storage; they decrypt but never encrypt. */
  previousKeys?: readonly Buffer[];
}

interface ParsedEnvelope {
  keyId: string;
  iv: Buffer;
  tag: Buffer;
  ciphertext: Buffer;
}

/**
 * AES-256-GCM envelope encryption for secrets at rest. Envelopes read
 * `v1.<keyId>.<iv>.<tag>.<ciphertext>` (base64url parts), so the key that opens one is found from the
 * envelope itself and keys can be rotated without a flag day.
 */
export class SecretBox {
  readonly activeKeyId: string;
  // A private field keeps key material out of util.inspect, console.log and JSON.stringify output.
  readonly #keys = new Map<string, Buffer>();
  readonly #activeKey: Buffer;

  constructor(options: SecretBoxOptions) {
    const active = this.#addKey(options.activeKey);
    this.activeKeyId = active.id;
    this.#activeKey = active.key;
    for (const key of options.previousKeys ?? []) this.#addKey(key);
  }

  /**
   * Encrypts under the active key with a fresh random IV. `associatedData` (e.g. `${rowId}:${column}`) is
   * authenticated but not stored: decryption must pass the same value, so an envelope copied to another
   * row or column does not open.
   */
  encrypt(plaintext: string, associatedData?: string): string {
    if (typeof plaintext !== "string") throw new TypeError("SecretBox.encrypt: plaintext must be a string");
    assertWellFormed(plaintext, "plaintext");
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, this.#activeKey, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(additionalData(this.activeKeyId, associatedData));
    const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [
      VERSION,
      this.activeKeyId,
      iv.toString("base64url"),
      tag.toString("base64url"),
      ciphertext.toString("base64url"),
    ].join(".");
  }

  /** Opens an envelope made under the active or any previous key. Throws {@link SecretBoxError}. */
  decrypt(envelope: string, associatedData?: string): string {
    const parsed = parseEnvelope(envelope);
    const key = this.#keys.get(parsed.keyId);
    if (key === undefined) {
      throw new SecretBoxError(
        "unknown_key",
        `No configured encryption key has id ${parsed.keyId}; add the key it was encrypted with to the previous keys`,
        parsed.keyId,
      );
    }
    const decipher = createDecipheriv(ALGORITHM, key, parsed.iv, { authTagLength: TAG_BYTES });
    decipher.setAuthTag(parsed.tag);
    decipher.setAAD(additionalData(parsed.keyId, associatedData));
    let plaintext: Buffer;
    try {
      plaintext = Buffer.concat([decipher.update(parsed.ciphertext), decipher.final()]);
    } catch {
      // GCM cannot tell a modified envelope from different associated data; both mean "do not trust".
      throw new SecretBoxError(
        "tampered",
        "Envelope failed authentication: it was modified, or the associated data differs from encryption",
        parsed.keyId,
      );
    }
    return plaintext.toString("utf8");
  }

  /** The id of the key an envelope was made with. Throws {@link SecretBoxError} `malformed`. */
  keyIdOfEnvelope(envelope: string): string {
    return parseEnvelope(envelope).keyId;
  }

  /** True when the envelope is not under the active key, so {@link rotate} should rewrite it. */
  needsRotation(envelope: string): boolean {
    return this.keyIdOfEnvelope(envelope) !== this.activeKeyId;
  }

  /** Decrypts with whichever configured key made the envelope and re-encrypts under the active key. */
  rotate(envelope: string, associatedData?: string): string {
    return this.encrypt(this.decrypt(envelope, associatedData), associatedData);
  }

  #addKey(key: Buffer): { id: string; key: Buffer } {
    const id = keyIdOf(key);
    const existing = this.#keys.get(id);
    if (existing !== undefined) {
      // The same key listed twice (active and previous during a rollout) is harmless; two keys sharing an
      // id would make envelopes ambiguous.
      if (!existing.equals(key)) throw new Error(`Two different encryption keys have the same key id ${id}`);
      return { id, key: existing };
    }
    // A copy, so a caller reusing or zeroing its buffer cannot change the box's keys.
    const copy = Buffer.from(key);
    this.#keys.set(id, copy);
    return { id, key: copy };
  }
}

function assertKey(key: Buffer): void {
  if (!Buffer.isBuffer(key) || key.length !== KEY_BYTES) {
    throw new Error(`Encryption key must be ${KEY_BYTES} bytes`);
  }
}

function assertWellFormed(value: string, what: string): void {
  if (LONE_SURROGATE.test(value)) {
    throw new TypeError(`SecretBox: ${what} contains a lone UTF-16 surrogate and would not round-trip`);
  }
}

// The header goes into the AAD too, so the version and key id cannot be swapped without detection. Its
// length is fixed, which keeps the concatenation unambiguous.
function additionalData(keyId: string, associatedData: string | undefined): Buffer {
  if (associatedData !== undefined && typeof associatedData !== "string") {
    throw new TypeError("SecretBox: associated data must be a string");
  }
  const data = associatedData ?? "";
  assertWellFormed(data, "associated data");
  return Buffer.concat([Buffer.from(`${VERSION}.${keyId}.`, "utf8"), Buffer.from(data, "utf8")]);
}

function malformed(problem: string, keyId?: string): SecretBoxError {
  return new SecretBoxError("malformed", `Envelope is malformed: ${problem}`, keyId);
}

function parseEnvelope(envelope: string): ParsedEnvelope {
  if (typeof envelope !== "string") throw malformed("not a string");
  const parts = envelope.split(".");
  if (parts.length !== 5) throw malformed("expected v1.<keyId>.<iv>.<tag>.<ciphertext>");
  const [version, keyId, iv, tag, ciphertext] = parts as [string, string, string, string, string];
  if (version !== VERSION) throw malformed("unsupported version");
  if (!KEY_ID.test(keyId)) throw malformed("key id is not 12 lowercase hex characters");
  const ivBytes = decodePart(iv, "iv", keyId);
  if (ivBytes.length !== IV_BYTES) throw malformed(`iv is not ${IV_BYTES} bytes`, keyId);
  // Node 20 accepts GCM tags as short as 4 bytes; a full-length tag is required so a truncated one
  // cannot weaken authentication.
  const tagBytes = decodePart(tag, "tag", keyId);
  if (tagBytes.length !== TAG_BYTES) throw malformed(`tag is not ${TAG_BYTES} bytes`, keyId);
  return { keyId, iv: ivBytes, tag: tagBytes, ciphertext: decodePart(ciphertext, "ciphertext", keyId) };
}

// Buffer.from(..., "base64url") skips invalid characters and ignores trailing bits; requiring the
// canonical encoding means one envelope string has exactly one meaning.
function decodePart(part: string, what: string, keyId: string): Buffer {
  if (!BASE64URL.test(part)) throw malformed(`${what} is not base64url`, keyId);
  const bytes = Buffer.from(part, "base64url");
  if (bytes.toString("base64url") !== part) throw malformed(`${what} is not canonical base64url`, keyId);
  return bytes;
}
