/**
 * Slack's cursor pagination: an opaque base64 `next_cursor` in `response_metadata`, empty (or absent) on
 * the last page, passed back as `cursor`. List methods here encode an offset (`next_offset:…`, stable
 * because the simulator only appends users and channels); history and replies encode the ts of the next
 * message, as Slack's own history cursors do (`bmV4dF90czox…` is base64 of `next_ts:1…`), so a page
 * boundary survives messages posted between two calls.
 */
export interface Page<T> {
  items: T[];
  nextCursor: string;
}

export class InvalidCursorError extends Error {}

/**
 * Page sizes. Slack's method pages say "specify a limit value under 1000", so 999 is the largest page
 * a client can count on; larger asks are capped silently, as Slack does for apps whose limit is lower.
 */
export const slackMaxPageSize = 999;

export function pageLimit(raw: unknown, cap: number, defaultLimit: number): number {
  const limit = Number(raw);
  if (raw === undefined || raw === "" || !Number.isFinite(limit) || limit <= 0) return Math.min(defaultLimit, cap);
  return Math.min(Math.floor(limit), cap);
}

export function paginate<T>(items: readonly T[], cursor: unknown, limit: number): Page<T> {
  const offset = decodeOffsetCursor(cursor);
  const slice = items.slice(offset, offset + limit);
  const next = offset + slice.length;
  return { items: slice, nextCursor: next < items.length ? encodeOffsetCursor(next) : "" };
}

function encodeOffsetCursor(offset: number): string {
  return Buffer.from(`next_offset:${offset}`).toString("base64");
}

function decodeOffsetCursor(cursor: unknown): number {
  if (cursor === undefined || cursor === "") return 0;
  const match = /^next_offset:(\d+)$/.exec(Buffer.from(String(cursor), "base64").toString("utf8"));
  if (!match?.[1]) throw new InvalidCursorError();
  return Number(match[1]);
}

export function encodeTsCursor(micros: number): string {
  return Buffer.from(`next_ts:${micros}`).toString("base64");
}

/** The micros the cursor points at; undefined without a cursor. */
export function decodeTsCursor(cursor: unknown): number | undefined {
  if (cursor === undefined || cursor === "") return undefined;
  const match = /^next_ts:(\d{1,18})$/.exec(Buffer.from(String(cursor), "base64").toString("utf8"));
  if (!match?.[1]) throw new InvalidCursorError();
  return Number(match[1]);
}
