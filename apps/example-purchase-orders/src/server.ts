import { createHash, timingSafeEqual } from "node:crypto";
import Fastify, { type FastifyError, type FastifyReply, type FastifyRequest } from "fastify";
import pino, { type DestinationStream, type LevelWithSilent } from "pino";
import type { KeyStore, TokenRecord } from "./key-store.js";
import { PoApiError, type PurchaseOrderBook } from "./purchase-orders.js";
import {
  BadRequest,
  idempotencyKeySchema,
  listQuerySchema,
  newPurchaseOrderSchema,
  parse,
  purchaseOrderIdSchema,
  tokenExchangeSchema,
  tokenRevokeSchema,
} from "./validation.js";

export interface BuildAppOptions {
  /** The shared secret the platform presents on the token-exchange protocol. */
  secret: string;
  keys: KeyStore;
  book: PurchaseOrderBook;
  logLevel?: LevelWithSilent;
  /** Where log lines go (default: stdout). */
  logStream?: DestinationStream;
}

/** Log paths blanked before a line is written: the secret and the keys travel in `authorization`. */
const redactedLogPaths = ["req.headers.authorization", "req.headers.cookie", "api_key", "*.api_key", "secret", "*.secret"];

const internalPrefix = "/api/internal/";

function sha256(value: string): Buffer {
  return createHash("sha256").update(value, "utf8").digest();
}

/** The credential of an `Authorization: Bearer <credential>` header, or "" when there is none. */
function bearerCredential(header: string | string[] | undefined): string {
  if (typeof header !== "string") return "";
  const match = /^Bearer +(\S+) *$/i.exec(header);
  return match?.[1] ?? "";
}

function isInternal(request: FastifyRequest): boolean {
  return request.url.startsWith(internalPrefix);
}

/** 400 in the shape of the API the request was for: the protocol's `{status, error}` or the PO API's `{error}`. */
function sendBadRequest(request: FastifyRequest, reply: FastifyReply, status: number, field: string, message: string): FastifyReply {
  const body = { error: "invalid_request", field, message };
  return reply.code(status).send(isInternal(request) ? { status: "error", ...body } : body);
}

/**
 * The example internal service: the token-exchange protocol under `/api/internal/` (shared secret) and
 * the purchase-order API under `/api/` (the issued keys).
 */
export async function buildPurchaseOrdersApp(options: BuildAppOptions) {
  const app = Fastify({
    loggerInstance: pino(
      {
        level: options.logLevel ?? "silent",
        base: { service: "example-purchase-orders" },
        redact: { paths: redactedLogPaths, censor: "[redacted]" },
      },
      options.logStream ?? pino.destination(1),
    ),
    bodyLimit: 256 * 1024,
    return503OnClosing: true,
  });

  // An empty body with `Content-Type: application/json` (clients that set the header on every request,
  // e.g. for `/submit`) is no body rather than an error.
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "string" }, (_request, text, done) => {
    const source = String(text);
    if (source.trim() === "") return done(null, undefined);
    try {
      done(null, JSON.parse(source));
    } catch {
      done(Object.assign(new SyntaxError("body is not valid JSON"), { statusCode: 400 }), undefined);
    }
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof BadRequest) return sendBadRequest(request, reply, 400, error.field, error.message);
    if (error instanceof PoApiError) return reply.code(error.status).send(error.body());
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      // Fastify's own refusals: unparseable or empty JSON, another content type, a body too large.
      const message =
        error.code === "FST_ERR_CTP_INVALID_JSON_BODY" || error instanceof SyntaxError ? "body: is not valid JSON" : `body: ${error.message}`;
      return sendBadRequest(request, reply, status, "body", message);
    }
    request.log.error({ err: error }, "unhandled error");
    const body = { error: "internal_error", message: "Internal error; see the service logs" };
    return reply.code(500).send(isInternal(request) ? { status: "error", ...body } : body);
  });

  app.setNotFoundHandler((request, reply) => {
    const body = { error: "not_found", message: `No route ${request.method} ${request.url.split("?", 1)[0]}` };
    return reply.code(404).send(isInternal(request) ? { status: "error", ...body } : body);
  });

  app.get("/health", async () => ({ status: "ok" }));

  await app.register(
    async (internal) => {
      const expected = sha256(options.secret);
      // Checked before the body is read, in constant time: both sides are SHA-256 digests of equal length.
      internal.addHook("onRequest", async (request, reply) => {
        if (!timingSafeEqual(expected, sha256(bearerCredential(request.headers.authorization)))) {
          return reply.code(401).send({ status: "error", error: "invalid_secret" });
        }
      });

      internal.post("/token-exchange", async (request) => {
        const body = parse(tokenExchangeSchema, request.body, "body");
        const issued = await options.keys.issue(body.user_email, body.ttl_days);
        request.log.info({ token_id: issued.token_id, expires_at: issued.expires_at }, "api key issued");
        return { status: "ok", api_key: issued.api_key, token_id: issued.token_id, expires_at: issued.expires_at };
      });

      internal.post("/token-revoke", async (request) => {
        const body = parse(tokenRevokeSchema, request.body, "body");
        await options.keys.revoke(body.token_id);
        request.log.info({ token_id: body.token_id }, "api key revoked");
        return { status: "ok" };
      });
    },
    { prefix: "/api/internal" },
  );

  await app.register(
    async (api) => {
      const tokens = new WeakMap<FastifyRequest, TokenRecord>();
      const tokenOf = (request: FastifyRequest): TokenRecord => {
        const token = tokens.get(request);
        if (!token) throw new Error("request reached a route without its key check");
        return token;
      };
      const userOf = (request: FastifyRequest): string => tokenOf(request).user_email;

      api.addHook("onRequest", async (request, reply) => {
        const check = options.keys.check(bearerCredential(request.headers.authorization));
        if (!check.ok) return reply.code(401).send({ error: check.error });
        tokens.set(request, check.token);
      });

      /** Who the key belongs to and until when: agents use it for `created_by` filters and expiry warnings. */
      api.get("/me", async (request) => {
        const token = tokenOf(request);
        return { user_email: token.user_email, expires_at: token.expires_at };
      });

      api.get("/suppliers", async () => ({ items: options.book.listSuppliers() }));

      api.get("/purchase-orders", async (request) => {
        // `?status=&supplier=SUP-003`: an empty parameter is an absent one.
        const query = Object.fromEntries(Object.entries(request.query as Record<string, unknown>).filter(([, value]) => value !== ""));
        return options.book.list(parse(listQuerySchema, query, "query"));
      });

      api.get("/purchase-orders/:id", async (request) => options.book.get(parse(purchaseOrderIdSchema, request.params, "params").id));

      api.post("/purchase-orders", async (request, reply) => {
        const header = request.headers["idempotency-key"];
        const idempotencyKey = header === undefined ? undefined : parse(idempotencyKeySchema, header, "Idempotency-Key");
        const input = parse(newPurchaseOrderSchema, request.body, "body");
        const { order, replayed } = options.book.create(input, userOf(request), idempotencyKey);
        if (replayed) reply.header("idempotent-replayed", "true");
        request.log.info({ purchase_order: order.id, replayed }, "purchase order created");
        return reply.code(replayed ? 200 : 201).header("location", `/api/purchase-orders/${order.id}`).send(order);
      });

      api.post("/purchase-orders/:id/submit", async (request) => {
        const order = options.book.submit(parse(purchaseOrderIdSchema, request.params, "params").id, userOf(request));
        request.log.info({ purchase_order: order.id }, "purchase order submitted");
        return order;
      });
    },
    { prefix: "/api" },
  );

  return app;
}
