import { createHash, randomBytes } from "node:crypto";
import { chmod, readFile, stat } from "node:fs/promises";
import { z } from "zod";
import { writeFileAtomic } from "./atomic-file.js";

/** `po_live_` and 32 random bytes in base64url: 43 characters of [A-Za-z0-9_-]. */
export const apiKeyPattern = /^po_live_[A-Za-z0-9_-]{43}$/;
export const tokenIdPattern = /^tok_[0-9a-f]{16}$/;

const dayMs = 24 * 60 * 60 * 1000;
/** Expired and revoked keys are kept this long (so they answer "expired"/"revoked"), then dropped. */
const retentionMs = 30 * dayMs;

const isoDate = z.iso.datetime();

/** What the data file keeps of one issued key: never the key itself, only its SHA-256. */
const tokenRecordSchema = z.object({
  token_id: z.string().regex(tokenIdPattern),
  key_sha256: z.string().regex(/^[0-9a-f]{64}$/),
  user_email: z.string().min(1),
  created_at: isoDate,
  expires_at: isoDate,
  revoked_at: isoDate.nullable(),
});

const dataFileSchema = z.object({ version: z.literal(1), tokens: z.array(tokenRecordSchema) });

export type TokenRecord = z.infer<typeof tokenRecordSchema>;

export type KeyCheck =
  | { ok: true; token: TokenRecord }
  | { ok: false; error: "invalid_api_key" | "expired_api_key" | "revoked_api_key" };

export interface IssuedKey {
  api_key: string;
  token_id: string;
  expires_at: string;
}

export class KeyStoreError extends Error {
  override name = "KeyStoreError";
}

export function sha256Hex(value: string): string {
  return createHash("sha256").update(value, "utf8").digest("hex");
}

/**
 * The keys this service issued, persisted as a JSON file (mode 600, replaced atomically on every
 * change) holding each key's SHA-256, token id, owner and timestamps, with an in-memory index by key
 * digest and by token id. A change is on disk before the call that made it returns.
 */
export class KeyStore {
  private readonly byDigest = new Map<string, TokenRecord>();
  private readonly byTokenId = new Map<string, TokenRecord>();
  private writes: Promise<void> = Promise.resolve();

  private constructor(
    private readonly path: string,
    private readonly now: () => Date,
  ) {}

  /** Loads the data file (a missing file is an empty store); a file it cannot read stops the start. */
  static async open(path: string, now: () => Date): Promise<KeyStore> {
    const store = new KeyStore(path, now);
    let text: string | undefined;
    try {
      text = await readFile(path, "utf8");
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== "ENOENT") throw new KeyStoreError(`PO data file ${path} cannot be read (${code ?? "error"})`);
    }
    if (text !== undefined) {
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        throw new KeyStoreError(`PO data file ${path} is not valid JSON; fix or move it (it is never overwritten while unreadable)`);
      }
      const parsed = dataFileSchema.safeParse(json);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new KeyStoreError(`PO data file ${path} is not a key store: ${issue?.path.join(".") || "file"} ${issue?.message ?? "is invalid"}`);
      }
      for (const token of parsed.data.tokens) store.index(token);
      // A file someone else made readable to others is tightened; every write replaces it with mode 600.
      const { mode } = await stat(path);
      if ((mode & 0o077) !== 0) await chmod(path, 0o600);
    }
    return store;
  }

  /** Issues a new key for `userEmail`, valid `ttlDays` from now, and stores its digest. */
  async issue(userEmail: string, ttlDays: number): Promise<IssuedKey> {
    const createdAt = this.now();
    const apiKey = `po_live_${randomBytes(32).toString("base64url")}`;
    let tokenId: string;
    do tokenId = `tok_${randomBytes(8).toString("hex")}`;
    while (this.byTokenId.has(tokenId));
    const token: TokenRecord = {
      token_id: tokenId,
      key_sha256: sha256Hex(apiKey),
      user_email: userEmail,
      created_at: createdAt.toISOString(),
      expires_at: new Date(createdAt.getTime() + ttlDays * dayMs).toISOString(),
      revoked_at: null,
    };
    this.index(token);
    try {
      await this.persist();
    } catch (error) {
      // Nobody holds a key that is not on disk: forget it and let the caller see the failure.
      this.byDigest.delete(token.key_sha256);
      this.byTokenId.delete(token.token_id);
      throw error;
    }
    return { api_key: apiKey, token_id: tokenId, expires_at: token.expires_at };
  }

  /** Revokes a key by token id. Unknown and already revoked ids are not errors: revoking is idempotent. */
  async revoke(tokenId: string): Promise<void> {
    const token = this.byTokenId.get(tokenId);
    if (!token || token.revoked_at !== null) return;
    token.revoked_at = this.now().toISOString();
    await this.persist();
  }

  /** Whether `apiKey` is a key this service issued that is neither revoked nor expired. */
  check(apiKey: string): KeyCheck {
    if (!apiKeyPattern.test(apiKey)) return { ok: false, error: "invalid_api_key" };
    const token = this.byDigest.get(sha256Hex(apiKey));
    if (!token) return { ok: false, error: "invalid_api_key" };
    if (token.revoked_at !== null) return { ok: false, error: "revoked_api_key" };
    if (this.now().getTime() >= Date.parse(token.expires_at)) return { ok: false, error: "expired_api_key" };
    return { ok: true, token };
  }

  /** How many issued keys are usable now. */
  active(): number {
    const now = this.now().getTime();
    let count = 0;
    for (const token of this.byTokenId.values()) if (token.revoked_at === null && now < Date.parse(token.expires_at)) count += 1;
    return count;
  }

  /** Resolves once every change made so far is on disk (or failed). */
  async flush(): Promise<void> {
    await this.writes;
  }

  private index(token: TokenRecord): void {
    this.byDigest.set(token.key_sha256, token);
    this.byTokenId.set(token.token_id, token);
  }

  /** Drops keys expired or revoked longer ago than the retention, so the file does not grow forever. */
  private prune(): void {
    const cutoff = this.now().getTime() - retentionMs;
    for (const token of [...this.byTokenId.values()]) {
      const endedAt = Math.min(Date.parse(token.expires_at), token.revoked_at === null ? Infinity : Date.parse(token.revoked_at));
      if (endedAt < cutoff) {
        this.byDigest.delete(token.key_sha256);
        this.byTokenId.delete(token.token_id);
      }
    }
  }

  /**
   * Writes are chained, one at a time; each writes the state as it is when its turn comes, so the
   * file never goes back in time and a burst of changes costs at most one write per change.
   */
  private persist(): Promise<void> {
    const write = this.writes.then(() => {
      this.prune();
      const file = { version: 1 as const, tokens: [...this.byTokenId.values()] };
      return writeFileAtomic(this.path, `${JSON.stringify(file, null, 2)}\n`);
    });
    this.writes = write.catch(() => undefined);
    return write;
  }
}
