import { parseEncryptionKey, SecretBox } from "@tributary/crypto";
import { ApiError } from "../api-error.js";
import type { BackendConfig } from "../config.js";
import type { Databases } from "../db/databases.js";
import { CredentialsVault } from "../data-sources/credentials-vault.js";
import { rotateServiceKeys } from "../service-connectors/service-key-rotation.js";

export interface RotationOptions {
  /** Rows re-encrypted per transaction (default 100). */
  batchSize?: number;
  /** Progress lines, one per batch that changed something (the CLI prints them). */
  log?: (line: string) => void;
}

export interface RotationReport {
  /** The key every credential is now under. */
  activeKeyId: string;
  /** Envelopes re-encrypted by this run. */
  rotated: number;
  /** Rows that could not be re-encrypted: their ids and why (never a value). */
  failed: Array<{ id: string; reason: string }>;
  /** Service-connector keys re-encrypted by this run (their failures are in `failed`, ids `service_connection:…`). */
  serviceKeysRotated: number;
}

/** The SecretBox the server builds from the same configuration: the active key and the previous ones. */
export function secretBoxFromConfig(config: BackendConfig): SecretBox {
  return new SecretBox({
    activeKey: parseEncryptionKey(config.encryptionKey),
    previousKeys: config.previousEncryptionKeys.map((key) => parseEncryptionKey(key)),
  });
}

/**
 * `rotate-encryption-key`: re-encrypts every data source's credentials that are not under the active
 * key (DATASOURCES_ENCRYPTION_KEY), opening them with the previous keys
 * (DATASOURCES_ENCRYPTION_KEY_PREVIOUS). Batches of rows, each in its own transaction with the rows
 * locked, walked in id order so a row that cannot be opened is reported once and does not stop the
 * others. Idempotent: a second run finds nothing to do. Safe while the backend serves: a row whose
 * envelope changed since it was read (new credentials saved meanwhile) is left as it is.
 */
export async function rotateEncryptionKey(databases: Databases, box: SecretBox, options: RotationOptions = {}): Promise<RotationReport> {
  const batchSize = options.batchSize ?? 100;
  const vault = new CredentialsVault(box);
  const report: RotationReport = { activeKeyId: vault.activeKeyId, rotated: 0, failed: [], serviceKeysRotated: 0 };
  const current = `v1.${vault.activeKeyId}.%`;
  let after = "";
  for (;;) {
    const batch = await databases.core.transaction().execute(async (trx) => {
      let query = trx
        .selectFrom("data_sources")
        .select(["id", "credentials_encrypted"])
        .where("credentials_encrypted", "not like", current)
        .orderBy("id")
        .limit(batchSize)
        .forUpdate();
      if (after) query = query.where("id", ">", after);
      const rows = await query.execute();
      let rotated = 0;
      for (const row of rows) {
        if (!vault.needsRotation(row.credentials_encrypted)) continue;
        let envelope: string;
        try {
          envelope = vault.rotate(row.id, row.credentials_encrypted);
        } catch (error) {
          report.failed.push({ id: row.id, reason: error instanceof ApiError ? error.message : "cannot be decrypted" });
          continue;
        }
        const updated = await trx
          .updateTable("data_sources")
          .set({ credentials_encrypted: envelope })
          .where("id", "=", row.id)
          .where("credentials_encrypted", "=", row.credentials_encrypted)
          .executeTakeFirst();
        rotated += Number(updated.numUpdatedRows);
      }
      return { rows: rows.length, last: rows.at(-1)?.id, rotated };
    });
    report.rotated += batch.rotated;
    if (batch.rotated > 0) options.log?.(`re-encrypted ${batch.rotated} data source credential(s) (${report.rotated} so far)`);
    if (!batch.last || batch.rows < batchSize) break;
    after = batch.last;
  }
  const serviceKeys = await rotateServiceKeys(databases, box, batchSize);
  report.serviceKeysRotated = serviceKeys.rotated;
  report.failed.push(...serviceKeys.failed);
  return report;
}

/** The command as `main.ts` runs it: the configured keys, a summary line, failures named by row id. */
export async function runRotateEncryptionKey(config: BackendConfig, databases: Databases, log: (line: string) => void): Promise<RotationReport> {
  const report = await rotateEncryptionKey(databases, secretBoxFromConfig(config), { log });
  log(`re-encrypted ${report.rotated} data source credential(s) and ${report.serviceKeysRotated} service connector key(s) under key ${report.activeKeyId}`);
  for (const failure of report.failed) log(`${failure.id.startsWith("service_connection:") ? "" : "data source "}${failure.id}: ${failure.reason}`);
  if (report.failed.length > 0) log(`${report.failed.length} secret(s) could not be re-encrypted; they keep their old key`);
  return report;
}
