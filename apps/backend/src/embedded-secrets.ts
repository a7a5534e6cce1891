import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";

const secretsSchema = z.object({
  betterAuthSecret: z.string().min(32),
  connectServiceToken: z.string().min(16),
  encryptionKey: z.string().regex(/^[0-9a-f]{64}$/),
});

export type EmbeddedSecrets = z.infer<typeof secretsSchema>;

/**
 * The secrets an embedded install needs, generated on first start and kept (mode 600) in the data
 * folder: the platform runs with no configuration, and a restart still reads its sessions and its
 * encrypted credentials. Production never uses this: it sets the variables.
 */
export function embeddedSecrets(dataDirectory: string): EmbeddedSecrets {
  const path = join(dataDirectory, "embedded-secrets.json");
  if (existsSync(path)) {
    const parsed = secretsSchema.safeParse(JSON.parse(readFileSync(path, "utf8")));
    if (parsed.success) return parsed.data;
    throw new Error(`${path} is not a valid secrets file; delete it only if the embedded data may be discarded`);
  }
  const secrets: EmbeddedSecrets = {
    betterAuthSecret: randomBytes(32).toString("hex"),
    connectServiceToken: randomBytes(24).toString("base64url"),
    encryptionKey: randomBytes(32).toString("hex"),
  };
  mkdirSync(dataDirectory, { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  chmodSync(temporary, 0o600);
  renameSync(temporary, path);
  return secrets;
}
