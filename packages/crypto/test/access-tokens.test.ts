import * as nodeCrypto from "node:crypto";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { accessTokenMatches, generateAccessToken, hashAccessToken, redactSecret } from "../src/index.js";

// Wraps the real timingSafeEqual so a test can check the comparison goes through it; behaviour is unchanged.
vi.mock("node:crypto", async (importOriginal) => {
  const actual = await importOriginal<typeof nodeCrypto>();
  return { ...actual, timingSafeEqual: vi.fn(actual.timingSafeEqual) };
});

describe("generateAccessToken", () => {
  it("makes trb_pat_ followed by 32 random bytes in base64url, with its hash and last four characters", () => {
    const { token, tokenHash, lastFour } = generateAccessToken();
    expect(token).toMatch(/^trb_pat_[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(token.slice("trb_pat_".length), "base64url")).toHaveLength(32);
    expect(tokenHash).toMatch(/^[0-9a-f]{64}$/);
    expect(tokenHash).toBe(hashAccessToken(token));
    expect(lastFour).toHaveLength(4);
    expect(token.endsWith(lastFour)).toBe(true);
    expect(tokenHash).not.toContain(token.slice(8, 20));
  });

  it("never repeats a token or a hash", () => {
    const tokens = Array.from({ length: 2000 }, () => generateAccessToken());
    expect(new Set(tokens.map((t) => t.token)).size).toBe(2000);
    expect(new Set(tokens.map((t) => t.tokenHash)).size).toBe(2000);
  });

  it("uses a given prefix", () => {
    expect(generateAccessToken("trb_svc").token).toMatch(/^trb_svc_[A-Za-z0-9_-]{43}$/);
  });

  it.each([[""], ["has space"], ["dash-ed"], ["dot.ted"], ["slash/"]])(
    "refuses the prefix %j, which would not stay one word",
    (prefix) => {
      expect(() => generateAccessToken(prefix)).toThrow(/prefix/);
    },
  );
});

describe("hashAccessToken", () => {
  it("is the SHA-256 hex of the token's UTF-8 bytes", () => {
    expect(hashAccessToken("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    expect(hashAccessToken("")).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  });

  it("is deterministic and differs for tokens one character apart", () => {
    const { token } = generateAccessToken();
    expect(hashAccessToken(token)).toBe(hashAccessToken(token));
    const changed = `${token.slice(0, -1)}${token.endsWith("A") ? "B" : "A"}`;
    expect(hashAccessToken(changed)).not.toBe(hashAccessToken(token));
  });
});

describe("accessTokenMatches", () => {
  const timingSafeEqual = vi.mocked(nodeCrypto.timingSafeEqual);
  // Braces matter: a function returned from beforeEach is run as its teardown.
  beforeEach(() => {
    timingSafeEqual.mockClear();
  });

  it("accepts the token its hash was stored for", () => {
    const { token, tokenHash } = generateAccessToken();
    expect(accessTokenMatches(token, tokenHash)).toBe(true);
    expect(accessTokenMatches(token, tokenHash.toUpperCase())).toBe(true);
  });

  it("rejects another token, a near miss, a prefix and the empty token", () => {
    const { token, tokenHash } = generateAccessToken();
    const other = generateAccessToken().token;
    const nearMiss = `${token.slice(0, -1)}${token.endsWith("A") ? "B" : "A"}`;
    expect(accessTokenMatches(other, tokenHash)).toBe(false);
    expect(accessTokenMatches(nearMiss, tokenHash)).toBe(false);
    expect(accessTokenMatches(token.slice(0, -1), tokenHash)).toBe(false);
    expect(accessTokenMatches(`${token} `, tokenHash)).toBe(false);
    expect(accessTokenMatches("", tokenHash)).toBe(false);
  });

  it("rejects the stored hash itself presented as a token", () => {
    const { tokenHash } = generateAccessToken();
    expect(accessTokenMatches(tokenHash, tokenHash)).toBe(false);
  });

  it.each([
    ["exactly 12 characters", "abcdefghijkl", "…ijkl"],
    ["23 characters", "abcdefghijklmnopqrstuvw", "…tuvw"],
  ])("shows only the last four characters of a secret of %s", (_label, value, hint) => {
    expect(redactSecret(value)).toBe(hint);
  });

  it.each([
    ["empty", ""],
    ["too short", "abc"],
    ["63 hex characters", "a".repeat(63)],
    ["65 hex characters", "a".repeat(65)],
    ["64 characters, not hex", "z".repeat(64)],
    ["null", null],
  ])("answers false, without throwing, for a stored hash that is %s", (_label, storedHash) => {
    const { token } = generateAccessToken();
    expect(accessTokenMatches(token, storedHash as string)).toBe(false);
  });

  it("answers false for a token that is not a string", () => {
    expect(accessTokenMatches(undefined as unknown as string, hashAccessToken(""))).toBe(false);
  });

  it("compares two 32-byte digests with timingSafeEqual, match or not", () => {
    const { token, tokenHash } = generateAccessToken();
    accessTokenMatches(token, tokenHash);
    accessTokenMatches("trb_pat_wrong", tokenHash);
    expect(timingSafeEqual).toHaveBeenCalledTimes(2);
    for (const [a, b] of timingSafeEqual.mock.calls) {
      expect(a).toHaveProperty("length", 32);
      expect(b).toHaveProperty("length", 32);
    }
  });
});

describe("redactSecret", () => {
  it.each([
    ["a GitHub token", "ghp_abcdefghijklmnop1234", "ghp_…1234"],
    ["an access token", "trb_pat_0123456789abcdefghijklmnopqrstuvwxyzABCDEFG", "trb_…DEFG"],
  ])("shows the first and last four characters of %s", (_label, value, hint) => {
    expect(redactSecret(value)).toBe(hint);
  });

  it.each([
    ["exactly 12 characters", "abcdefghijkl", "…ijkl"],
    ["23 characters", "abcdefghijklmnopqrstuvw", "…tuvw"],
  ])("shows only the last four characters of a secret of %s", (_label, value, hint) => {
    expect(redactSecret(value)).toBe(hint);
  });

  it.each([
    ["empty", ""],
    ["one character", "x"],
    ["eleven characters", "abcdefghijk"],
    ["eight characters", "hunter22"],
  ])("shows only •••• for a secret that is %s", (_label, value) => {
    expect(redactSecret(value)).toBe("••••");
  });

  it("never shows the middle of the secret", () => {
    const secret = "xoxb-1111-SECRETMIDDLE-2222";
    const hint = redactSecret(secret);
    expect(hint).toBe("xoxb…2222");
    expect(hint).not.toContain("SECRET");
  });

  it("counts characters, not UTF-16 units, so it never splits an emoji", () => {
    expect(redactSecret("🔑🔑🔑🔑-a-long-middle-part-🚀🚀🚀🚀")).toBe("🔑🔑🔑🔑…🚀🚀🚀🚀");
    expect(redactSecret("🔑🔑🔑🔑-middle-🚀🚀🚀🚀")).toBe("…🚀🚀🚀🚀");
    expect(redactSecret("🔑".repeat(11))).toBe("••••");
  });
});
