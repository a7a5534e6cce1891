import { sql } from "kysely";
import type { SecretBox } from "@tributary/crypto";
import type { Databases } from "../db/databases.js";
import { keyAssociatedData } from "./service-connectors-service.js";

/**
 * The service-connector half of `rotate-encryption-key`: every stored key not under the active key is
 * re-encrypted, in batches walked in (user, service) order so a row that cannot be opened is reported
 * once; a row changed meanwhile (a reconnect) is left as it is.
 */
export async function rotateServiceKeys(
  databases: Databases,
  box: SecretBox,
  batchSize: number,
): Promise<{ rotated: number; failed: Array<{ id: string; reason: string }> }> {
  const current = `v1.${box.activeKeyId}.%`;
  const report = { rotated: 0, failed: [] as Array<{ id: string; reason: string }> };
  let after: { user: string; service: string } | undefined;
  for (;;) {
    const batch = await databases.core.transaction().execute(async (trx) => {
      let query = trx
        .selectFrom("service_connections")
        .select(["user_id", "service_id", "api_key_encrypted"])
        .where("api_key_encrypted", "not like", current)
        .orderBy("user_id")
        .orderBy("service_id")
        .limit(batchSize)
        .forUpdate();
      if (after) query = query.where(sql<boolean>`(user_id, service_id) > (${after.user}, ${after.service})`);
      const rows = await query.execute();
      let rotated = 0;
      for (const row of rows) {
        const id = `service_connection:${row.user_id}:${row.service_id}`;
        let envelope: string;
        try {
          envelope = box.rotate(row.api_key_encrypted, keyAssociatedData(row.user_id, row.service_id));
        } catch {
          report.failed.push({ id, reason: `cannot be decrypted with the configured keys (key id ${box.keyIdOfEnvelope(row.api_key_encrypted)})` });
          continue;
        }
        const updated = await trx
          .updateTable("service_connections")
          .set({ api_key_encrypted: envelope })
          .where("user_id", "=", row.user_id)
          .where("service_id", "=", row.service_id)
          .where("api_key_encrypted", "=", row.api_key_encrypted)
          .executeTakeFirst();
        rotated += Number(updated.numUpdatedRows);
      }
      const last = rows.at(-1);
      return { rows: rows.length, last: last ? { user: last.user_id, service: last.service_id } : undefined, rotated };
    });
    report.rotated += batch.rotated;
    if (!batch.last || batch.rows < batchSize) break;
    after = batch.last;
  }
  return report;
}
