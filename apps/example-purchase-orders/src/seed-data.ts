import type { PurchaseOrder, PurchaseOrderLine, PurchaseOrderStatus, Supplier } from "./purchase-orders.js";

/**
 * The demo data every start begins with: 8 suppliers and 50 purchase orders, the same on every run
 * (a seeded generator, fixed dates), so tests and the skill's examples can name real ids.
 */
export const seedSuppliers: Supplier[] = [
  { id: "SUP-001", name: "Acme Industrial Parts", country: "US", currency: "USD", payment_terms_days: 30, contact_email: "orders@acme-industrial.example", active: true },
  { id: "SUP-002", name: "Nordwind Logistik GmbH", country: "DE", currency: "EUR", payment_terms_days: 45, contact_email: "einkauf@nordwind.example", active: true },
  { id: "SUP-003", name: "Brightline Office Supplies", country: "GB", currency: "GBP", payment_terms_days: 30, contact_email: "sales@brightline.example", active: true },
  { id: "SUP-004", name: "Vltava Components s.r.o.", country: "CZ", currency: "CZK", payment_terms_days: 14, contact_email: "obchod@vltava-components.example", active: true },
  { id: "SUP-005", name: "Pacific Packaging Co.", country: "US", currency: "USD", payment_terms_days: 60, contact_email: "ap@pacific-packaging.example", active: true },
  { id: "SUP-006", name: "Lumen Electronics BV", country: "NL", currency: "EUR", payment_terms_days: 30, contact_email: "orders@lumen-electronics.example", active: true },
  { id: "SUP-007", name: "Greenleaf Facilities Services", country: "GB", currency: "GBP", payment_terms_days: 30, contact_email: "accounts@greenleaf.example", active: true },
  { id: "SUP-008", name: "Atlas Safety Equipment", country: "DE", currency: "EUR", payment_terms_days: 45, contact_email: "vertrieb@atlas-safety.example", active: false },
];

type CatalogueItem = Pick<PurchaseOrderLine, "sku" | "description" | "unit_price">;

const catalogue: Record<string, CatalogueItem[]> = {
  "SUP-001": [
    { sku: "ACM-BRG-6204", description: "Deep groove ball bearing 6204-2RS", unit_price: 4.85 },
    { sku: "ACM-BLT-M10", description: "Hex bolt M10x40, zinc plated (box of 100)", unit_price: 18.4 },
    { sku: "ACM-MTR-075", description: "Induction motor 0.75 kW, 3-phase", unit_price: 212.0 },
    { sku: "ACM-CPL-24", description: "Jaw coupling 24 mm", unit_price: 27.5 },
  ],
  "SUP-002": [
    { sku: "NWL-PAL-EUR", description: "Euro pallet transport, per pallet", unit_price: 62.0 },
    { sku: "NWL-EXP-24H", description: "Express delivery surcharge, 24 h", unit_price: 45.0 },
    { sku: "NWL-WH-M2", description: "Warehouse storage, per m2 per month", unit_price: 9.75 },
  ],
  "SUP-003": [
    { sku: "BRL-PAP-A4", description: "Copy paper A4 80 g, box of 5 reams", unit_price: 21.99 },
    { sku: "BRL-TNR-HP59", description: "Toner cartridge HP 59A", unit_price: 89.5 },
    { sku: "BRL-CHR-ERG", description: "Ergonomic office chair", unit_price: 249.0 },
    { sku: "BRL-NTB-A5", description: "Notebook A5, ruled (pack of 10)", unit_price: 14.2 },
  ],
  "SUP-004": [
    { sku: "VLT-PCB-2L", description: "Printed circuit board, 2 layers, 100x80 mm", unit_price: 38.0 },
    { sku: "VLT-CBL-5M", description: "Shielded cable harness, 5 m", unit_price: 410.0 },
    { sku: "VLT-ENC-IP65", description: "Aluminium enclosure IP65", unit_price: 1250.0 },
  ],
  "SUP-005": [
    { sku: "PAC-BOX-S", description: "Corrugated box 30x20x15 cm (bundle of 25)", unit_price: 16.75 },
    { sku: "PAC-BOX-L", description: "Corrugated box 60x40x40 cm (bundle of 10)", unit_price: 22.3 },
    { sku: "PAC-TAPE-48", description: "Packing tape 48 mm x 66 m (case of 36)", unit_price: 54.0 },
    { sku: "PAC-FILL-AIR", description: "Air cushion film roll", unit_price: 31.9 },
  ],
  "SUP-006": [
    { sku: "LUM-LED-PNL", description: "LED panel 600x600, 36 W", unit_price: 42.5 },
    { sku: "LUM-DRV-24V", description: "LED driver 24 V, 100 W", unit_price: 36.8 },
    { sku: "LUM-SNS-PIR", description: "PIR motion sensor, ceiling mount", unit_price: 19.9 },
  ],
  "SUP-007": [
    { sku: "GRF-CLN-MON", description: "Office cleaning, monthly contract", unit_price: 1850.0 },
    { sku: "GRF-PLT-CARE", description: "Indoor plant care, per visit", unit_price: 75.0 },
    { sku: "GRF-WIN-EXT", description: "External window cleaning", unit_price: 420.0 },
  ],
  "SUP-008": [
    { sku: "ATL-HLM-EN397", description: "Safety helmet EN 397", unit_price: 12.6 },
    { sku: "ATL-GLV-CUT5", description: "Cut-resistant gloves level 5 (pair)", unit_price: 7.9 },
    { sku: "ATL-VST-HV", description: "High-visibility vest, class 2", unit_price: 5.4 },
  ],
};

const requesters = ["anna.novak@example.com", "ben.carter@example.com", "chloe.martin@example.com", "david.kim@example.com", "eva.schmidt@example.com"];

const notes = [null, null, null, "Deliver to warehouse B, dock 3", "Quarterly restock", "Urgent: line stoppage risk", "Split delivery allowed", "Budget code OPS-2025-114"];

/** mulberry32: a small deterministic generator, so the seed is identical on every machine. */
function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)] as T;
}

/** Fisher-Yates, driven by the seeded generator. */
function shuffled<T>(random: () => number, items: readonly T[]): T[] {
  const copy = [...items];
  for (let index = copy.length - 1; index > 0; index -= 1) {
    const other = Math.floor(random() * (index + 1));
    [copy[index], copy[other]] = [copy[other] as T, copy[index] as T];
  }
  return copy;
}

const hourMs = 60 * 60 * 1000;

/** 50 purchase orders, PO-10001 (oldest) to PO-10050 (newest), from 2025-09-01 onwards. */
export function seedPurchaseOrders(): PurchaseOrder[] {
  const random = generator(20250901);
  const start = Date.parse("2025-09-01T08:00:00.000Z");
  const orders: PurchaseOrder[] = [];
  for (let index = 0; index < 50; index += 1) {
    const supplier = pick(random, seedSuppliers);
    const roll = random();
    // Older orders have moved further along; the newest ones are more often still drafts.
    const age = 1 - index / 50;
    const status: PurchaseOrderStatus =
      roll < 0.08 ? "cancelled" : roll < 0.08 + 0.5 * age ? "received" : roll < 0.68 ? "approved" : roll < 0.85 ? "submitted" : "draft";
    const createdAt = start + index * 41 * hourMs + Math.floor(random() * 8) * hourMs;
    const items = catalogue[supplier.id] ?? [];
    const lineCount = 1 + Math.floor(random() * Math.min(3, items.length));
    const chosen = shuffled(random, items).slice(0, lineCount);
    const createdBy = pick(random, requesters);
    const lines = chosen.map((item, lineIndex) => lineOf(lineIndex + 1, item, 1 + Math.floor(random() * 40)));
    const submittedAt = status === "draft" ? null : new Date(createdAt + (2 + Math.floor(random() * 20)) * hourMs).toISOString();
    const updatedAt = status === "draft" || status === "submitted" ? (submittedAt ?? new Date(createdAt).toISOString()) : new Date(createdAt + (30 + Math.floor(random() * 200)) * hourMs).toISOString();
    orders.push({
      id: `PO-${10001 + index}`,
      supplier_id: supplier.id,
      supplier_name: supplier.name,
      status,
      currency: supplier.currency,
      lines,
      total: totalOf(lines),
      notes: pick(random, notes),
      created_by: createdBy,
      created_at: new Date(createdAt).toISOString(),
      updated_at: updatedAt,
      submitted_at: submittedAt,
      submitted_by: submittedAt === null ? null : createdBy,
    });
  }
  return orders;
}

/** Amounts are computed in cents so that 3 x 21.99 is 65.97, not 65.97000000000001. */
export function lineOf(lineNo: number, item: CatalogueItem, quantity: number): PurchaseOrderLine {
  return { line_no: lineNo, sku: item.sku, description: item.description, quantity, unit_price: item.unit_price, line_total: Math.round(item.unit_price * 100) * quantity / 100 };
}

export function totalOf(lines: PurchaseOrderLine[]): number {
  return lines.reduce((cents, line) => cents + Math.round(line.line_total * 100), 0) / 100;
}
