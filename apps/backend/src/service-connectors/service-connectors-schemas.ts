import { z } from "zod";

export const serviceIdBody = z
  .object({ service_id: z.string({ error: "must be a service id (see GET /api/service-connectors)" }).min(1, { error: "must not be empty" }).max(64) })
  .strict();

export const serviceViewSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string(),
    /** False when the backend has no SC_SECRET_<ID> for it: it cannot be connected. */
    available: z.boolean(),
    unavailable_reason: z.string().nullable(),
    /** An expired key is not delivered; connect again to get a new one. */
    status: z.enum(["connected", "expired", "not_connected"]),
    connected_at: z.string().nullable(),
    expires_at: z.string().nullable(),
    /** A few characters of the key, to recognise it; the key itself only goes to the CLI's delivery. */
    api_key_hint: z.string().nullable(),
    /** The variables the key and the base URL are delivered as. */
    env: z.object({ api_key: z.string(), base_url: z.string() }),
  })
  .meta({ id: "ServiceConnector" });

export const servicesResponseSchema = z.object({ services: z.array(serviceViewSchema) });
export const connectResponseSchema = z.object({ service: serviceViewSchema });
export const disconnectResponseSchema = z.object({ service: serviceViewSchema, revoked: z.boolean(), message: z.string() });

export const healthResponseSchema = z.object({
  services: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      status: z.enum(["up", "down", "unconfigured"]),
      latency_ms: z.number().int().nullable(),
      detail: z.string().nullable(),
    }),
  ),
});

/** What `tributary sync` writes: env entries for `.env` and skill files for `.claude/rules/`. */
export const deliveryResponseSchema = z
  .object({
    generated_at: z.string(),
    env: z.array(z.object({ name: z.string(), value: z.string(), service_id: z.string() })),
    skills: z.array(z.object({ service_id: z.string(), file_name: z.string(), content: z.string() })),
    /** Connections whose key expired: not delivered. */
    expired: z.array(z.object({ service_id: z.string(), expires_at: z.string() })),
  })
  .meta({ id: "ServiceConnectorDelivery" });

export const auditQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) });
export const auditResponseSchema = z.object({
  entries: z.array(z.object({ service_id: z.string(), action: z.string(), token_id: z.string().nullable(), detail: z.string().nullable(), at: z.string() })),
});
