import { z } from "zod";
import { purchaseOrderIdPattern, purchaseOrderStatuses } from "./purchase-orders.js";

/** Bad input: answered 400 with the field it concerns (`lines.0.quantity`, `ttl_days`, `body`, …). */
export class BadRequest extends Error {
  override name = "BadRequest";

  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

/** "is required" when the field is absent, `otherwise` when it is there with the wrong type. */
const requiredOr = (otherwise: string) => (issue: { input?: unknown }) => (issue.input === undefined ? "is required" : otherwise);

/** Validates `input` against `schema`; the first problem becomes a BadRequest naming its field. */
export function parse<T extends z.ZodType>(schema: T, input: unknown, root: string): z.output<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (!issue) throw new BadRequest(root, "is invalid");
  const path = issue.path.map(String);
  if (issue.code === "unrecognized_keys") {
    const field = [...path, issue.keys[0] ?? ""].filter(Boolean).join(".");
    throw new BadRequest(field || root, root === "query" ? "is not a known query parameter" : "is not a known field");
  }
  throw new BadRequest(path.join(".") || root, issue.message);
}

const email = z
  .string({ error: requiredOr("must be a string") })
  .trim()
  .toLowerCase()
  .max(254, { error: "must be at most 254 characters" })
  .pipe(z.email({ error: "must be an email address" }));

/** `POST /api/internal/token-exchange`. Extra fields are ignored so the protocol can grow. */
export const tokenExchangeSchema = z.object(
  {
    user_email: email,
    ttl_days: z
      .number({ error: requiredOr("must be a whole number of days") })
      .int({ error: "must be a whole number of days" })
      .min(1, { error: "must be between 1 and 365" })
      .max(365, { error: "must be between 1 and 365" }),
  },
  { error: "must be a JSON object" },
);

/** `POST /api/internal/token-revoke`: any id; unknown ones are revoked already, as far as anyone can tell. */
export const tokenRevokeSchema = z.object(
  {
    token_id: z
      .string({ error: requiredOr("must be a string") })
      .min(1, { error: "must not be empty" })
      .max(128, { error: "must be at most 128 characters" }),
  },
  { error: "must be a JSON object" },
);

const single = (what: string) => z.string({ error: requiredOr(`must be given once, as ${what}`) });

/** `GET /api/purchase-orders` query. Unknown parameters are refused rather than silently ignored. */
export const listQuerySchema = z.strictObject({
  status: single("a status")
    .pipe(z.enum(purchaseOrderStatuses, { error: `must be one of ${purchaseOrderStatuses.join(", ")}` }))
    .optional(),
  supplier: single("a supplier id")
    .regex(/^SUP-\d{3}$/, { error: "must be a supplier id like SUP-003 (see GET /api/suppliers)" })
    .optional(),
  created_by: single("an email address").trim().toLowerCase().pipe(z.email({ error: "must be an email address" })).optional(),
  limit: single("a number")
    .regex(/^\d+$/, { error: "must be a whole number between 1 and 100" })
    .transform(Number)
    .pipe(z.number().int().min(1, { error: "must be a whole number between 1 and 100" }).max(100, { error: "must be a whole number between 1 and 100" }))
    .default(20),
  cursor: single("the next_cursor of the previous page").min(1).max(128, { error: "is not a cursor this API returned (pass next_cursor unchanged)" }).optional(),
});

export const purchaseOrderIdSchema = z.object({
  id: z.string().regex(purchaseOrderIdPattern, { error: "must be a purchase order id like PO-10042" }),
});

const twoDecimals = (value: number) => Math.abs(value * 100 - Math.round(value * 100)) < 1e-6;

const lineSchema = z.strictObject(
  {
    sku: z
      .string({ error: requiredOr("must be a string") })
      .trim()
      .min(1, { error: "must not be empty" })
      .max(64, { error: "must be at most 64 characters" }),
    description: z
      .string({ error: requiredOr("must be a string") })
      .trim()
      .min(1, { error: "must not be empty" })
      .max(500, { error: "must be at most 500 characters" }),
    quantity: z
      .number({ error: requiredOr("must be a whole number") })
      .int({ error: "must be a whole number" })
      .min(1, { error: "must be at least 1" })
      .max(1_000_000, { error: "must be at most 1000000" }),
    unit_price: z
      .number({ error: requiredOr("must be a number (e.g. 21.99)") })
      .positive({ error: "must be greater than 0" })
      .max(10_000_000, { error: "must be at most 10000000" })
      .refine(twoDecimals, { error: "must have at most 2 decimal places" }),
  },
  { error: "must be an object with sku, description, quantity and unit_price" },
);

/** `POST /api/purchase-orders`. Unknown fields are refused: a misspelt field must not be dropped silently. */
export const newPurchaseOrderSchema = z.strictObject(
  {
    supplier: z
      .string({ error: requiredOr("must be a supplier id like SUP-003") })
      .regex(/^SUP-\d{3}$/, { error: "must be a supplier id like SUP-003 (see GET /api/suppliers)" }),
    currency: z
      .string({ error: "must be a 3-letter currency code" })
      .regex(/^[A-Z]{3}$/, { error: "must be a 3-letter currency code such as EUR" })
      .optional(),
    lines: z
      .array(lineSchema, { error: requiredOr("must be an array of lines") })
      .min(1, { error: "must have at least one line" })
      .max(100, { error: "must have at most 100 lines" }),
    notes: z.string({ error: "must be a string" }).max(2000, { error: "must be at most 2000 characters" }).optional(),
  },
  { error: "must be a JSON object" },
);

/** An `Idempotency-Key` header value. */
export const idempotencyKeySchema = z
  .string({ error: "must be given once" })
  .regex(/^[A-Za-z0-9_.:-]{1,128}$/, { error: "must be 1-128 characters of A-Z, a-z, 0-9, _ . : -" });
