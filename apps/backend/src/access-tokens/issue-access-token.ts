import { randomUUID } from "node:crypto";
import type { Kysely, Selectable } from "kysely";
import { generateAccessToken } from "@tributary/crypto";
import type { AccessTokensTable, CoreSchema } from "../db/core-schema.js";

/** A new personal access token: the row (hash and last four only) and the token, to be shown once. */
export async function issueAccessToken(
  core: Kysely<CoreSchema>,
  userId: string,
  name: string,
  expiresAt: Date | null,
): Promise<{ row: Selectable<AccessTokensTable>; token: string }> {
  const { token, tokenHash, lastFour } = generateAccessToken("trb_pat");
  const row = await core
    .insertInto("access_tokens")
    .values({ id: randomUUID(), user_id: userId, name, token_hash: tokenHash, last_four: lastFour, expires_at: expiresAt, last_used_at: null, revoked_at: null })
    .returningAll()
    .executeTakeFirstOrThrow();
  return { row, token };
}
