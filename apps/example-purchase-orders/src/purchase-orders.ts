import { createHash } from "node:crypto";
import { lineOf, seedPurchaseOrders, seedSuppliers, totalOf } from "./seed-data.js";

export const purchaseOrderStatuses = ["draft", "submitted", "approved", "received", "cancelled"] as const;
export type PurchaseOrderStatus = (typeof purchaseOrderStatuses)[number];

export interface Supplier {
  id: string;
  name: string;
  country: string;
  currency: string;
  payment_terms_days: number;
  contact_email: string;
  /** Inactive suppliers stay on old orders but take no new ones. */
  active: boolean;
}

export interface PurchaseOrderLine {
  line_no: number;
  sku: string;
  description: string;
  quantity: number;
  unit_price: number;
  line_total: number;
}

export interface PurchaseOrder {
  id: string;
  supplier_id: string;
  supplier_name: string;
  status: PurchaseOrderStatus;
  currency: string;
  lines: PurchaseOrderLine[];
  total: number;
  notes: string | null;
  created_by: string;
  created_at: string;
  updated_at: string;
  submitted_at: string | null;
  submitted_by: string | null;
}

export interface NewPurchaseOrder {
  supplier: string;
  currency?: string | undefined;
  lines: Array<{ sku: string; description: string; quantity: number; unit_price: number }>;
  notes?: string | undefined;
}

export interface ListQuery {
  status?: PurchaseOrderStatus | undefined;
  supplier?: string | undefined;
  created_by?: string | undefined;
  limit: number;
  cursor?: string | undefined;
}

export type PoErrorCode = "invalid_request" | "forbidden" | "not_found" | "invalid_status" | "idempotency_key_reused";

const statusByCode: Record<PoErrorCode, number> = {
  invalid_request: 400,
  forbidden: 403,
  not_found: 404,
  invalid_status: 409,
  idempotency_key_reused: 409,
};

/** A refusal of the purchase-order API: `{error, message, field?}` with the code's HTTP status. */
export class PoApiError extends Error {
  override name = "PoApiError";
  readonly status: number;

  constructor(
    readonly code: PoErrorCode,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.status = statusByCode[code];
  }

  body(): { error: PoErrorCode; message: string; field?: string } {
    return this.field === undefined ? { error: this.code, message: this.message } : { error: this.code, message: this.message, field: this.field };
  }
}

export const purchaseOrderIdPattern = /^PO-\d{5,9}$/;

function idNumber(id: string): number {
  return Number(id.slice(3));
}

/** The cursor is opaque to clients: the id of the last order of the previous page, base64url. */
function encodeCursor(id: string): string {
  return Buffer.from(id, "utf8").toString("base64url");
}

function decodeCursor(cursor: string): number {
  const id = Buffer.from(cursor, "base64url").toString("utf8");
  if (!purchaseOrderIdPattern.test(id)) throw new PoApiError("invalid_request", "cursor: is not a cursor this API returned (pass next_cursor unchanged)", "cursor");
  return idNumber(id);
}

/**
 * The purchase orders and suppliers, in memory: seeded at start, then changed through the API. (A real
 * service keeps them in its database; the example's orders start afresh on every start.)
 */
export class PurchaseOrderBook {
  private readonly suppliers = new Map<string, Supplier>(seedSuppliers.map((supplier) => [supplier.id, supplier]));
  private readonly orders = new Map<string, PurchaseOrder>();
  private readonly idempotency = new Map<string, { fingerprint: string; id: string }>();
  private nextNumber: number;

  constructor(private readonly now: () => Date) {
    for (const order of seedPurchaseOrders()) this.orders.set(order.id, order);
    this.nextNumber = Math.max(...[...this.orders.keys()].map(idNumber)) + 1;
  }

  listSuppliers(): Supplier[] {
    return [...this.suppliers.values()];
  }

  /** Newest first; a page ends where `next_cursor` picks up (null on the last page). */
  list(query: ListQuery): { items: PurchaseOrder[]; next_cursor: string | null } {
    if (query.supplier !== undefined && !this.suppliers.has(query.supplier)) {
      throw new PoApiError("invalid_request", `supplier: no supplier ${query.supplier}; use an id from GET /api/suppliers (e.g. SUP-003)`, "supplier");
    }
    const before = query.cursor === undefined ? Infinity : decodeCursor(query.cursor);
    const createdBy = query.created_by?.toLowerCase();
    const matching = [...this.orders.values()]
      .filter((order) => idNumber(order.id) < before)
      .filter((order) => query.status === undefined || order.status === query.status)
      .filter((order) => query.supplier === undefined || order.supplier_id === query.supplier)
      .filter((order) => createdBy === undefined || order.created_by === createdBy)
      .sort((left, right) => idNumber(right.id) - idNumber(left.id));
    const items = matching.slice(0, query.limit);
    const last = items.at(-1);
    return { items, next_cursor: matching.length > query.limit && last ? encodeCursor(last.id) : null };
  }

  get(id: string): PurchaseOrder {
    const order = this.orders.get(id);
    if (!order) throw new PoApiError("not_found", `purchase order ${id} not found`);
    return order;
  }

  /**
   * Creates a draft. With an idempotency key, a retry of the same request by the same user returns the
   * order the first one created (`replayed: true`) instead of creating a second one.
   */
  create(input: NewPurchaseOrder, createdBy: string, idempotencyKey?: string): { order: PurchaseOrder; replayed: boolean } {
    const fingerprint = createHash("sha256").update(JSON.stringify(input)).digest("hex");
    const scopedKey = idempotencyKey === undefined ? undefined : `${createdBy}\n${idempotencyKey}`;
    if (scopedKey !== undefined) {
      const previous = this.idempotency.get(scopedKey);
      if (previous && previous.fingerprint !== fingerprint) {
        throw new PoApiError("idempotency_key_reused", "this Idempotency-Key was already used with a different request body; use a new key for a new order");
      }
      if (previous) return { order: this.get(previous.id), replayed: true };
    }

    const supplier = this.suppliers.get(input.supplier);
    if (!supplier) throw new PoApiError("invalid_request", `supplier: no supplier ${input.supplier}; use an id from GET /api/suppliers (e.g. SUP-003)`, "supplier");
    if (!supplier.active) throw new PoApiError("invalid_request", `supplier: ${supplier.id} (${supplier.name}) is inactive and takes no new orders`, "supplier");
    if (input.currency !== undefined && input.currency !== supplier.currency) {
      throw new PoApiError("invalid_request", `currency: ${supplier.id} invoices in ${supplier.currency}; omit currency or send ${supplier.currency}`, "currency");
    }

    const at = this.now().toISOString();
    const lines = input.lines.map((line, index) => lineOf(index + 1, line, line.quantity));
    const order: PurchaseOrder = {
      id: `PO-${this.nextNumber}`,
      supplier_id: supplier.id,
      supplier_name: supplier.name,
      status: "draft",
      currency: supplier.currency,
      lines,
      total: totalOf(lines),
      notes: input.notes ?? null,
      created_by: createdBy,
      created_at: at,
      updated_at: at,
      submitted_at: null,
      submitted_by: null,
    };
    this.nextNumber += 1;
    this.orders.set(order.id, order);
    if (scopedKey !== undefined) this.idempotency.set(scopedKey, { fingerprint, id: order.id });
    return { order, replayed: false };
  }

  /** Sends a draft to purchasing for approval. Only its creator may, and only once. */
  submit(id: string, userEmail: string): PurchaseOrder {
    const order = this.get(id);
    if (order.status !== "draft") {
      throw new PoApiError("invalid_status", `${order.id} is ${order.status}; only draft purchase orders can be submitted`);
    }
    if (order.created_by !== userEmail) {
      throw new PoApiError("forbidden", `${order.id} is a draft of ${order.created_by}; only its creator can submit it`);
    }
    const at = this.now().toISOString();
    order.status = "submitted";
    order.submitted_at = at;
    order.submitted_by = userEmail;
    order.updated_at = at;
    return order;
  }
}
