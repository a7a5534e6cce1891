import { z } from "zod";
import { ApiError } from "./api-error.js";

/** `?limit=&cursor=` on every list: the cursor is opaque to clients (an offset, base64url). */
export const pageQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(64).optional(),
});

export type PageQuery = z.infer<typeof pageQuerySchema>;

export function pageOffset(query: PageQuery): number {
  if (!query.cursor) return 0;
  const offset = Number(Buffer.from(query.cursor, "base64url").toString("utf8"));
  if (!Number.isSafeInteger(offset) || offset < 0) throw new ApiError("bad_request", "cursor: is not a cursor this API returned", { field: "cursor" });
  return offset;
}

/** Fetch `limit + 1` rows; this trims them and says where the next page starts. */
export function pageOf<T>(rows: T[], query: PageQuery): { items: T[]; next_cursor: string | null } {
  const offset = pageOffset(query);
  const more = rows.length > query.limit;
  return {
    items: more ? rows.slice(0, query.limit) : rows,
    next_cursor: more ? Buffer.from(String(offset + query.limit), "utf8").toString("base64url") : null,
  };
}

export const pageSchema = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), next_cursor: z.string().nullable() });
