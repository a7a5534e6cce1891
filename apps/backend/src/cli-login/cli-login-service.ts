import { randomBytes, randomInt, randomUUID } from "node:crypto";
import type { Kysely } from "kysely";
import { hashAccessToken } from "@tributary/crypto";
import { issueAccessToken } from "../access-tokens/issue-access-token.js";
import { ApiError } from "../api-error.js";
import type { RequestUser } from "../auth/request-user.js";
import type { CoreSchema } from "../db/core-schema.js";

/** How long a login code stays valid, and how often the CLI may ask whether it was approved. */
export const deviceCodeLifetimeSeconds = 600;
export const pollIntervalSeconds = 2;
/** Logins in progress at once: the start route needs no account, so it must not grow the table without bound. */
export const maxPendingCodes = 1000;
/** Letters that cannot be misread for one another (no vowels: no words), as RFC 8628 suggests. */
const userCodeAlphabet = "BCDFGHJKLMNPQRSTVWXZ";

/** Users type the code: upper-case it and drop anything but its letters. */
export function normalizeUserCode(input: string): string {
  const letters = input.toUpperCase().replace(/[^A-Z]/g, "");
  return letters.length === 8 ? `${letters.slice(0, 4)}-${letters.slice(4)}` : input;
}

/**
 * `tributary login` without a token (RFC 8628 device authorization): the CLI gets a device code (kept
 * here as a hash) and a short user code; the user approves the user code in a browser where they are
 * signed in; the CLI, polling, then receives a personal access token, once.
 */
export class CliLoginService {
  constructor(
    private readonly core: Kysely<CoreSchema>,
    private readonly publicUrl: string,
  ) {}

  async start() {
    const deviceCode = randomBytes(32).toString("base64url");
    const letters = Array.from({ length: 8 }, () => userCodeAlphabet[randomInt(userCodeAlphabet.length)]!).join("");
    const userCode = `${letters.slice(0, 4)}-${letters.slice(4)}`;
    // Expired codes are of no use to anyone: cleared as new ones are made.
    await this.core.deleteFrom("cli_device_codes").where("expires_at", "<", new Date(Date.now() - 3600_000)).execute();
    const pending = await this.core
      .selectFrom("cli_device_codes")
      .select((eb) => eb.fn.countAll<string>().as("count"))
      .where("expires_at", ">", new Date())
      .where("redeemed_at", "is", null)
      .executeTakeFirstOrThrow();
    if (Number(pending.count) >= maxPendingCodes) throw new ApiError("rate_limited", "Too many logins in progress; try again in a few minutes");
    await this.core
      .insertInto("cli_device_codes")
      .values({ id: randomUUID(), device_code_hash: hashAccessToken(deviceCode), user_code: userCode, expires_at: new Date(Date.now() + deviceCodeLifetimeSeconds * 1000) })
      .execute();
    const verificationUri = `${this.publicUrl}/cli/device`;
    return {
      device_code: deviceCode,
      user_code: userCode,
      verification_uri: verificationUri,
      verification_uri_complete: `${verificationUri}?user_code=${userCode}`,
      expires_in: deviceCodeLifetimeSeconds,
      interval: pollIntervalSeconds,
    };
  }

  /** The signed-in user approves (or denies) a code shown by their CLI. */
  async decide(user: RequestUser, userCode: string, approve: boolean): Promise<{ status: "approved" | "denied" }> {
    const code = normalizeUserCode(userCode);
    const row = await this.core.selectFrom("cli_device_codes").selectAll().where("user_code", "=", code).executeTakeFirst();
    if (!row || row.expires_at <= new Date() || row.redeemed_at) throw new ApiError("not_found", "user_code: no pending login has this code (it may have expired)", { field: "user_code" });
    if (row.approved_by || row.denied) throw new ApiError("conflict", "user_code: this login was already decided", { field: "user_code" });
    await this.core
      .updateTable("cli_device_codes")
      .set(approve ? { approved_by: user.id } : { denied: true })
      .where("id", "=", row.id)
      .where("approved_by", "is", null)
      .where("denied", "=", false)
      .execute();
    return { status: approve ? "approved" : "denied" };
  }

  /** The CLI's poll: pending, too fast, expired, denied, or the token (exactly once). */
  async redeem(deviceCode: string) {
    const row = await this.core.selectFrom("cli_device_codes").selectAll().where("device_code_hash", "=", hashAccessToken(deviceCode)).executeTakeFirst();
    if (!row || row.redeemed_at) throw new ApiError("expired_token", "device_code: unknown, already used or expired; run tributary login again", { field: "device_code" });
    const now = new Date();
    if (row.expires_at <= now) throw new ApiError("expired_token", "device_code: expired; run tributary login again", { field: "device_code" });
    if (row.denied) throw new ApiError("access_denied", "The login was denied in the browser");
    if (!row.approved_by) {
      const tooSoon = row.last_polled_at && now.getTime() - row.last_polled_at.getTime() < (pollIntervalSeconds * 1000) / 2;
      await this.core.updateTable("cli_device_codes").set({ last_polled_at: now }).where("id", "=", row.id).execute();
      if (tooSoon) throw new ApiError("slow_down", `Poll at most every ${pollIntervalSeconds} s`);
      throw new ApiError("authorization_pending", "Waiting for the code to be approved in the browser");
    }
    // Redeemed once: the update only succeeds for the first poll that gets here.
    const claimed = await this.core.updateTable("cli_device_codes").set({ redeemed_at: now }).where("id", "=", row.id).where("redeemed_at", "is", null).executeTakeFirst();
    if (Number(claimed.numUpdatedRows) === 0) throw new ApiError("expired_token", "device_code: already used; run tributary login again", { field: "device_code" });
    const { token } = await issueAccessToken(this.core, row.approved_by, `tributary CLI (${now.toISOString().slice(0, 10)})`, null);
    return { access_token: token, user_id: row.approved_by };
  }
}
