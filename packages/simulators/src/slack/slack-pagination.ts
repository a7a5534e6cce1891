/**
 * Slack's cursor pagination: an opaque base64 `next_cursor` in `response_metadata`, empty on the last
 * page, passed back as `cursor`. The simulator's cursor encodes an offset the way Slack's encode a
 * position (`bmV4dF90czox…` is base64 of `next_ts:1…`).
 */
export interface Page<T> {
  items: T[];
  nextCursor: string;
}

export class InvalidCursorError extends Error {}

const defaultLimit = 100;
const maxLimit = 1000;

export function pageLimit(raw: unknown): number {
  const limit = Number(raw);
  if (raw === undefined || raw === "" || !Number.isFinite(limit) || limit <= 0) return defaultLimit;
  return Math.min(Math.floor(limit), maxLimit);
}

export function paginate<T>(items: readonly T[], cursor: unknown, limit: number): Page<T> {
  const offset = decodeCursor(cursor);
  const slice = items.slice(offset, offset + limit);
  const next = offset + slice.length;
  return { items: slice, nextCursor: next < items.length ? encodeCursor(next) : "" };
}

function encodeCursor(offset: number): string {
  return Buffer.from(`next_offset:${offset}`).toString("base64");
}

function decodeCursor(cursor: unknown): number {
  if (cursor === undefined || cursor === "") return 0;
  const match = /^next_offset:(\d+)$/.exec(Buffer.from(String(cursor), "base64").toString("utf8"));
  if (!match?.[1]) throw new InvalidCursorError();
  return Number(match[1]);
}
