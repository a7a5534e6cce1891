import { columnTypeOf, type ColumnType } from "./column-types.js";

/**
 * One top-level object of a JSON array page, located but not parsed: its byte span, the column type of
 * each of its top-level fields, and the few field values the caller asked for.
 */
export interface ScannedObject {
  /** Offset of the object's `{` in the page. */
  start: number;
  /** Offset one past the object's `}`. */
  end: number;
  /** Top-level field names in order. Objects of the same shape share one array: never mutate it. */
  names: readonly string[];
  /** The column type of each field's value (`columnTypeOf` of the parsed value); undefined for null. Shared like `names`. */
  types: ReadonlyArray<ColumnType | undefined>;
  /** The values of the fields asked for, in the order asked, decoded; undefined when absent. */
  picked: unknown[];
  /** True when whitespace between its tokens holds a line break (the spool needs one record a line). */
  multiline: boolean;
}

export class JsonScanError extends Error {
  override name = "JsonScanError";
}

const quote = 0x22;
const backslash = 0x5c;
const openBrace = 0x7b;
const closeBrace = 0x7d;
const openBracket = 0x5b;
const closeBracket = 0x5d;
const comma = 0x2c;
const colon = 0x3a;
const lineFeed = 0x0a;
const carriageReturn = 0x0d;
const minus = 0x2d;

/** Strings up to this many bytes that hold an escape are decoded to be typed (a `\u` timestamp). */
const shortString = 40;
/** The longest timestamp the mirror types as TIMESTAMPTZ: `2026-11-25T13:49:27.123456+00:00`. */
const longestTimestamp = 32;
const shortestTimestamp = 20;
/** Integers of at most this many digits are safe integers (2^53 has 16). */
const safeDigits = 15;

/**
 * Locates the objects of a JSON array (a provider's page) without building them, so a page can go to
 * the spool as the bytes it arrived in. The column types it reports are exactly what `columnTypeOf`
 * gives the parsed values — with one deliberate exception: a timestamp spelt with `\u` escapes longer
 * than 40 bytes is typed as text. Validation is structural (brackets, strings, literals, numbers);
 * what it does not check (escape sequences, UTF-8) the Parquet conversion rejects.
 */
export function scanJsonArray(bytes: Buffer, pick: readonly string[] = []): ScannedObject[] {
  return new PageScanner(bytes, pick).scan();
}

/** Decodes scanned objects back into records (for callers that want objects, and for tests). */
export function parseScannedObject(bytes: Buffer, object: ScannedObject): Record<string, unknown> {
  return JSON.parse(bytes.toString("utf8", object.start, object.end)) as Record<string, unknown>;
}

function growStack(stack: Uint8Array): Uint8Array<ArrayBuffer> {
  const grown = new Uint8Array(stack.length * 2);
  grown.set(stack);
  return grown;
}

class PageScanner {
  private pos = 0;
  private multiline = false;
  private sawEscape = false;
  private valueStart = 0;
  /**
   * The first backslash at or after the last string's opening (the page's length when there is none):
   * found with one memchr per backslash rather than by walking strings byte by byte, since most
   * strings have none and most of a page's bytes are inside strings.
   */
  private nextBackslash = -1;
  /** The closing bracket each open nesting level expects. */
  private closers: Uint8Array<ArrayBuffer> = new Uint8Array(32);
  // The previous object's keys (names and byte spans in this page): the next object usually repeats
  // them in the same order, and comparing a few bytes is much cheaper than decoding a string.
  private previousNames: string[] = [];
  private previousStarts: number[] = [];
  private previousEnds: number[] = [];
  private names: string[] = [];
  /** Scratch for the object being scanned, and the array the previous object was given. */
  private types: Array<ColumnType | undefined> = [];
  private previousTypes: ReadonlyArray<ColumnType | undefined> = [];
  private starts: number[] = [];
  private ends: number[] = [];

  constructor(
    private readonly bytes: Buffer,
    private readonly pick: readonly string[],
  ) {}

  scan(): ScannedObject[] {
    const objects: ScannedObject[] = [];
    this.skipWhitespace();
    this.expect(openBracket, "a JSON array");
    this.skipWhitespace();
    if (this.bytes[this.pos] === closeBracket) {
      this.pos += 1;
    } else {
      for (;;) {
        this.skipWhitespace();
        if (this.bytes[this.pos] !== openBrace) this.fail("an object");
        objects.push(this.scanObject());
        this.skipWhitespace();
        const next = this.bytes[this.pos];
        this.pos += 1;
        if (next === comma) continue;
        if (next === closeBracket) break;
        this.pos -= 1;
        this.fail("',' or ']'");
      }
    }
    this.skipWhitespace();
    if (this.pos !== this.bytes.length) this.fail("the end of the page");
    return objects;
  }

  private scanObject(): ScannedObject {
    const bytes = this.bytes;
    const start = this.pos;
    this.pos += 1;
    this.multiline = false;
    const types = this.types;
    const picked: unknown[] = this.pick.length > 0 ? new Array<unknown>(this.pick.length) : [];
    const previousNames = this.previousNames;
    let sameShape = true;
    let count = 0;
    this.skipWhitespace();
    if (bytes[this.pos] === closeBrace) {
      this.pos += 1;
    } else {
      for (;;) {
        if (bytes[this.pos] !== quote) this.fail("a field name");
        const keyStart = this.pos + 1;
        let keyEnd = -1;
        let name: string | undefined;
        if (count < previousNames.length) {
          // The previous object's key at this place, byte for byte, then a quote: the same bytes end a
          // string at the same place, so no search is needed for the usual case.
          const previousStart = this.previousStarts[count]!;
          const previousEnd = this.previousEnds[count]!;
          const end = keyStart + previousEnd - previousStart;
          if (bytes[end] === quote && this.sameBytes(previousStart, previousEnd, keyStart, end)) {
            keyEnd = end;
            name = previousNames[count]!;
          }
        }
        if (name === undefined) {
          keyEnd = this.endOfString(this.pos);
          sameShape = false;
          name = this.sawEscape
            ? (JSON.parse(bytes.toString("utf8", keyStart - 1, keyEnd + 1)) as string)
            : bytes.toString("utf8", keyStart, keyEnd);
        }
        this.pos = keyEnd + 1;
        this.names[count] = name;
        this.starts[count] = keyStart;
        this.ends[count] = keyEnd;
        count += 1;
        this.skipWhitespace();
        this.expect(colon, "':'");
        this.skipWhitespace();
        const type = this.scanValue();
        types[count - 1] = type;
        if (this.pick.length > 0) {
          const index = this.pick.indexOf(name);
          if (index >= 0) picked[index] = this.decode(this.valueStart, this.pos, type);
        }
        this.skipWhitespace();
        const next = bytes[this.pos];
        this.pos += 1;
        if (next === comma) {
          this.skipWhitespace();
          continue;
        }
        if (next === closeBrace) break;
        this.pos -= 1;
        this.fail("',' or '}'");
      }
    }
    let names: string[];
    if (sameShape && count === previousNames.length) {
      names = previousNames;
    } else {
      names = this.names.slice(0, count);
    }
    // Objects of one shape mostly have the same nulls too: their types array is shared as well.
    let sameTypes = names === previousNames && this.previousTypes.length === count;
    for (let index = 0; sameTypes && index < count; index += 1) sameTypes = types[index] === this.previousTypes[index];
    if (!sameTypes) this.previousTypes = types.slice(0, count);
    // This object's key spans become the ones the next object is compared with.
    [this.previousStarts, this.starts] = [this.starts, this.previousStarts];
    [this.previousEnds, this.ends] = [this.ends, this.previousEnds];
    this.previousNames = names;
    return { start, end: this.pos, names, types: this.previousTypes, picked, multiline: this.multiline };
  }

  /** Moves past one value, returning its column type; `valueStart` is where it began. */
  private scanValue(): ColumnType | undefined {
    const bytes = this.bytes;
    const start = this.pos;
    this.valueStart = start;
    const first = bytes[start];
    if (first === quote) {
      const close = this.endOfString(start);
      this.pos = close + 1;
      const length = close - start - 1;
      if (this.sawEscape && length <= shortString) return columnTypeOf(JSON.parse(bytes.toString("utf8", start, close + 1)));
      return length >= shortestTimestamp && length <= longestTimestamp && this.isTimestamp(start + 1, close) ? "TIMESTAMPTZ" : "VARCHAR";
    }
    if (first === openBrace || first === openBracket) {
      this.skipNested();
      return "JSON";
    }
    if (first === 0x74) return this.literal("true", "BOOLEAN");
    if (first === 0x66) return this.literal("false", "BOOLEAN");
    if (first === 0x6e) return this.literal("null", undefined);
    if (first === minus || (first !== undefined && first >= 0x30 && first <= 0x39)) return this.number();
    return this.fail("a value");
  }

  private number(): ColumnType {
    const bytes = this.bytes;
    const start = this.pos;
    let end = start;
    let plainDigits = true;
    for (; end < bytes.length; end += 1) {
      const byte = bytes[end]!;
      if (byte >= 0x30 && byte <= 0x39) continue;
      if (byte === minus && end === start) continue;
      // `.`, `e`, `E`, `+`, `-` inside an exponent.
      if (byte === 0x2e || byte === 0x65 || byte === 0x45 || byte === 0x2b || byte === minus) {
        plainDigits = false;
        continue;
      }
      break;
    }
    this.pos = end;
    const digits = end - start - (bytes[start] === minus ? 1 : 0);
    if (digits === 0) this.fail("a number");
    if (plainDigits && digits <= safeDigits) return "BIGINT";
    const value = Number(bytes.toString("latin1", start, end));
    if (Number.isNaN(value)) this.fail("a number", start);
    return columnTypeOf(value) as ColumnType;
  }

  private literal(word: string, type: ColumnType | undefined): ColumnType | undefined {
    for (let index = 0; index < word.length; index += 1) {
      if (this.bytes[this.pos + index] !== word.charCodeAt(index)) this.fail(`'${word}'`);
    }
    this.pos += word.length;
    return type;
  }

  /** Skips an object or array, strings inside included, noting line breaks between its tokens. */
  private skipNested(): void {
    const bytes = this.bytes;
    let depth = 0;
    let pos = this.pos;
    for (;;) {
      if (pos >= bytes.length) this.fail("the end of a nested value", pos);
      const byte = bytes[pos]!;
      if (byte === quote) {
        pos = this.endOfString(pos) + 1;
        continue;
      }
      if (byte === openBrace || byte === openBracket) {
        if (depth === this.closers.length) this.closers = growStack(this.closers);
        // `{` + 2 is `}`, `[` + 2 is `]`.
        this.closers[depth] = byte + 2;
        depth += 1;
      } else if (byte === closeBrace || byte === closeBracket) {
        depth -= 1;
        if (this.closers[depth] !== byte) this.fail(`'${String.fromCharCode(this.closers[depth]!)}'`, pos);
        if (depth === 0) {
          this.pos = pos + 1;
          return;
        }
      } else if (byte === lineFeed || byte === carriageReturn) {
        this.multiline = true;
      }
      pos += 1;
    }
  }

  /** The offset of the quote closing the string that opens at `open`; `sawEscape` says whether it holds a backslash. */
  private endOfString(open: number): number {
    const bytes = this.bytes;
    let close = bytes.indexOf(quote, open + 1);
    if (close < 0) this.fail("the end of a string", open);
    if (this.nextBackslash <= open) {
      const found = bytes.indexOf(backslash, open + 1);
      this.nextBackslash = found < 0 ? bytes.length : found;
    }
    if (this.nextBackslash > close) {
      this.sawEscape = false;
      return close;
    }
    this.sawEscape = true;
    for (;;) {
      // A quote preceded by an odd run of backslashes is escaped.
      let run = 0;
      while (bytes[close - 1 - run] === backslash) run += 1;
      if (run % 2 === 0) return close;
      close = bytes.indexOf(quote, close + 1);
      if (close < 0) this.fail("the end of a string", open);
    }
  }

  /** `\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})`, as `columnTypeOf`'s pattern. */
  private isTimestamp(start: number, end: number): boolean {
    const bytes = this.bytes;
    const digit = (at: number): boolean => {
      const byte = bytes[at]!;
      return byte >= 0x30 && byte <= 0x39;
    };
    const digits = (at: number, count: number): boolean => {
      for (let index = 0; index < count; index += 1) if (!digit(at + index)) return false;
      return true;
    };
    if (!(digits(start, 4) && bytes[start + 4] === minus && digits(start + 5, 2) && bytes[start + 7] === minus && digits(start + 8, 2))) return false;
    if (!(bytes[start + 10] === 0x54 && digits(start + 11, 2) && bytes[start + 13] === colon && digits(start + 14, 2))) return false;
    if (!(bytes[start + 16] === colon && digits(start + 17, 2))) return false;
    let pos = start + 19;
    if (bytes[pos] === 0x2e) {
      let count = 0;
      pos += 1;
      while (pos < end && digit(pos)) {
        pos += 1;
        count += 1;
      }
      if (count < 1 || count > 6) return false;
    }
    if (bytes[pos] === 0x5a) return pos + 1 === end;
    if (bytes[pos] === 0x2b || bytes[pos] === minus) {
      return pos + 6 === end && digits(pos + 1, 2) && bytes[pos + 3] === colon && digits(pos + 4, 2);
    }
    return false;
  }

  private decode(start: number, end: number, type: ColumnType | undefined): unknown {
    if ((type === "VARCHAR" || type === "TIMESTAMPTZ") && !this.hasBackslash(start, end)) {
      return this.bytes.toString("utf8", start + 1, end - 1);
    }
    return JSON.parse(this.bytes.toString("utf8", start, end));
  }

  private hasBackslash(start: number, end: number): boolean {
    for (let pos = start; pos < end; pos += 1) if (this.bytes[pos] === backslash) return true;
    return false;
  }

  private sameBytes(aStart: number, aEnd: number, bStart: number, bEnd: number): boolean {
    const length = aEnd - aStart;
    if (length !== bEnd - bStart) return false;
    const bytes = this.bytes;
    for (let index = 0; index < length; index += 1) if (bytes[aStart + index] !== bytes[bStart + index]) return false;
    return true;
  }

  private skipWhitespace(): void {
    const bytes = this.bytes;
    let pos = this.pos;
    for (;;) {
      const byte = bytes[pos];
      if (byte === 0x20 || byte === 0x09) {
        pos += 1;
      } else if (byte === lineFeed || byte === carriageReturn) {
        this.multiline = true;
        pos += 1;
      } else {
        break;
      }
    }
    this.pos = pos;
  }

  private expect(byte: number, what: string): void {
    if (this.bytes[this.pos] !== byte) this.fail(what);
    this.pos += 1;
  }

  private fail(what: string, at = this.pos): never {
    throw new JsonScanError(`malformed JSON page: expected ${what} at byte ${at}`);
  }
}
