import { z } from "zod";
import type { RegisteredService } from "./service-registry.js";

/** How long one call to an internal service may take. */
export const exchangeTimeoutMs = 10_000;

/** Keys and token ids are written into `.env` files single-quoted: nothing that could end the quote. */
const keyCharset = /^[A-Za-z0-9._~+/=:-]{8,512}$/;

const exchangeAnswer = z.object({
  status: z.literal("ok"),
  api_key: z.string().regex(keyCharset),
  token_id: z.string().min(1).max(200).regex(/^[A-Za-z0-9._:-]+$/),
  expires_at: z.iso.datetime({ offset: true }),
});

const revokeAnswer = z.object({ status: z.literal("ok") });

export type ExchangeFailureKind = "unreachable" | "timeout" | "rejected_secret" | "malformed_answer" | "service_error" | "redirect";

/** Why a call to an internal service failed, in words for the user; never the secret or a key. */
export class ServiceCallError extends Error {
  override name = "ServiceCallError";

  constructor(
    readonly kind: ExchangeFailureKind,
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

export interface IssuedKey {
  apiKey: string;
  tokenId: string;
  expiresAt: Date;
}

/**
 * The token-exchange protocol, client side: `POST {base}/api/internal/token-exchange` and
 * `…/token-revoke` with `Authorization: Bearer <SC_SECRET_ID>`. Each call has a timeout, follows no
 * redirect (the secret would go wherever a redirect points), and checks the answer's shape.
 */
export class ServiceExchangeClient {
  constructor(private readonly timeoutMs = exchangeTimeoutMs) {}

  async exchange(service: RegisteredService, userEmail: string, signal?: AbortSignal): Promise<IssuedKey> {
    const body = await this.post(service, "/api/internal/token-exchange", { user_email: userEmail, ttl_days: service.ttl_days }, signal);
    const parsed = exchangeAnswer.safeParse(body);
    if (!parsed.success) {
      const field = String(parsed.error.issues[0]?.path[0] ?? "answer");
      throw new ServiceCallError("malformed_answer", `${service.name} answered the token exchange without a valid ${field}`);
    }
    const expiresAt = new Date(parsed.data.expires_at);
    if (expiresAt.getTime() <= Date.now()) throw new ServiceCallError("malformed_answer", `${service.name} issued a key that has already expired`);
    return { apiKey: parsed.data.api_key, tokenId: parsed.data.token_id, expiresAt };
  }

  async revoke(service: RegisteredService, tokenId: string, signal?: AbortSignal): Promise<void> {
    const body = await this.post(service, "/api/internal/token-revoke", { token_id: tokenId }, signal);
    if (!revokeAnswer.safeParse(body).success) throw new ServiceCallError("malformed_answer", `${service.name} did not confirm the revocation`);
  }

  /** GET the health URL: up when it answers 2xx within the timeout. */
  async health(service: RegisteredService): Promise<{ status: "up" | "down"; latencyMs: number; detail: string | null }> {
    const started = performance.now();
    try {
      const response = await fetch(service.health_url, { redirect: "manual", signal: AbortSignal.timeout(this.timeoutMs) });
      await response.arrayBuffer().catch(() => undefined);
      const latencyMs = Math.round(performance.now() - started);
      return response.ok ? { status: "up", latencyMs, detail: null } : { status: "down", latencyMs, detail: `answered HTTP ${response.status}` };
    } catch (error) {
      return { status: "down", latencyMs: Math.round(performance.now() - started), detail: describeNetworkError(error, this.timeoutMs) };
    }
  }

  private async post(service: RegisteredService, path: string, payload: unknown, signal?: AbortSignal): Promise<unknown> {
    if (!service.secret) throw new ServiceCallError("rejected_secret", `${service.name} is not available: ${service.unavailableReason}`);
    const url = `${service.base_url.replace(/\/+$/, "")}${path}`;
    const timeout = AbortSignal.timeout(this.timeoutMs);
    let response: Response;
    try {
      response = await fetch(url, {
        method: "POST",
        redirect: "manual",
        headers: { authorization: `Bearer ${service.secret}`, "content-type": "application/json", accept: "application/json" },
        body: JSON.stringify(payload),
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
    } catch (error) {
      const kind = timeout.aborted ? "timeout" : "unreachable";
      throw new ServiceCallError(kind, `${service.name} ${describeNetworkError(error, this.timeoutMs)}`);
    }
    const text = await response.text().catch(() => "");
    if (response.status >= 300 && response.status < 400) {
      throw new ServiceCallError("redirect", `${service.name} answered a redirect (HTTP ${response.status}); redirects are not followed`, response.status);
    }
    if (response.status === 401 || response.status === 403) {
      throw new ServiceCallError("rejected_secret", `${service.name} refused the backend's shared secret (HTTP ${response.status}); check SC_SECRET_${service.id.toUpperCase()}`, response.status);
    }
    if (!response.ok) throw new ServiceCallError("service_error", `${service.name} answered HTTP ${response.status}`, response.status);
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new ServiceCallError("malformed_answer", `${service.name} answered something that is not JSON`);
    }
  }
}

function describeNetworkError(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) return `did not answer within ${Math.round(timeoutMs / 1000)} s`;
  const cause = error instanceof Error ? (error.cause as { code?: string } | undefined) : undefined;
  return `is unreachable${cause?.code ? ` (${cause.code})` : ""}`;
}
