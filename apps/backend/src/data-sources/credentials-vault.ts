import { redactSecret, SecretBoxError, type SecretBox } from "@tributary/crypto";
import { ApiError } from "../api-error.js";

/** A connector's credentials as the user pasted them: field name → value (strings, for every connector today). */
export type Credentials = Record<string, unknown>;

/**
 * The associated data every data source's credentials envelope is bound to. Authenticated, not stored:
 * an envelope copied into another row does not open there.
 */
export function credentialsAssociatedData(dataSourceId: string): string {
  return `data_source:${dataSourceId}:credentials`;
}

/**
 * What the API shows instead of the credentials: per field, the first and last four characters of a
 * value of at least 12 characters (`ghp_…0001`), otherwise `••••` (redactSecret's rules).
 */
export function credentialsHint(credentials: Credentials): Record<string, string> {
  return Object.fromEntries(Object.entries(credentials).map(([field, value]) => [field, redactSecret(typeof value === "string" ? value : "")]));
}

/**
 * Data-source credentials at rest: JSON of the credentials object in a SecretBox envelope
 * (`v1.<keyId>.<iv>.<tag>.<ciphertext>`, AES-256-GCM under DATASOURCES_ENCRYPTION_KEY) bound to the row
 * id. Every failure to open one is an ApiError `credentials_unreadable` whose message names at most the
 * key id, never a value.
 */
export class CredentialsVault {
  constructor(private readonly box: SecretBox) {}

  /** The id of the key new envelopes are made with. */
  get activeKeyId(): string {
    return this.box.activeKeyId;
  }

  seal(dataSourceId: string, credentials: Credentials): { envelope: string; hint: Record<string, string> } {
    return { envelope: this.box.encrypt(JSON.stringify(credentials), credentialsAssociatedData(dataSourceId)), hint: credentialsHint(credentials) };
  }

  open(dataSourceId: string, envelope: string): Credentials {
    let plaintext: string;
    try {
      plaintext = this.box.decrypt(envelope, credentialsAssociatedData(dataSourceId));
    } catch (error) {
      throw unreadable(error);
    }
    // JSON.parse's own message quotes the text it choked on: that text is the credential.
    let parsed: unknown;
    try {
      parsed = JSON.parse(plaintext);
    } catch {
      parsed = undefined;
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      throw new ApiError("credentials_unreadable", "The stored credentials of this data source are not a JSON object; enter them again", { reason: "malformed" });
    }
    return parsed as Credentials;
  }

  /** True when the envelope is not under the active key (malformed envelopes count: rotation reports them). */
  needsRotation(envelope: string): boolean {
    try {
      return this.box.needsRotation(envelope);
    } catch {
      return true;
    }
  }

  /** The envelope re-encrypted under the active key, same associated data. Throws like {@link open}. */
  rotate(dataSourceId: string, envelope: string): string {
    try {
      return this.box.rotate(envelope, credentialsAssociatedData(dataSourceId));
    } catch (error) {
      throw unreadable(error);
    }
  }
}

function unreadable(error: unknown): ApiError {
  if (!(error instanceof SecretBoxError)) {
    // Not expected from SecretBox; its message is not ours to vouch for, so it is not passed on.
    return new ApiError("credentials_unreadable", "The stored credentials of this data source cannot be decrypted", { reason: "unknown" });
  }
  const keyId = error.keyId;
  switch (error.code) {
    case "unknown_key":
      return new ApiError(
        "credentials_unreadable",
        `The stored credentials of this data source were encrypted with key ${keyId ?? "(unknown)"}, which is not configured: add it to DATASOURCES_ENCRYPTION_KEY_PREVIOUS, or enter the credentials again`,
        { reason: "unknown_key", key_id: keyId },
      );
    case "tampered":
      return new ApiError(
        "credentials_unreadable",
        "The stored credentials of this data source failed authentication (modified, or moved from another row); enter them again",
        { reason: "tampered", key_id: keyId },
      );
    default:
      return new ApiError("credentials_unreadable", "The stored credentials of this data source are not an encrypted envelope; enter them again", {
        reason: "malformed",
      });
  }
}
