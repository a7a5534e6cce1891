/**
 * A small HTTP server on loopback implementing the backend contract the CLI is written against
 * (`/api/me`, `/api/service-connectors*`, `/api/cli/device-codes*`), with state the tests set and a log
 * of the requests it received. The real backend's end-to-end test lives elsewhere.
 */
import { type IncomingMessage, type ServerResponse, createServer } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeUser {
  id: string;
  email: string;
  name: string;
}

export interface FakeService {
  id: string;
  name: string;
  description: string;
  available: boolean;
  unavailable_reason: string | null;
  env: { api_key: string; base_url: string };
  baseUrl: string;
  skillFile: string;
  skillContent: string;
  /** The key the next connect hands out. */
  nextKey: string;
  connection: { key: string; connected_at: string; expires_at: string; expired: boolean } | null;
}

export interface RecordedRequest {
  method: string;
  path: string;
  authorization: string | undefined;
  body: unknown;
}

export interface FakeBackendState {
  /** Access token → user. */
  tokens: Map<string, FakeUser>;
  services: FakeService[];
  /** When set, GET …/delivery answers this instead of the delivery derived from the services. */
  deliveryOverride: unknown;
  device: {
    /** Answers of POST /api/cli/device-codes/token, in order; the last one repeats. */
    tokenAnswers: { status: number; body: unknown }[];
    codeAnswer: Record<string, unknown>;
  };
  requests: RecordedRequest[];
}

export interface FakeBackend {
  url: string;
  state: FakeBackendState;
  close(): Promise<void>;
}

export const ALICE: FakeUser = { id: "u_alice", email: "alice@example.com", name: "Alice Analyst" };
export const ALICE_TOKEN = "trb_pat_alice_0123456789abcdef";

export function purchaseOrders(): FakeService {
  return {
    id: "purchase_orders",
    name: "Purchase orders",
    description: "The purchase order system",
    available: true,
    unavailable_reason: null,
    env: { api_key: "PO_API_KEY", base_url: "PO_API_BASE_URL" },
    baseUrl: "http://127.0.0.1:4100",
    skillFile: "sc_purchase_orders.md",
    skillContent: "# Purchase orders\n\nCall `$PO_API_BASE_URL/api/orders` with `Authorization: Bearer $PO_API_KEY`.\n",
    nextKey: "po_live_secret_key_1111111111",
    connection: null,
  };
}

export function invoicing(): FakeService {
  return {
    id: "invoicing",
    name: "Invoicing",
    description: "Invoices",
    available: true,
    unavailable_reason: null,
    env: { api_key: "INVOICING_API_KEY", base_url: "INVOICING_API_BASE_URL" },
    baseUrl: "http://127.0.0.1:4200",
    skillFile: "sc_invoicing.md",
    skillContent: "# Invoicing\n",
    nextKey: "inv_live_secret_key_2222222222",
    connection: null,
  };
}

function serviceItem(service: FakeService) {
  const status = !service.connection ? "not_connected" : service.connection.expired ? "expired" : "connected";
  return {
    id: service.id,
    name: service.name,
    description: service.description,
    available: service.available,
    unavailable_reason: service.unavailable_reason,
    status,
    connected_at: service.connection?.connected_at ?? null,
    expires_at: service.connection?.expires_at ?? null,
    api_key_hint: service.connection ? `${service.connection.key.slice(0, 4)}…${service.connection.key.slice(-4)}` : null,
    env: service.env,
  };
}

function delivery(state: FakeBackendState) {
  const live = state.services.filter((service) => service.connection && !service.connection.expired);
  return {
    generated_at: "2026-01-01T00:00:00.000Z",
    env: live.flatMap((service) => [
      { name: service.env.api_key, value: service.connection!.key, service_id: service.id },
      { name: service.env.base_url, value: service.baseUrl, service_id: service.id },
    ]),
    skills: live.map((service) => ({ service_id: service.id, file_name: service.skillFile, content: service.skillContent })),
    expired: state.services
      .filter((service) => service.connection?.expired)
      .map((service) => ({ service_id: service.id, expires_at: service.connection!.expires_at })),
  };
}

async function readBody(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return { unparseable: text };
  }
}

function send(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { "content-type": "application/json" });
  response.end(JSON.stringify(body));
}

function apiError(response: ServerResponse, status: number, code: string, message: string, field?: string): void {
  send(response, status, { error: { code, message, ...(field ? { field } : {}) } });
}

export async function startFakeBackend(): Promise<FakeBackend> {
  const state: FakeBackendState = {
    tokens: new Map([[ALICE_TOKEN, ALICE]]),
    services: [purchaseOrders(), invoicing()],
    deliveryOverride: undefined,
    device: {
      codeAnswer: {
        device_code: "dev_code_1",
        user_code: "WDJB-MJHT",
        verification_uri: "http://127.0.0.1/cli/device",
        verification_uri_complete: "http://127.0.0.1/cli/device?code=WDJB-MJHT",
        expires_in: 600,
        interval: 1,
      },
      tokenAnswers: [],
    },
    requests: [],
  };

  const server = createServer((request, response) => {
    void (async () => {
      const path = new URL(request.url ?? "/", "http://localhost").pathname;
      const body = await readBody(request);
      const authorization = request.headers.authorization;
      state.requests.push({ method: request.method ?? "", path, authorization, body });
      const route = `${request.method} ${path}`;

      if (route === "POST /api/cli/device-codes") return send(response, 200, state.device.codeAnswer);
      if (route === "POST /api/cli/device-codes/token") {
        if ((body as { device_code?: unknown } | undefined)?.device_code !== state.device.codeAnswer.device_code) {
          return apiError(response, 400, "invalid_grant", "Unknown device code", "device_code");
        }
        const answer = state.device.tokenAnswers.length > 1 ? state.device.tokenAnswers.shift()! : state.device.tokenAnswers[0];
        if (!answer) return apiError(response, 400, "authorization_pending", "Waiting for approval");
        return send(response, answer.status, answer.body);
      }

      const token = authorization?.startsWith("Bearer ") ? authorization.slice(7) : undefined;
      const user = token ? state.tokens.get(token) : undefined;
      if (!user) return apiError(response, 401, "unauthorized", "Sign in first");

      const serviceFromBody = () => {
        const serviceId = (body as { service_id?: unknown } | undefined)?.service_id;
        if (typeof serviceId !== "string") {
          apiError(response, 400, "bad_request", "service_id is required", "service_id");
          return null;
        }
        const service = state.services.find((candidate) => candidate.id === serviceId);
        if (!service) {
          apiError(response, 404, "not_found", `No service connector "${serviceId}"`);
          return null;
        }
        return service;
      };

      switch (route) {
        case "GET /api/me":
          return send(response, 200, { ...user, authenticated_with: "access_token" });
        case "GET /api/service-connectors":
          return send(response, 200, { services: state.services.map(serviceItem) });
        case "POST /api/service-connectors/connect": {
          const service = serviceFromBody();
          if (!service) return;
          if (!service.available) return apiError(response, 409, "conflict", `${service.name} is not available: ${service.unavailable_reason}`);
          service.connection = { key: service.nextKey, connected_at: "2026-01-01T00:00:00.000Z", expires_at: "2026-04-01T00:00:00.000Z", expired: false };
          return send(response, 200, { service: serviceItem(service) });
        }
        case "POST /api/service-connectors/disconnect": {
          const service = serviceFromBody();
          if (!service) return;
          const wasConnected = service.connection !== null;
          service.connection = null;
          return send(response, 200, { service: serviceItem(service), revoked: wasConnected, message: wasConnected ? "The key was revoked." : "Not connected." });
        }
        case "GET /api/service-connectors/delivery":
          return send(response, 200, state.deliveryOverride ?? delivery(state));
        default:
          return apiError(response, 404, "not_found", `No route ${route}`);
      }
    })().catch((error: unknown) => {
      response.destroy(error as Error);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    state,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
