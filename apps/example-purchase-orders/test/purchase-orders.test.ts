import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startPurchaseOrdersService, type PurchaseOrdersServiceOptions, type RunningPurchaseOrdersService } from "../src/index.js";

const secret = "example-po-test-secret-0123456789abcdef";
const dayMs = 24 * 60 * 60 * 1000;

let scratch: string;
let dataFile: string;
const running: RunningPurchaseOrdersService[] = [];

beforeEach(() => {
  scratch = mkdtempSync(join(tmpdir(), "tributary-example-po-"));
  dataFile = join(scratch, "state", "keys.json");
});

afterEach(async () => {
  for (const service of running.splice(0)) await service.close();
  rmSync(scratch, { recursive: true, force: true });
});

async function start(options: Partial<PurchaseOrdersServiceOptions> = {}): Promise<RunningPurchaseOrdersService> {
  const service = await startPurchaseOrdersService({ secret, dataFile, ...options });
  running.push(service);
  return service;
}

/** A clock the test moves by hand. */
function manualClock(startIso: string) {
  let current = Date.parse(startIso);
  return { now: () => new Date(current), set: (iso: string | number) => (current = typeof iso === "number" ? iso : Date.parse(iso)) };
}

interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

async function call(url: string, init: { method?: string; auth?: string; body?: unknown; raw?: string; headers?: Record<string, string> } = {}): Promise<Answer> {
  const headers: Record<string, string> = { ...init.headers };
  if (init.auth !== undefined) headers.authorization = init.auth;
  let body: string | undefined;
  if (init.raw !== undefined || init.body !== undefined) {
    headers["content-type"] = "application/json";
    body = init.raw ?? JSON.stringify(init.body);
  }
  const response = await fetch(url, { method: init.method ?? (body === undefined ? "GET" : "POST"), headers, body });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

function exchange(service: RunningPurchaseOrdersService, body: unknown, auth = `Bearer ${secret}`): Promise<Answer> {
  return call(`${service.url}/api/internal/token-exchange`, { auth, body });
}

function revoke(service: RunningPurchaseOrdersService, tokenId: string, auth = `Bearer ${secret}`): Promise<Answer> {
  return call(`${service.url}/api/internal/token-revoke`, { auth, body: { token_id: tokenId } });
}

async function issue(service: RunningPurchaseOrdersService, email = "analyst@example.com", ttlDays = 90) {
  const answer = await exchange(service, { user_email: email, ttl_days: ttlDays });
  expect(answer.status).toBe(200);
  return answer.body as { status: "ok"; api_key: string; token_id: string; expires_at: string };
}

function api(service: RunningPurchaseOrdersService, key: string, path: string, init: { method?: string; body?: unknown; raw?: string; headers?: Record<string, string> } = {}) {
  return call(`${service.url}${path}`, { ...init, auth: `Bearer ${key}` });
}

describe("token-exchange protocol", () => {
  it("issues a key that works on the PO API until it is revoked; revoking is idempotent", async () => {
    const clock = manualClock("2026-03-01T10:00:00.000Z");
    const service = await start({ now: clock.now });
    expect((await call(`${service.url}/health`)).body).toEqual({ status: "ok" });

    const issued = await issue(service, "Analyst@Example.com", 90);
    expect(Object.keys(issued).sort()).toEqual(["api_key", "expires_at", "status", "token_id"]);
    expect(issued.status).toBe("ok");
    expect(issued.api_key).toMatch(/^po_live_[A-Za-z0-9_-]{43}$/);
    expect(issued.token_id).toMatch(/^tok_[0-9a-f]{16}$/);
    expect(issued.expires_at).toBe("2026-05-30T10:00:00.000Z");
    expect(service.keys.active()).toBe(1);

    const list = await api(service, issued.api_key, "/api/purchase-orders?limit=5");
    expect(list.status).toBe(200);
    expect((list.body.items as unknown[]).length).toBe(5);
    expect((await api(service, issued.api_key, "/api/me")).body).toEqual({ user_email: "analyst@example.com", expires_at: issued.expires_at });
    const suppliers = await api(service, issued.api_key, "/api/suppliers");
    expect(suppliers.status).toBe(200);
    expect((suppliers.body.items as unknown[]).length).toBe(8);

    expect(await revoke(service, issued.token_id)).toMatchObject({ status: 200, body: { status: "ok" } });
    expect(service.keys.active()).toBe(0);
    const refused = await api(service, issued.api_key, "/api/purchase-orders");
    expect(refused).toMatchObject({ status: 401, body: { error: "revoked_api_key" } });

    // Again, and for ids it never issued: still ok.
    expect((await revoke(service, issued.token_id)).body).toEqual({ status: "ok" });
    expect((await revoke(service, "tok_0000000000000000")).body).toEqual({ status: "ok" });
    expect((await revoke(service, "anything-else")).body).toEqual({ status: "ok" });
  });

  it("refuses a wrong or missing secret with 401 invalid_secret and issues nothing", async () => {
    const service = await start();
    const wrong = [undefined, "", `Bearer ${secret}x`, `Bearer ${secret.slice(0, -1)}`, `Basic ${secret}`, secret, "Bearer", `Bearer ${secret.toUpperCase()}`];
    for (const auth of wrong) {
      const answer = await call(`${service.url}/api/internal/token-exchange`, { ...(auth === undefined ? {} : { auth }), body: { user_email: "a@example.com", ttl_days: 90 } });
      expect(answer, String(auth)).toMatchObject({ status: 401, body: { status: "error", error: "invalid_secret" } });
      expect(answer.body).toEqual({ status: "error", error: "invalid_secret" });
    }
    // The secret is checked before the body: a bad body with a bad secret is still a 401.
    expect((await exchange(service, { ttl_days: "x" }, "Bearer nope")).status).toBe(401);
    expect((await revoke(service, "tok_0000000000000000", "Bearer nope")).body).toEqual({ status: "error", error: "invalid_secret" });
    expect(service.keys.active()).toBe(0);
    expect(() => statSync(dataFile)).toThrow();
    // A lower-case scheme is still the bearer scheme.
    expect((await exchange(service, { user_email: "a@example.com", ttl_days: 1 }, `bearer ${secret}`)).status).toBe(200);
  });

  it("expires a key at expires_at", async () => {
    const clock = manualClock("2026-01-31T23:30:00.000Z");
    const service = await start({ now: clock.now });
    const issued = await issue(service, "analyst@example.com", 1);
    expect(issued.expires_at).toBe("2026-02-01T23:30:00.000Z");

    clock.set(Date.parse(issued.expires_at) - 1);
    expect((await api(service, issued.api_key, "/api/suppliers")).status).toBe(200);
    expect(service.keys.active()).toBe(1);

    clock.set(issued.expires_at);
    expect(await api(service, issued.api_key, "/api/suppliers")).toMatchObject({ status: 401, body: { error: "expired_api_key" } });
    expect(service.keys.active()).toBe(0);
    // A revoked key that has also expired reads as revoked.
    expect((await revoke(service, issued.token_id)).status).toBe(200);
    expect((await api(service, issued.api_key, "/api/suppliers")).body).toEqual({ error: "revoked_api_key" });

    // 30 days after it ended, the next write drops the record: the file does not grow forever.
    clock.set(Date.parse(issued.expires_at) + 31 * dayMs);
    await issue(service, "later@example.com");
    expect(readFileSync(dataFile, "utf8")).not.toContain(issued.token_id);
    expect((await api(service, issued.api_key, "/api/suppliers")).body).toEqual({ error: "invalid_api_key" });
    expect((await revoke(service, issued.token_id)).body).toEqual({ status: "ok" });
  });

  it("keeps keys across a restart in a mode-600 file that holds digests, never the keys", async () => {
    const first = await start();
    const kept = await issue(first, "kept@example.com");
    const revoked = await issue(first, "revoked@example.com", 30);
    await revoke(first, revoked.token_id);
    await first.close();

    const text = readFileSync(dataFile, "utf8");
    expect(statSync(dataFile).mode & 0o777).toBe(0o600);
    for (const key of [kept.api_key, revoked.api_key]) {
      expect(text).not.toContain(key);
      expect(text).not.toContain(key.slice("po_live_".length));
      expect(text).toContain(createHash("sha256").update(key).digest("hex"));
    }
    const stored = JSON.parse(text) as { tokens: Array<Record<string, unknown>> };
    expect(stored.tokens.map((token) => Object.keys(token).sort())).toEqual([
      ["created_at", "expires_at", "key_sha256", "revoked_at", "token_id", "user_email"],
      ["created_at", "expires_at", "key_sha256", "revoked_at", "token_id", "user_email"],
    ]);
    expect(stored.tokens.find((token) => token.token_id === kept.token_id)).toMatchObject({ user_email: "kept@example.com", revoked_at: null, expires_at: kept.expires_at });
    expect(stored.tokens.find((token) => token.token_id === revoked.token_id)?.revoked_at).toEqual(expect.any(String));

    const second = await start();
    expect(second.keys.active()).toBe(1);
    expect((await api(second, kept.api_key, "/api/suppliers")).status).toBe(200);
    expect((await api(second, revoked.api_key, "/api/suppliers")).body).toEqual({ error: "revoked_api_key" });
    // Revoking after the restart is written too.
    await revoke(second, kept.token_id);
    await second.close();
    const third = await start();
    expect(third.keys.active()).toBe(0);
    expect((await api(third, kept.api_key, "/api/suppliers")).body).toEqual({ error: "revoked_api_key" });
    expect(statSync(dataFile).mode & 0o777).toBe(0o600);
  });

  it("writes every one of many concurrent exchanges, through whole-file replacements", async () => {
    const service = await start();
    const issued = await Promise.all(Array.from({ length: 25 }, (_, index) => issue(service, `user${index}@example.com`)));
    const stored = JSON.parse(readFileSync(dataFile, "utf8")) as { tokens: Array<{ token_id: string }> };
    expect(new Set(stored.tokens.map((token) => token.token_id))).toEqual(new Set(issued.map((key) => key.token_id)));
    expect(service.keys.active()).toBe(25);
    // No temporary file is left behind next to the data file.
    expect(readdirSync(dirname(dataFile))).toEqual(["keys.json"]);
  });

  it("refuses to start on an unreadable data file and leaves it as it was", async () => {
    mkdirSync(dirname(dataFile), { recursive: true });
    writeFileSync(dataFile, "{ not json");
    await expect(start()).rejects.toThrow(/is not valid JSON/);
    writeFileSync(dataFile, JSON.stringify({ version: 1, tokens: [{ token_id: "tok_1" }] }));
    await expect(start()).rejects.toThrow(/is not a key store: tokens\.0\.token_id/);
    expect(readFileSync(dataFile, "utf8")).toContain("tok_1");
  });

  it("answers bad protocol input with 400 naming the field", async () => {
    const service = await start();
    const cases: Array<[unknown, string]> = [
      [{ ttl_days: 90 }, "user_email"],
      [{ user_email: "not-an-email", ttl_days: 90 }, "user_email"],
      [{ user_email: 42, ttl_days: 90 }, "user_email"],
      [{ user_email: "a@example.com" }, "ttl_days"],
      [{ user_email: "a@example.com", ttl_days: 0 }, "ttl_days"],
      [{ user_email: "a@example.com", ttl_days: 366 }, "ttl_days"],
      [{ user_email: "a@example.com", ttl_days: 1.5 }, "ttl_days"],
      [{ user_email: "a@example.com", ttl_days: "90" }, "ttl_days"],
      [[], "body"],
      ["text", "body"],
    ];
    for (const [body, field] of cases) {
      const answer = await exchange(service, body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.body).toMatchObject({ status: "error", error: "invalid_request", field });
      expect(answer.body.message).toMatch(new RegExp(`^${field}: `));
    }
    expect((await call(`${service.url}/api/internal/token-exchange`, { auth: `Bearer ${secret}`, raw: "{oops" })).body).toMatchObject({ status: "error", field: "body", message: "body: is not valid JSON" });
    expect((await call(`${service.url}/api/internal/token-exchange`, { auth: `Bearer ${secret}`, method: "POST" })).body).toMatchObject({ status: "error", field: "body" });
    expect((await call(`${service.url}/api/internal/token-revoke`, { auth: `Bearer ${secret}`, body: {} })).body).toMatchObject({ status: "error", field: "token_id" });
    expect(service.keys.active()).toBe(0);
  });

  it("never writes the secret or a key to its log", async () => {
    const lines: string[] = [];
    const logStream = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        lines.push(chunk.toString("utf8"));
        callback();
      },
    });
    const service = await start({ logLevel: "trace", logStream });
    const issued = await issue(service);
    await api(service, issued.api_key, "/api/purchase-orders");
    await api(service, "po_live_wrong", "/api/purchase-orders");
    await exchange(service, { user_email: "a@example.com", ttl_days: 90 }, "Bearer not-the-secret");
    await revoke(service, issued.token_id);
    const log = lines.join("");
    expect(log).toContain("api key issued");
    expect(log).not.toContain(secret);
    expect(log).not.toContain(issued.api_key);
    expect(log).not.toContain("not-the-secret");
  });
});

describe("purchase-order API", () => {
  it("refuses missing, malformed and unknown keys with 401 invalid_api_key", async () => {
    const service = await start();
    for (const auth of [undefined, "Bearer", "Bearer po_live_short", `Bearer po_live_${"A".repeat(43)}`, `Bearer ${secret}`, `Token po_live_${"A".repeat(43)}`]) {
      const answer = await call(`${service.url}/api/purchase-orders`, auth === undefined ? {} : { auth });
      expect(answer, String(auth)).toMatchObject({ status: 401 });
      expect(answer.body).toEqual({ error: "invalid_api_key" });
    }
    // Authentication comes before validation and before "not found".
    expect((await call(`${service.url}/api/purchase-orders/PO-10001/submit`, { body: {} })).status).toBe(401);
  });

  it("pages through the seeded orders newest first and filters by status, supplier and creator", async () => {
    const service = await start();
    const { api_key: key } = await issue(service);
    const ids: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: Answer = await api(service, key, `/api/purchase-orders?limit=7${cursor ? `&cursor=${cursor}` : ""}`);
      expect(page.status).toBe(200);
      ids.push(...(page.body.items as Array<{ id: string }>).map((order) => order.id));
      cursor = page.body.next_cursor as string | null;
      pages += 1;
    } while (cursor !== null);
    expect(pages).toBe(8);
    expect(ids).toHaveLength(50);
    expect(ids[0]).toBe("PO-10050");
    expect(ids.at(-1)).toBe("PO-10001");
    expect(new Set(ids).size).toBe(50);

    const all = (await api(service, key, "/api/purchase-orders?limit=100")).body;
    expect(all.next_cursor).toBeNull();
    const orders = all.items as Array<{ id: string; status: string; supplier_id: string; created_by: string; total: number; lines: Array<{ line_total: number }> }>;
    for (const order of orders) {
      const sum = order.lines.reduce((cents, line) => cents + Math.round(line.line_total * 100), 0);
      expect(Math.round(order.total * 100)).toBe(sum);
    }

    const drafts = (await api(service, key, "/api/purchase-orders?status=draft&limit=100")).body.items as typeof orders;
    expect(drafts.length).toBeGreaterThan(0);
    expect(drafts.map((order) => order.id)).toEqual(orders.filter((order) => order.status === "draft").map((order) => order.id));

    const open = (await api(service, key, "/api/purchase-orders?supplier=SUP-003&status=submitted&created_by=")).body.items as typeof orders;
    expect(open.map((order) => order.id)).toEqual(orders.filter((order) => order.supplier_id === "SUP-003" && order.status === "submitted").map((order) => order.id));

    const creator = orders[0]?.created_by ?? "";
    const mine = (await api(service, key, `/api/purchase-orders?created_by=${encodeURIComponent(creator.toUpperCase())}&limit=100`)).body.items as typeof orders;
    expect(mine.map((order) => order.id)).toEqual(orders.filter((order) => order.created_by === creator).map((order) => order.id));

    const one = await api(service, key, "/api/purchase-orders/PO-10007");
    expect(one.status).toBe(200);
    expect(one.body).toEqual(orders.find((order) => order.id === "PO-10007"));
    expect(await api(service, key, "/api/purchase-orders/PO-99999")).toMatchObject({ status: 404, body: { error: "not_found" } });
  });

  it("creates a draft recording the key's user, submits it once, and only for its creator", async () => {
    const clock = manualClock("2026-04-02T09:15:00.000Z");
    const service = await start({ now: clock.now });
    const creator = await issue(service, "Buyer@Example.com");
    const colleague = await issue(service, "colleague@example.com");

    const created = await api(service, creator.api_key, "/api/purchase-orders", {
      body: {
        supplier: "SUP-003",
        currency: "GBP",
        notes: "Restock for the London office",
        lines: [
          { sku: "BRL-PAP-A4", description: "Copy paper A4 80 g, box of 5 reams", quantity: 3, unit_price: 21.99 },
          { sku: "BRL-TNR-HP59", description: "Toner cartridge HP 59A", quantity: 2, unit_price: 89.5 },
        ],
      },
    });
    expect(created.status).toBe(201);
    expect(created.headers.get("location")).toBe("/api/purchase-orders/PO-10051");
    expect(created.body).toMatchObject({
      id: "PO-10051",
      supplier_id: "SUP-003",
      supplier_name: "Brightline Office Supplies",
      status: "draft",
      currency: "GBP",
      total: 244.97,
      notes: "Restock for the London office",
      created_by: "buyer@example.com",
      created_at: "2026-04-02T09:15:00.000Z",
      submitted_at: null,
    });
    expect((created.body.lines as Array<Record<string, unknown>>)[0]).toEqual({ line_no: 1, sku: "BRL-PAP-A4", description: "Copy paper A4 80 g, box of 5 reams", quantity: 3, unit_price: 21.99, line_total: 65.97 });

    const newest = (await api(service, colleague.api_key, "/api/purchase-orders?limit=1")).body.items as Array<{ id: string }>;
    expect(newest[0]?.id).toBe("PO-10051");

    expect(await api(service, colleague.api_key, "/api/purchase-orders/PO-10051/submit", { method: "POST" })).toMatchObject({ status: 403, body: { error: "forbidden" } });

    clock.set("2026-04-02T10:00:00.000Z");
    // Clients that send `Content-Type: application/json` with no body are fine.
    const submitted = await api(service, creator.api_key, "/api/purchase-orders/PO-10051/submit", { method: "POST", headers: { "content-type": "application/json" } });
    expect(submitted.status).toBe(200);
    expect(submitted.body).toMatchObject({ id: "PO-10051", status: "submitted", submitted_at: "2026-04-02T10:00:00.000Z", submitted_by: "buyer@example.com", updated_at: "2026-04-02T10:00:00.000Z" });
    expect(await api(service, creator.api_key, "/api/purchase-orders/PO-10051/submit", { method: "POST" })).toMatchObject({ status: 409, body: { error: "invalid_status" } });
    expect((await api(service, creator.api_key, "/api/purchase-orders/PO-10051")).body.status).toBe("submitted");

    // Currency defaults to the supplier's.
    const euro = await api(service, creator.api_key, "/api/purchase-orders", { body: { supplier: "SUP-006", lines: [{ sku: "LUM-SNS-PIR", description: "PIR motion sensor", quantity: 10, unit_price: 19.9 }] } });
    expect(euro.body).toMatchObject({ id: "PO-10052", currency: "EUR", total: 199 });
  });

  it("replays a create with the same Idempotency-Key instead of creating a second order", async () => {
    const service = await start();
    const { api_key: key } = await issue(service);
    const body = { supplier: "SUP-001", lines: [{ sku: "ACM-CPL-24", description: "Jaw coupling 24 mm", quantity: 4, unit_price: 27.5 }] };
    const headers = { "idempotency-key": "create-coupling-2026-04" };
    const first = await api(service, key, "/api/purchase-orders", { body, headers });
    const again = await api(service, key, "/api/purchase-orders", { body, headers });
    expect(first.status).toBe(201);
    expect(again.status).toBe(200);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.body.id).toBe(first.body.id);
    const changed = await api(service, key, "/api/purchase-orders", { body: { ...body, notes: "changed" }, headers });
    expect(changed).toMatchObject({ status: 409, body: { error: "idempotency_key_reused" } });
    const drafts = (await api(service, key, "/api/purchase-orders?created_by=analyst@example.com")).body.items as unknown[];
    expect(drafts).toHaveLength(1);
    expect((await api(service, key, "/api/purchase-orders", { body, headers: { "idempotency-key": "bad key!" } })).body).toMatchObject({ field: "Idempotency-Key" });
  });

  it("answers bad input with 400 naming the field, and changes nothing", async () => {
    const service = await start();
    const { api_key: key } = await issue(service);
    const line = { sku: "ACM-CPL-24", description: "Jaw coupling 24 mm", quantity: 4, unit_price: 27.5 };
    const creates: Array<[unknown, string]> = [
      [{ lines: [line] }, "supplier"],
      [{ supplier: "Acme", lines: [line] }, "supplier"],
      [{ supplier: "SUP-099", lines: [line] }, "supplier"],
      [{ supplier: "SUP-008", lines: [line] }, "supplier"],
      [{ supplier: "SUP-001", currency: "EUR", lines: [line] }, "currency"],
      [{ supplier: "SUP-001", currency: "usd", lines: [line] }, "currency"],
      [{ supplier: "SUP-001" }, "lines"],
      [{ supplier: "SUP-001", lines: [] }, "lines"],
      [{ supplier: "SUP-001", lines: [{ ...line, quantity: 0 }] }, "lines.0.quantity"],
      [{ supplier: "SUP-001", lines: [line, { ...line, quantity: 2.5 }] }, "lines.1.quantity"],
      [{ supplier: "SUP-001", lines: [{ ...line, unit_price: 1.234 }] }, "lines.0.unit_price"],
      [{ supplier: "SUP-001", lines: [{ ...line, unit_price: -1 }] }, "lines.0.unit_price"],
      [{ supplier: "SUP-001", lines: [{ sku: "X", description: "Y", quantity: 1, unitPrice: 3 }] }, "lines.0.unit_price"],
      [{ supplier: "SUP-001", lines: [{ ...line, unitPrice: 3 }] }, "lines.0.unitPrice"],
      [{ supplier: "SUP-001", lines: [{ ...line, sku: "" }] }, "lines.0.sku"],
      [{ supplier: "SUP-001", lines: [line], supplier_id: "SUP-001" }, "supplier_id"],
      [[line], "body"],
    ];
    for (const [body, field] of creates) {
      const answer = await api(service, key, "/api/purchase-orders", { body });
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.body).toMatchObject({ error: "invalid_request", field });
      expect(answer.body.message).toMatch(new RegExp(`^${field}: `));
    }
    expect((await api(service, key, "/api/purchase-orders", { raw: "{" })).body).toMatchObject({ field: "body", message: "body: is not valid JSON" });
    expect((await api(service, key, "/api/purchase-orders", { method: "POST" })).body).toMatchObject({ field: "body" });

    const queries: Array<[string, string]> = [
      ["status=open", "status"],
      ["supplier=Acme", "supplier"],
      ["supplier=SUP-099", "supplier"],
      ["limit=0", "limit"],
      ["limit=101", "limit"],
      ["limit=ten", "limit"],
      ["cursor=not-a-cursor", "cursor"],
      ["created_by=nobody", "created_by"],
      ["status=draft&status=submitted", "status"],
      ["supplier_id=SUP-001", "supplier_id"],
    ];
    for (const [query, field] of queries) {
      const answer = await api(service, key, `/api/purchase-orders?${query}`);
      expect(answer.status, query).toBe(400);
      expect(answer.body).toMatchObject({ error: "invalid_request", field });
    }
    expect((await api(service, key, "/api/purchase-orders/10001")).body).toMatchObject({ error: "invalid_request", field: "id" });
    expect((await api(service, key, "/api/purchase-orders/po-10001/submit", { method: "POST" })).body).toMatchObject({ error: "invalid_request", field: "id" });

    // Nothing was created by any of it.
    expect(((await api(service, key, "/api/purchase-orders?limit=1")).body.items as Array<{ id: string }>)[0]?.id).toBe("PO-10050");
  });
});

describe("npm start (src/main.ts)", () => {
  it("exits 1 with one line naming PO_SERVICE_SECRET when it is missing", () => {
    const folder = join(dirname(fileURLToPath(import.meta.url)), "..");
    const result = spawnSync(process.execPath, ["--import", "tsx", "src/main.ts"], {
      cwd: folder,
      env: { PATH: process.env.PATH ?? "", PO_SERVICE_SECRET: "", PO_PORT: "0", PO_DATA_FILE: join(scratch, "never.json") },
      encoding: "utf8",
    });
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).toMatch(/^PO_SERVICE_SECRET must be set/);
    expect(result.stdout).toBe("");
  });
});
