/**
 * Column storage for the seeded dataset. A million issues as JavaScript objects would cost the
 * simulator hundreds of megabytes; as columns of 32-bit integers (timestamps in epoch seconds, ids,
 * pool indices) they cost about 50 bytes each, and a page is rendered from them on demand.
 */
export class IntColumn {
  private data: Int32Array;
  length = 0;

  constructor(capacity = 16) {
    this.data = new Int32Array(Math.max(16, capacity));
  }

  /** Makes room for `capacity` rows at once, so a generated dataset holds no doubling slack. */
  reserve(capacity: number): void {
    if (capacity <= this.data.length) return;
    const grown = new Int32Array(capacity);
    grown.set(this.data.subarray(0, this.length));
    this.data = grown;
  }

  push(value: number): number {
    if (this.length === this.data.length) {
      const grown = new Int32Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length] = value;
    this.length += 1;
    return this.length - 1;
  }

  get(index: number): number {
    return this.data[index] ?? 0;
  }

  set(index: number, value: number): void {
    this.data[index] = value;
  }
}

/** A read-only run of row indices: a slice of an index, forwards or backwards, or a filtered copy. */
export interface RowSequence {
  length: number;
  at(position: number): number;
}

export function sliceSequence(order: Int32Array, start: number, end: number, descending: boolean): RowSequence {
  const length = Math.max(0, end - start);
  return descending
    ? { length, at: (position) => order[end - 1 - position] ?? 0 }
    : { length, at: (position) => order[start + position] ?? 0 };
}

export function arraySequence(rows: readonly number[] | Int32Array): RowSequence {
  return { length: rows.length, at: (position) => rows[position] ?? 0 };
}

export function rangeSequence(count: number, descending: boolean): RowSequence {
  return descending ? { length: count, at: (position) => count - 1 - position } : { length: count, at: (position) => position };
}

/** Copies the rows of a sequence that pass a test (the slow path: filters GitHub has no index for here). */
export function filterSequence(sequence: RowSequence, keep: (row: number) => boolean): RowSequence {
  const rows: number[] = [];
  for (let position = 0; position < sequence.length; position += 1) {
    const row = sequence.at(position);
    if (keep(row)) rows.push(row);
  }
  return arraySequence(rows);
}

/**
 * Live rows ordered by (timestamp, row), ascending: rows whose timestamp ties keep creation order. One
 * native sort of doubles, each key `(timestamp - earliest) * 2^rowBits + row`, exact as long as it stays
 * below 2^53 (a span of years with millions of rows); beyond that, a comparator sort.
 */
export function orderByTimestamp(rows: Iterable<number>, timestamp: (row: number) => number, count: number): Int32Array {
  const rowList = new Int32Array(count);
  const times = new Float64Array(count);
  let filled = 0;
  let earliest = Number.POSITIVE_INFINITY;
  let latest = Number.NEGATIVE_INFINITY;
  let highestRow = 0;
  for (const row of rows) {
    const time = timestamp(row);
    rowList[filled] = row;
    times[filled] = time;
    filled += 1;
    if (time < earliest) earliest = time;
    if (time > latest) latest = time;
    if (row > highestRow) highestRow = row;
  }
  if (filled === 0) return new Int32Array(0);
  const rowSpace = 2 ** Math.max(1, Math.ceil(Math.log2(highestRow + 2)));
  if ((latest - earliest + 1) * rowSpace >= Number.MAX_SAFE_INTEGER) {
    const positions = Array.from({ length: filled }, (_, position) => position);
    positions.sort((a, b) => (times[a] ?? 0) - (times[b] ?? 0) || (rowList[a] ?? 0) - (rowList[b] ?? 0));
    return Int32Array.from(positions, (position) => rowList[position] ?? 0);
  }
  const keys = new Float64Array(filled);
  for (let position = 0; position < filled; position += 1) keys[position] = ((times[position] ?? 0) - earliest) * rowSpace + (rowList[position] ?? 0);
  keys.sort();
  const order = new Int32Array(filled);
  for (let position = 0; position < filled; position += 1) {
    const key = keys[position] ?? 0;
    order[position] = key - Math.floor(key / rowSpace) * rowSpace;
  }
  return order;
}

/** First position in `order` whose row's value is at least `value` (values non-decreasing along `order`). */
export function lowerBound(order: Int32Array, value: number, valueOf: (row: number) => number): number {
  let low = 0;
  let high = order.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (valueOf(order[middle] ?? 0) < value) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** First index in [0, count) whose value is at least `value`, for columns non-decreasing by row. */
export function lowerBoundRows(count: number, value: number, valueOf: (row: number) => number): number {
  let low = 0;
  let high = count;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (valueOf(middle) < value) low = middle + 1;
    else high = middle;
  }
  return low;
}

const twoDigits = Array.from({ length: 100 }, (_, value) => String(value).padStart(2, "0"));

/**
 * Epoch seconds as GitHub writes them, `2025-01-02T03:04:05Z`. Computed with integer arithmetic (Howard
 * Hinnant's days-to-civil): rendering a page formats hundreds of timestamps.
 */
export function isoSeconds(seconds: number): string {
  const days = Math.floor(seconds / 86400);
  let rest = seconds - days * 86400;
  const hours = Math.floor(rest / 3600);
  rest -= hours * 3600;
  const minutes = Math.floor(rest / 60);
  const secs = rest - minutes * 60;
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const dayOfEra = z - era * 146097;
  const yearOfEra = Math.floor((dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36524) - Math.floor(dayOfEra / 146096)) / 365);
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const monthIndex = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * monthIndex + 2) / 5) + 1;
  const month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  return `${year}-${twoDigits[month]}-${twoDigits[day]}T${twoDigits[hours]}:${twoDigits[minutes]}:${twoDigits[secs]}Z`;
}

/** Epoch seconds of an ISO 8601 instant, rounded up (a `since` of 10:00:00.5 excludes 10:00:00); NaN when unreadable. */
export function parseIsoSeconds(value: string): number {
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? Number.NaN : Math.ceil(ms / 1000);
}

/** `"2025-01-02T03:04:05Z"` (with quotes) or `null`, for splicing into JSON text. */
export function jsonTime(seconds: number): string {
  return seconds > 0 ? `"${isoSeconds(seconds)}"` : "null";
}
