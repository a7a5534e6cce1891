import { createDecipheriv, randomBytes } from "node:crypto";
import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { keyIdOf, parseEncryptionKey, SecretBox, SecretBoxError } from "../src/index.js";
import type { SecretBoxErrorCode } from "../src/index.js";

const OLD_HEX = "3f1c9a0b7d2e4f6a8b1c3d5e7f9a0b2c4d6e8f0a1b3c5d7e9f0a2b4c6d8e0f1a";
const NEW_HEX = "a94c2e7b05d18f36c4b29e0a7d53f18b6c2e9a4d07b3f58e1c6a29d4b07e3f5c";
const OLD_KEY = Buffer.from(OLD_HEX, "hex");
const NEW_KEY = Buffer.from(NEW_HEX, "hex");
const ENVELOPE = /^v1\.[0-9a-f]{12}\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]*$/;

/** Runs `fn`, expects a SecretBoxError with `code`, and returns it for further checks. */
function expectSecretBoxError(fn: () => unknown, code: SecretBoxErrorCode): SecretBoxError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(SecretBoxError);
    const boxError = error as SecretBoxError;
    expect(boxError.code).toBe(code);
    expect(boxError.name).toBe("SecretBoxError");
    return boxError;
  }
  throw new Error(`expected a SecretBoxError with code ${code}, but nothing was thrown`);
}

/** Flips one bit of one decoded part (2 = iv, 3 = tag, 4 = ciphertext) and re-encodes it canonically. */
function flipBit(envelope: string, part: 2 | 3 | 4, byte = 0): string {
  const parts = envelope.split(".");
  const bytes = Buffer.from(parts[part] as string, "base64url");
  bytes[byte] = (bytes[byte] as number) ^ 0x01;
  parts[part] = bytes.toString("base64url");
  return parts.join(".");
}

const BASE64URL_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/** Sets the lowest (padding) bit of the last character of an encoding whose length is not a multiple of 4. */
function nonCanonical(part: string): string {
  const last = BASE64URL_ALPHABET.indexOf(part.slice(-1));
  return `${part.slice(0, -1)}${BASE64URL_ALPHABET[last ^ 1]}`;
}

function withPart(envelope: string, part: number, value: string): string {
  const parts = envelope.split(".");
  parts[part] = value;
  return parts.join(".");
}

describe("parseEncryptionKey", () => {
  it("turns 64 hex characters, either case, into the 32 bytes they spell", () => {
    expect(parseEncryptionKey(OLD_HEX).equals(OLD_KEY)).toBe(true);
    expect(parseEncryptionKey(OLD_HEX.toUpperCase()).equals(OLD_KEY)).toBe(true);
    expect(parseEncryptionKey(OLD_HEX)).toHaveLength(32);
  });

  it.each([
    ["63 characters", OLD_HEX.slice(0, 63), /63 characters/],
    ["65 characters", `${OLD_HEX}0`, /65 characters/],
    ["a trailing newline", `${OLD_HEX}\n`, /65 characters/],
    ["a non-hex character", `${OLD_HEX.slice(0, 63)}g`, /not hex/],
    ["spaces", `${OLD_HEX.slice(0, 62)}  `, /not hex/],
    ["base64 of 32 bytes", OLD_KEY.toString("base64").padEnd(64, "="), /not hex/],
  ])("rejects %s with a message that names the problem but not the input", (_label, input, problem) => {
    let message = "";
    expect(() => {
      try {
        parseEncryptionKey(input);
      } catch (error) {
        message = (error as Error).message;
        throw error;
      }
    }).toThrow(Error);
    expect(message).toMatch(problem);
    expect(message).toMatch(/64 hex/);
    expect(message).not.toContain(input.trim());
    expect(message).not.toContain(input.slice(0, 16));
    expect(message).not.toContain(input.slice(-16));
  });

  it("rejects an empty or absent key as missing", () => {
    expect(() => parseEncryptionKey("")).toThrow(/missing/);
    expect(() => parseEncryptionKey(undefined as unknown as string)).toThrow(/missing/);
  });
});

describe("keyIdOf", () => {
  it("is 12 lowercase hex characters, the same for the same key and different for different keys", () => {
    const id = keyIdOf(OLD_KEY);
    expect(id).toMatch(/^[0-9a-f]{12}$/);
    expect(keyIdOf(Buffer.from(OLD_HEX, "hex"))).toBe(id);
    expect(keyIdOf(NEW_KEY)).not.toBe(id);
  });

  it("does not reveal the key: it is not a slice of the key or of its plain SHA-256", async () => {
    const { createHash } = await import("node:crypto");
    const id = keyIdOf(OLD_KEY);
    expect(OLD_HEX).not.toContain(id);
    expect(createHash("sha256").update(OLD_KEY).digest("hex")).not.toContain(id);
  });

  it("rejects a key that is not 32 bytes", () => {
    expect(() => keyIdOf(Buffer.alloc(16))).toThrow(/32 bytes/);
    expect(() => keyIdOf(Buffer.alloc(33))).toThrow(/32 bytes/);
  });
});

describe("SecretBox encrypt and decrypt", () => {
  const box = new SecretBox({ activeKey: NEW_KEY });

  it("writes a self-describing v1 envelope under the active key id, without the plaintext", () => {
    const envelope = box.encrypt("hunter2-very-secret");
    expect(envelope).toMatch(ENVELOPE);
    expect(envelope.split(".")[1]).toBe(keyIdOf(NEW_KEY));
    expect(box.activeKeyId).toBe(keyIdOf(NEW_KEY));
    expect(box.keyIdOfEnvelope(envelope)).toBe(keyIdOf(NEW_KEY));
    expect(envelope).not.toContain("hunter2");
    expect(envelope).not.toContain(Buffer.from("hunter2-very-secret").toString("base64url"));
  });

  it.each([
    ["an empty string", ""],
    ["ascii", "xoxb-1234-5678-abcdef"],
    ["unicode", "pässwörd 漢字 🚀 \u0000 \n\t \u{10FFFF}"],
    ["JSON credentials", JSON.stringify({ client_id: "abc", client_secret: "s3cr3t", scopes: ["a", "b"] })],
  ])("round-trips %s", (_label, plaintext) => {
    const envelope = box.encrypt(plaintext);
    expect(envelope).toMatch(ENVELOPE);
    expect(box.decrypt(envelope)).toBe(plaintext);
  });

  it("round-trips a 1 MB string", () => {
    const plaintext = randomBytes(786_432).toString("base64");
    expect(plaintext).toHaveLength(1_048_576);
    const envelope = box.encrypt(plaintext, "row-1:big");
    expect(box.decrypt(envelope, "row-1:big")).toBe(plaintext);
  });

  it("uses a fresh random IV each time, so the same plaintext gives different envelopes", () => {
    const envelopes = Array.from({ length: 1000 }, () => box.encrypt("same secret"));
    expect(new Set(envelopes).size).toBe(1000);
    expect(new Set(envelopes.map((e) => e.split(".")[2])).size).toBe(1000);
    for (const envelope of envelopes.slice(0, 10)) expect(box.decrypt(envelope)).toBe("same secret");
  });

  it("opens with any box holding the same key", () => {
    const envelope = box.encrypt("shared", "aad");
    expect(new SecretBox({ activeKey: Buffer.from(NEW_HEX, "hex") }).decrypt(envelope, "aad")).toBe("shared");
  });

  it("refuses a plaintext with a lone surrogate, which UTF-8 could not round-trip", () => {
    expect(() => box.encrypt("abc\uD800def")).toThrow(TypeError);
    expect(() => box.encrypt("abc\uDC00")).toThrow(TypeError);
    expect(() => box.encrypt("ok", "row\uD800")).toThrow(TypeError);
  });

  it("keeps key material out of inspect and JSON output", () => {
    const shown = `${inspect(box, { showHidden: true, depth: 10 })} ${JSON.stringify(box)}`;
    expect(shown).not.toContain(NEW_HEX);
    expect(shown).not.toContain(NEW_KEY.toString("base64"));
    expect(shown).toContain(keyIdOf(NEW_KEY));
  });

  it("is not affected when the caller later overwrites its key buffer", () => {
    const key = Buffer.from(NEW_HEX, "hex");
    const own = new SecretBox({ activeKey: key });
    const envelope = own.encrypt("still here");
    key.fill(0);
    expect(own.decrypt(envelope)).toBe("still here");
    expect(own.encrypt("again").split(".")[1]).toBe(keyIdOf(NEW_KEY));
  });

  it("rejects keys that are not 32 bytes", () => {
    expect(() => new SecretBox({ activeKey: Buffer.alloc(31) })).toThrow(/32 bytes/);
    expect(() => new SecretBox({ activeKey: NEW_KEY, previousKeys: [Buffer.alloc(64)] })).toThrow(/32 bytes/);
  });
});

describe("SecretBox associated data", () => {
  const box = new SecretBox({ activeKey: NEW_KEY });

  it("opens only with the associated data it was sealed with", () => {
    const envelope = box.encrypt("db-password", "connection:42:password");
    expect(box.decrypt(envelope, "connection:42:password")).toBe("db-password");
    expectSecretBoxError(() => box.decrypt(envelope, "connection:43:password"), "tampered");
    expectSecretBoxError(() => box.decrypt(envelope, "connection:42:token"), "tampered");
    expectSecretBoxError(() => box.decrypt(envelope), "tampered");
  });

  it("does not open without associated data when it was sealed with some", () => {
    const envelope = box.encrypt("db-password");
    expect(box.decrypt(envelope)).toBe("db-password");
    expectSecretBoxError(() => box.decrypt(envelope, "connection:42:password"), "tampered");
  });

  it("follows docs/crypto.md: plain node:crypto opens it with AAD `v1.<keyId>.` + associated data", () => {
    const envelope = box.encrypt("documented", "row:9");
    const [header, keyId, iv, tag, ciphertext] = envelope.split(".") as [string, string, string, string, string];
    const open = (aad: string): string => {
      const decipher = createDecipheriv("aes-256-gcm", NEW_KEY, Buffer.from(iv, "base64url"), { authTagLength: 16 });
      decipher.setAuthTag(Buffer.from(tag, "base64url"));
      decipher.setAAD(Buffer.from(aad, "utf8"));
      return Buffer.concat([decipher.update(Buffer.from(ciphertext, "base64url")), decipher.final()]).toString("utf8");
    };
    expect(open(`${header}.${keyId}.row:9`)).toBe("documented");
    // The header is authenticated too, so a future format cannot be confused with this one.
    expect(() => open("row:9")).toThrow();
  });

  it("treats absent and empty associated data alike", () => {
    expect(box.decrypt(box.encrypt("x"), "")).toBe("x");
    expect(box.decrypt(box.encrypt("x", ""))).toBe("x");
  });

  it("stops an envelope copied into another row from opening there", () => {
    const rowA = box.encrypt("secret of row A", "row-a:credentials");
    const copiedToB = rowA;
    const error = expectSecretBoxError(() => box.decrypt(copiedToB, "row-b:credentials"), "tampered");
    expect(error.message).not.toContain("secret of row A");
    expect(error.message).not.toContain("row-a");
  });
});

describe("SecretBox tampering", () => {
  const box = new SecretBox({ activeKey: NEW_KEY, previousKeys: [OLD_KEY] });
  const plaintext = "a credential worth protecting";
  const envelope = box.encrypt(plaintext, "row:1");

  it.each([
    ["the iv's first byte", 2, 0],
    ["the iv's last byte", 2, 11],
    ["the tag's first byte", 3, 0],
    ["the tag's last byte", 3, 15],
    ["the ciphertext's first byte", 4, 0],
    ["the ciphertext's last byte", 4, plaintext.length - 1],
  ] as const)("fails with tampered when one bit of %s changes", (_label, part, byte) => {
    const tampered = flipBit(envelope, part, byte);
    expect(tampered).not.toBe(envelope);
    const error = expectSecretBoxError(() => box.decrypt(tampered, "row:1"), "tampered");
    expect(error.keyId).toBe(keyIdOf(NEW_KEY));
    expect(error.message).not.toContain(plaintext);
    expect(error.message).not.toContain(envelope.split(".")[4]);
    expect(error.message).not.toContain(NEW_HEX);
  });

  it("fails with tampered when the ciphertext is truncated or extended", () => {
    const ciphertext = Buffer.from(envelope.split(".")[4] as string, "base64url");
    const shorter = withPart(envelope, 4, ciphertext.subarray(0, -1).toString("base64url"));
    const longer = withPart(envelope, 4, Buffer.concat([ciphertext, Buffer.from([0])]).toString("base64url"));
    expectSecretBoxError(() => box.decrypt(shorter, "row:1"), "tampered");
    expectSecretBoxError(() => box.decrypt(longer, "row:1"), "tampered");
  });

  it("fails with tampered when parts are swapped between two envelopes", () => {
    const other = box.encrypt(plaintext, "row:1");
    const swappedIv = withPart(envelope, 2, other.split(".")[2] as string);
    const swappedTag = withPart(envelope, 3, other.split(".")[3] as string);
    expectSecretBoxError(() => box.decrypt(swappedIv, "row:1"), "tampered");
    expectSecretBoxError(() => box.decrypt(swappedTag, "row:1"), "tampered");
  });

  it("fails with tampered when the key id is switched to another configured key", () => {
    const relabelled = withPart(envelope, 1, keyIdOf(OLD_KEY));
    const error = expectSecretBoxError(() => box.decrypt(relabelled, "row:1"), "tampered");
    expect(error.keyId).toBe(keyIdOf(OLD_KEY));
  });

  it("refuses a truncated tag as malformed instead of checking fewer bits", () => {
    const tag = Buffer.from(envelope.split(".")[3] as string, "base64url");
    const short = withPart(envelope, 3, tag.subarray(0, 12).toString("base64url"));
    expectSecretBoxError(() => box.decrypt(short, "row:1"), "malformed");
  });
});

describe("SecretBox malformed envelopes", () => {
  const box = new SecretBox({ activeKey: NEW_KEY });
  const good = box.encrypt("secret", "aad");
  const [, keyId, iv, tag, ciphertext] = good.split(".") as [string, string, string, string, string];

  it.each([
    ["an empty string", ""],
    ["a plaintext secret stored by mistake", "hunter2-plaintext-password"],
    ["a dotted plaintext", "hunter2.hunter3.hunter4.hunter5.hunter6"],
    ["another version", `v2.${keyId}.${iv}.${tag}.${ciphertext}`],
    ["too few parts", `v1.${keyId}.${iv}.${tag}`],
    ["too many parts", `${good}.extra`],
    ["an uppercase key id", `v1.${keyId.toUpperCase()}.${iv}.${tag}.${ciphertext}`],
    ["a short key id", `v1.${keyId.slice(1)}.${iv}.${tag}.${ciphertext}`],
    ["standard base64 characters", `v1.${keyId}.${iv}.${tag}.${ciphertext}+/`],
    ["padding", `v1.${keyId}.${iv}.${tag}.${ciphertext}==`],
    // Same bytes as the real tag, but with a nonzero padding bit, which a lenient decoder would accept.
    ["a non-canonical base64url tag", `v1.${keyId}.${iv}.${nonCanonical(tag)}.${ciphertext}`],
    ["an 8-byte iv", `v1.${keyId}.${Buffer.alloc(8).toString("base64url")}.${tag}.${ciphertext}`],
    ["an empty tag", `v1.${keyId}.${iv}..${ciphertext}`],
  ])("refuses %s as malformed without echoing it", (_label, input) => {
    const error = expectSecretBoxError(() => box.decrypt(input, "aad"), "malformed");
    expect(error.message).toMatch(/^Envelope is malformed: /);
    if (input.length > 0) expect(error.message).not.toContain(input);
    expect(error.message).not.toContain("hunter");
    expect(error.message).not.toContain(ciphertext);
    expectSecretBoxError(() => box.keyIdOfEnvelope(input), "malformed");
    expectSecretBoxError(() => box.needsRotation(input), "malformed");
    expectSecretBoxError(() => box.rotate(input, "aad"), "malformed");
  });

  it("refuses a non-canonical encoding even though it decodes to the very same bytes", () => {
    const changed = nonCanonical(tag);
    expect(changed).not.toBe(tag);
    expect(Buffer.from(changed, "base64url").equals(Buffer.from(tag, "base64url"))).toBe(true);
    expectSecretBoxError(() => box.decrypt(`v1.${keyId}.${iv}.${changed}.${ciphertext}`, "aad"), "malformed");
  });

  it("refuses a value that is not a string as malformed", () => {
    expectSecretBoxError(() => box.decrypt(undefined as unknown as string), "malformed");
    expectSecretBoxError(() => box.decrypt(42 as unknown as string), "malformed");
  });

  it("still opens the untouched envelope", () => {
    expect(box.decrypt(good, "aad")).toBe("secret");
  });
});

describe("SecretBox keys and rotation", () => {
  const oldBox = new SecretBox({ activeKey: OLD_KEY });
  const newOnly = new SecretBox({ activeKey: NEW_KEY });
  const rotating = new SecretBox({ activeKey: NEW_KEY, previousKeys: [OLD_KEY] });

  it("fails with unknown_key, naming only the key id, when no configured key made the envelope", () => {
    const envelope = oldBox.encrypt("old secret", "row:7");
    const error = expectSecretBoxError(() => newOnly.decrypt(envelope, "row:7"), "unknown_key");
    expect(error.keyId).toBe(keyIdOf(OLD_KEY));
    expect(error.message).toContain(keyIdOf(OLD_KEY));
    expect(error.message).not.toContain(OLD_HEX);
    expect(error.message).not.toContain(NEW_HEX);
    expect(error.message).not.toContain("old secret");
    expect(error.message).not.toContain(envelope.split(".")[4]);
  });

  it("opens envelopes of a previous key and writes new ones under the active key", () => {
    const old = oldBox.encrypt("old secret", "row:7");
    expect(rotating.decrypt(old, "row:7")).toBe("old secret");
    expect(rotating.keyIdOfEnvelope(rotating.encrypt("new secret"))).toBe(keyIdOf(NEW_KEY));
  });

  it("flags only envelopes not under the active key as needing rotation", () => {
    expect(rotating.needsRotation(oldBox.encrypt("x"))).toBe(true);
    expect(rotating.needsRotation(rotating.encrypt("x"))).toBe(false);
    expect(rotating.needsRotation(new SecretBox({ activeKey: randomBytes(32) }).encrypt("x"))).toBe(true);
    expect(oldBox.needsRotation(oldBox.encrypt("x"))).toBe(false);
  });

  it("rotate re-encrypts under the active key, keeping the plaintext and the associated data binding", () => {
    const old = oldBox.encrypt("old secret", "row:7");
    const rotated = rotating.rotate(old, "row:7");
    expect(rotated).toMatch(ENVELOPE);
    expect(rotating.keyIdOfEnvelope(rotated)).toBe(keyIdOf(NEW_KEY));
    expect(rotating.needsRotation(rotated)).toBe(false);
    expect(rotating.decrypt(rotated, "row:7")).toBe("old secret");
    // Once every row is rotated, the old key can be dropped from the configuration.
    expect(newOnly.decrypt(rotated, "row:7")).toBe("old secret");
    expectSecretBoxError(() => newOnly.decrypt(rotated, "row:8"), "tampered");
    expectSecretBoxError(() => oldBox.decrypt(rotated, "row:7"), "unknown_key");
  });

  it("rotate of an envelope already under the active key gives a fresh envelope with the same plaintext", () => {
    const current = rotating.encrypt("current", "row:1");
    const again = rotating.rotate(current, "row:1");
    expect(again).not.toBe(current);
    expect(rotating.decrypt(again, "row:1")).toBe("current");
  });

  it("rotate refuses wrong associated data and unknown keys instead of re-encrypting", () => {
    const old = oldBox.encrypt("old secret", "row:7");
    expectSecretBoxError(() => rotating.rotate(old, "row:8"), "tampered");
    expectSecretBoxError(() => newOnly.rotate(old, "row:7"), "unknown_key");
  });

  it("accepts the active key listed again among the previous keys", () => {
    const box = new SecretBox({ activeKey: NEW_KEY, previousKeys: [NEW_KEY, OLD_KEY] });
    expect(box.activeKeyId).toBe(keyIdOf(NEW_KEY));
    expect(box.decrypt(oldBox.encrypt("x"))).toBe("x");
    expect(box.decrypt(newOnly.encrypt("y"))).toBe("y");
  });
});
