import type { ColumnType } from "kysely";

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;

/** A user's key to one internal service. One row per user and service: reconnecting replaces it. */
export interface ServiceConnectionsTable {
  user_id: string;
  service_id: string;
  /** The email the key was issued for (the service's user). */
  user_email: string;
  /** SecretBox envelope of the key, bound to `service_connection:<user>:<service>`. */
  api_key_encrypted: string;
  /** `po_l…x9Qk`: enough to recognise a key, never enough to use it. */
  api_key_hint: string;
  token_id: string;
  connected_at: Timestamp;
  expires_at: Timestamp;
}

/** A key removed here whose revocation the service has not confirmed yet; retried with backoff. */
export interface ServiceTokenRevocationsTable {
  id: string;
  service_id: string;
  token_id: string;
  user_id: string;
  attempts: ColumnType<number, number | undefined, number>;
  next_attempt_at: Timestamp;
  last_error: string | null;
  created_at: CreatedAt;
}

export type ServiceConnectorAction = "connect" | "reconnect" | "disconnect" | "revoke" | "revoke_failed";

export interface ServiceConnectorAuditTable {
  id: string;
  user_id: string;
  service_id: string;
  action: ServiceConnectorAction;
  token_id: string | null;
  detail: string | null;
  created_at: CreatedAt;
}

export interface ServiceConnectorTables {
  service_connections: ServiceConnectionsTable;
  service_token_revocations: ServiceTokenRevocationsTable;
  service_connector_audit: ServiceConnectorAuditTable;
}
