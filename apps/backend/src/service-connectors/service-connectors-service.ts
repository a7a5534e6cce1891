import { randomUUID } from "node:crypto";
import type { Kysely, Selectable } from "kysely";
import { redactSecret, SecretBoxError, type SecretBox } from "@tributary/crypto";
import { ApiError } from "../api-error.js";
import type { RequestUser } from "../auth/request-user.js";
import type { Databases } from "../db/databases.js";
import type { CoreSchema } from "../db/core-schema.js";
import { withKeyedLock } from "../db/keyed-lock.js";
import type { HomeDelivery } from "./home-delivery.js";
import { ServiceCallError, type ServiceExchangeClient } from "./service-exchange-client.js";
import type { RegisteredService } from "./service-registry.js";
import type { ServiceConnectionsTable, ServiceConnectorAction } from "./service-connectors-tables.js";

type ConnectionRow = Selectable<ServiceConnectionsTable>;

/** Class id of the connect/disconnect advisory locks ("svcc"), keyed by user and service. */
const lockClass = 0x73766363;
/** Longest wait between two attempts to revoke a key at a service that was down. */
const maxRetryDelaySeconds = 6 * 3600;

export interface ServiceView {
  id: string;
  name: string;
  description: string;
  available: boolean;
  unavailable_reason: string | null;
  status: "connected" | "expired" | "not_connected";
  connected_at: string | null;
  expires_at: string | null;
  api_key_hint: string | null;
  env: { api_key: string; base_url: string };
}

export interface Delivery {
  generated_at: string;
  env: Array<{ name: string; value: string; service_id: string }>;
  skills: Array<{ service_id: string; file_name: string; content: string }>;
  expired: Array<{ service_id: string; expires_at: string }>;
}

/** The associated data a key's envelope is bound to: a key copied to another user's row does not open. */
export function keyAssociatedData(userId: string, serviceId: string): string {
  return `service_connection:${userId}:${serviceId}`;
}

/**
 * Each user's keys to the internal services of the registry: exchanged with the service's shared secret,
 * stored encrypted, delivered to the user's machine (the CLI's sync) and, on shared servers, to their
 * home folder; revoked at the service on disconnect and on reconnect, retried while the service is down.
 */
export class ServiceConnectorsService {
  private readonly core: Kysely<CoreSchema>;
  private readonly byId: Map<string, RegisteredService>;

  constructor(
    private readonly databases: Databases,
    private readonly box: SecretBox,
    readonly services: RegisteredService[],
    private readonly client: ServiceExchangeClient,
    private readonly home: HomeDelivery | undefined,
    private readonly retryBaseSeconds: number,
    private readonly log: { warn(details: object, message: string): void; info(details: object, message: string): void },
  ) {
    this.core = databases.core;
    this.byId = new Map(services.map((service) => [service.id, service]));
  }

  async list(user: RequestUser): Promise<ServiceView[]> {
    const rows = await this.core.selectFrom("service_connections").selectAll().where("user_id", "=", user.id).execute();
    const byService = new Map(rows.map((row) => [row.service_id, row]));
    return this.services.map((service) => view(service, byService.get(service.id)));
  }

  /**
   * Exchanges a new key and stores it, replacing (and revoking) an older one. Two connects of one user
   * to one service are serialized; the second, if it started before the first stored its key, answers
   * that key instead of exchanging another (a double click yields one key).
   */
  async connect(user: RequestUser, serviceId: string): Promise<ServiceView> {
    const service = this.service(serviceId);
    if (!service.secret) throw new ApiError("service_unavailable", `${service.name} is not available: ${service.unavailableReason}`, { field: "service_id" });
    const requestedAt = new Date();
    return withKeyedLock(this.databases, lockClass, `${user.id}:${service.id}`, async () => {
      const existing = await this.connection(user.id, service.id);
      if (existing && existing.connected_at >= requestedAt && existing.expires_at > new Date()) return view(service, existing);

      let issued;
      try {
        issued = await this.client.exchange(service, user.email);
      } catch (error) {
        throw this.callFailed(error, service, "connect");
      }
      const row: ConnectionRow = {
        user_id: user.id,
        service_id: service.id,
        user_email: user.email,
        api_key_encrypted: this.box.encrypt(issued.apiKey, keyAssociatedData(user.id, service.id)),
        api_key_hint: redactSecret(issued.apiKey),
        token_id: issued.tokenId,
        connected_at: new Date(),
        expires_at: issued.expiresAt,
      };
      await this.core.transaction().execute(async (transaction) => {
        await transaction
          .insertInto("service_connections")
          .values(row)
          .onConflict((conflict) =>
            conflict.columns(["user_id", "service_id"]).doUpdateSet({
              user_email: row.user_email,
              api_key_encrypted: row.api_key_encrypted,
              api_key_hint: row.api_key_hint,
              token_id: row.token_id,
              connected_at: row.connected_at,
              expires_at: row.expires_at,
            }),
          )
          .execute();
        await audit(transaction, user.id, service.id, existing ? "reconnect" : "connect", row.token_id, existing ? `replaces token ${existing.token_id}` : null);
      });
      this.log.info({ user_id: user.id, service_id: service.id, token_id: row.token_id }, "service connected");
      if (existing) await this.revokeOrRetry(service, existing.token_id, user.id);
      await this.deliverHome(user);
      return view(service, row);
    });
  }

  /**
   * Removes the key here first (it is never delivered again), then revokes it at the service. A service
   * that cannot be reached gets the revocation retried later; the answer says so.
   */
  async disconnect(user: RequestUser, serviceId: string): Promise<{ service: ServiceView; revoked: boolean; message: string }> {
    const service = this.service(serviceId);
    return withKeyedLock(this.databases, lockClass, `${user.id}:${service.id}`, async () => {
      const existing = await this.connection(user.id, service.id);
      if (!existing) throw new ApiError("not_found", `You are not connected to ${service.name}`, { field: "service_id" });
      await this.core.transaction().execute(async (transaction) => {
        await transaction.deleteFrom("service_connections").where("user_id", "=", user.id).where("service_id", "=", service.id).execute();
        await audit(transaction, user.id, service.id, "disconnect", existing.token_id, null);
      });
      this.log.info({ user_id: user.id, service_id: service.id, token_id: existing.token_id }, "service disconnected");
      const revoked = await this.revokeOrRetry(service, existing.token_id, user.id);
      await this.deliverHome(user);
      const message = revoked
        ? `Disconnected from ${service.name}; the key was revoked.`
        : `Disconnected from ${service.name}: the key was removed here and will not be delivered again, but ${service.name} could not revoke it now; the revocation will be retried.`;
      return { service: view(service, undefined), revoked, message };
    });
  }

  async health(): Promise<Array<{ id: string; name: string; status: "up" | "down" | "unconfigured"; latency_ms: number | null; detail: string | null }>> {
    return Promise.all(
      this.services.map(async (service) => {
        if (!service.secret) return { id: service.id, name: service.name, status: "unconfigured" as const, latency_ms: null, detail: service.unavailableReason };
        const health = await this.client.health(service);
        return { id: service.id, name: service.name, status: health.status, latency_ms: health.latencyMs, detail: health.detail };
      }),
    );
  }

  /** What the user's machine should hold: the live keys as env entries, their skills, and what expired. */
  async delivery(user: RequestUser): Promise<Delivery> {
    const rows = await this.core.selectFrom("service_connections").selectAll().where("user_id", "=", user.id).orderBy("service_id").execute();
    const now = new Date();
    const delivery: Delivery = { generated_at: now.toISOString(), env: [], skills: [], expired: [] };
    for (const row of rows) {
      const service = this.byId.get(row.service_id);
      // A service removed from the registry: its key is no longer delivered.
      if (!service) continue;
      if (row.expires_at <= now) {
        delivery.expired.push({ service_id: service.id, expires_at: row.expires_at.toISOString() });
        continue;
      }
      delivery.env.push({ name: service.env.api_key, value: this.openKey(row), service_id: service.id });
      delivery.env.push({ name: service.env.base_url, value: service.base_url, service_id: service.id });
      delivery.skills.push({ service_id: service.id, file_name: service.skill_file, content: service.skill });
    }
    return delivery;
  }

  async auditLog(user: RequestUser, limit: number) {
    const rows = await this.core
      .selectFrom("service_connector_audit")
      .selectAll()
      .where("user_id", "=", user.id)
      .orderBy("created_at", "desc")
      .orderBy("id")
      .limit(limit)
      .execute();
    return rows.map((row) => ({ service_id: row.service_id, action: row.action, token_id: row.token_id, detail: row.detail, at: row.created_at.toISOString() }));
  }

  /**
   * Retries the revocations that are due: each is claimed by moving its next attempt into the future
   * first (so replicas never retry the same one at once), then attempted.
   */
  async retryRevocations(): Promise<number> {
    const claimed = await this.core.transaction().execute(async (transaction) => {
      const due = await transaction
        .selectFrom("service_token_revocations")
        .selectAll()
        .where("next_attempt_at", "<=", new Date())
        .orderBy("next_attempt_at")
        .limit(20)
        .forUpdate()
        .skipLocked()
        .execute();
      for (const row of due) {
        const delay = Math.min(maxRetryDelaySeconds, this.retryBaseSeconds * 2 ** (row.attempts + 1));
        await transaction
          .updateTable("service_token_revocations")
          .set({ attempts: row.attempts + 1, next_attempt_at: new Date(Date.now() + delay * 1000) })
          .where("id", "=", row.id)
          .execute();
      }
      return due;
    });
    let done = 0;
    for (const row of claimed) {
      const service = this.byId.get(row.service_id);
      if (!service) continue;
      try {
        await this.client.revoke(service, row.token_id);
        await this.core.transaction().execute(async (transaction) => {
          await transaction.deleteFrom("service_token_revocations").where("id", "=", row.id).execute();
          await audit(transaction, row.user_id, row.service_id, "revoke", row.token_id, `revoked on attempt ${row.attempts + 1}`);
        });
        done += 1;
      } catch (error) {
        const message = error instanceof ServiceCallError ? error.message : "unexpected error";
        await this.core.updateTable("service_token_revocations").set({ last_error: message }).where("id", "=", row.id).execute();
        this.log.warn({ service_id: row.service_id, token_id: row.token_id, attempt: row.attempts + 1 }, "a key revocation failed again; it will be retried");
      }
    }
    return done;
  }

  private service(serviceId: string): RegisteredService {
    const service = this.byId.get(serviceId);
    if (!service) throw new ApiError("not_found", `service_id: no internal service "${serviceId}" in the registry`, { field: "service_id" });
    return service;
  }

  private connection(userId: string, serviceId: string): Promise<ConnectionRow | undefined> {
    return this.core.selectFrom("service_connections").selectAll().where("user_id", "=", userId).where("service_id", "=", serviceId).executeTakeFirst();
  }

  private openKey(row: ConnectionRow): string {
    try {
      return this.box.decrypt(row.api_key_encrypted, keyAssociatedData(row.user_id, row.service_id));
    } catch (error) {
      const keyId = error instanceof SecretBoxError ? ` (key id ${error.keyId ?? "unknown"})` : "";
      throw new ApiError("credentials_unreadable", `The stored key for ${row.service_id} cannot be decrypted${keyId}; connect the service again`);
    }
  }

  /** Revokes at the service; on failure, queues a retry and answers false. */
  private async revokeOrRetry(service: RegisteredService, tokenId: string, userId: string): Promise<boolean> {
    try {
      await this.client.revoke(service, tokenId);
      await audit(this.core, userId, service.id, "revoke", tokenId, null);
      return true;
    } catch (error) {
      const message = error instanceof ServiceCallError ? error.message : "unexpected error";
      await this.core
        .insertInto("service_token_revocations")
        .values({ id: randomUUID(), service_id: service.id, token_id: tokenId, user_id: userId, attempts: 0, next_attempt_at: new Date(Date.now() + this.retryBaseSeconds * 1000), last_error: message })
        .execute();
      await audit(this.core, userId, service.id, "revoke_failed", tokenId, message);
      this.log.warn({ service_id: service.id, token_id: tokenId }, "could not revoke a key at its service; the revocation will be retried");
      return false;
    }
  }

  private async deliverHome(user: RequestUser): Promise<void> {
    if (!this.home) return;
    try {
      const delivery = await this.delivery(user);
      const outcome = await this.home.write(
        user.email,
        delivery.env.map(({ name, value }) => ({ name, value })),
        delivery.skills.map((skill) => ({ fileName: skill.file_name, content: skill.content })),
      );
      if (!outcome.written) this.log.warn({ user_id: user.id, reason: outcome.reason }, "home-folder delivery skipped");
    } catch (error) {
      this.log.warn({ user_id: user.id, err: error instanceof Error ? error.message : "error" }, "home-folder delivery failed");
    }
  }

  private callFailed(error: unknown, service: RegisteredService, action: string): ApiError {
    if (!(error instanceof ServiceCallError)) return new ApiError("service_error", `${service.name} could not be reached to ${action}`);
    return new ApiError("service_error", error.message, { reason: error.kind });
  }
}

async function audit(
  db: Kysely<CoreSchema>,
  userId: string,
  serviceId: string,
  action: ServiceConnectorAction,
  tokenId: string | null,
  detail: string | null,
): Promise<void> {
  await db.insertInto("service_connector_audit").values({ id: randomUUID(), user_id: userId, service_id: serviceId, action, token_id: tokenId, detail }).execute();
}

function view(service: RegisteredService, row: ConnectionRow | undefined): ServiceView {
  const expired = row ? row.expires_at <= new Date() : false;
  return {
    id: service.id,
    name: service.name,
    description: service.description,
    available: service.secret !== undefined,
    unavailable_reason: service.unavailableReason,
    status: row ? (expired ? "expired" : "connected") : "not_connected",
    connected_at: row ? row.connected_at.toISOString() : null,
    expires_at: row ? row.expires_at.toISOString() : null,
    api_key_hint: row ? row.api_key_hint : null,
    env: service.env,
  };
}
