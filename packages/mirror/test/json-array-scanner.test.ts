import { describe, expect, it } from "vitest";
import { columnTypeOf, JsonScanError, parseScannedObject, scanJsonArray } from "../src/index.js";

/** A small deterministic generator (mulberry32), so a failure names a seed that reproduces it. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const tricky = [
  "",
  "plain",
  'quote " inside',
  "back\\slash",
  "ends with backslash\\",
  "line\nbreak and\ttab",
  "unicode é ü 漢字 🚀",
  "2024-01-02T03:04:05Z",
  "2024-01-02T03:04:05.123456+02:00",
  "2024-01-02T03:04:05.1234567Z", // seven fraction digits: text
  "2024-01-02 03:04:05Z", // space instead of T: text
  "2024-01-02T03:04:05+0200", // offset without colon: text
  "x".repeat(300),
  `${"long text ".repeat(20)}with "quotes" and \\ backslashes`,
];

function value(next: () => number, depth: number): unknown {
  const pick = Math.floor(next() * 12);
  switch (pick) {
    case 0:
      return null;
    case 1:
      return next() < 0.5;
    case 2:
      return Math.floor(next() * 1e6) - 5e5;
    case 3:
      return (next() - 0.5) * 1e4;
    case 4:
      return [0, -0, 1e21, 2 ** 53 + 2, 123456789012345, 1234567890123456, -9007199254740991][Math.floor(next() * 7)];
    case 5:
    case 6:
      return tricky[Math.floor(next() * tricky.length)];
    case 7:
      return depth > 2 ? "leaf" : [value(next, depth + 1), value(next, depth + 1)];
    case 8:
      return depth > 2 ? 7 : { inner: value(next, depth + 1), "key \"quoted\"": value(next, depth + 1) };
    default:
      return `text ${Math.floor(next() * 1000)}`;
  }
}

function record(next: () => number, index: number): Record<string, unknown> {
  const out: Record<string, unknown> = { id: index };
  const fields = ["title", "body", "updated_at", "labels", "user", "score", "flag", "nothing", "ünïcode key", "esc\\aped"];
  for (const field of fields) if (next() < 0.8) out[field] = value(next, 0);
  return out;
}

/** Serialises a page the way servers do: compact, pretty-printed, or with odd spacing. */
function serialise(records: unknown[], style: number): string {
  if (style === 0) return JSON.stringify(records);
  if (style === 1) return JSON.stringify(records, null, 2);
  return ` \r\n${JSON.stringify(records, null, "\t ")}\r\n`;
}

describe("scanJsonArray", () => {
  it("locates every object and types every field as columnTypeOf types the parsed value", () => {
    for (let seed = 1; seed <= 60; seed += 1) {
      const next = random(seed);
      const records = Array.from({ length: 1 + Math.floor(next() * 30) }, (_, index) => record(next, index));
      const text = serialise(records, seed % 3);
      const bytes = Buffer.from(text, "utf8");
      const objects = scanJsonArray(bytes, ["id", "updated_at", "user"]);
      expect(objects.length, `seed ${seed}`).toBe(records.length);
      objects.forEach((object, index) => {
        const expected = JSON.parse(JSON.stringify(records[index])) as Record<string, unknown>;
        const context = `seed ${seed}, object ${index}`;
        expect(parseScannedObject(bytes, object), context).toEqual(expected);
        expect(object.names, context).toEqual(Object.keys(expected));
        expect(object.types, context).toEqual(Object.keys(expected).map((key) => columnTypeOf(expected[key])));
        expect(object.picked, context).toEqual([expected.id, expected.updated_at, expected.user]);
        expect(object.multiline, context).toBe(bytes.toString("utf8", object.start, object.end).includes("\n"));
      });
    }
  });

  it("shares the names array between objects of one shape", () => {
    const objects = scanJsonArray(Buffer.from(JSON.stringify([{ a: 1, b: 2 }, { a: 3, b: 4 }, { a: 5, c: 6 }, {}])));
    expect(objects[1]!.names).toBe(objects[0]!.names);
    expect(objects[2]!.names).toEqual(["a", "c"]);
    expect(objects[3]!.names).toEqual([]);
  });

  it("ends strings at the right quote whatever the backslashes before it, in keys and values", () => {
    const longKey = `${"k".repeat(50)}\\"after`; // an escape beyond the first 40 bytes of a key
    const records = [
      { a: 'one \\" two', b: "\\", c: '\\\\"', [longKey]: 1, d: "2024-01-02T03:04:05Z" },
      // Same keys, same lengths, so the previous object's keys are compared byte for byte.
      { a: "x\\\\y", b: '"', c: "\\\\\\", [longKey]: "\\u0041", d: "x" },
      // A key with the same length as the previous one but other bytes, and backslash runs of every parity.
      { e: "\\\\\\\\\"", a: "\\".repeat(45), [`${"k".repeat(50)}\\"aftex`]: true },
      { "\\": "\"", '"': "\\\"\\" },
    ];
    for (const text of [JSON.stringify(records), JSON.stringify(records, null, 1)]) {
      const bytes = Buffer.from(text, "utf8");
      const objects = scanJsonArray(bytes, ["a", "d"]);
      expect(objects.length).toBe(records.length);
      objects.forEach((object, index) => {
        const expected = records[index] as Record<string, unknown>;
        expect(parseScannedObject(bytes, object)).toEqual(expected);
        expect(object.names).toEqual(Object.keys(expected));
        expect(object.types).toEqual(Object.keys(expected).map((key) => columnTypeOf(expected[key])));
        expect(object.picked).toEqual([expected.a, expected.d]);
      });
    }
    expect(() => scanJsonArray(Buffer.from('[{"a":"escaped end\\"}]'))).toThrow("expected the end of a string");
  });

  it("types numbers as JSON.parse reads them: integral values are integers, unsafe ones doubles", () => {
    const text = '[{"a":1.0,"b":1e2,"c":-0,"d":12345678901234567890,"e":0.5,"f":-12}]';
    const [object] = scanJsonArray(Buffer.from(text));
    expect(object!.types).toEqual(["BIGINT", "BIGINT", "BIGINT", "DOUBLE", "DOUBLE", "BIGINT"]);
  });

  it("reads an empty page and a page with a byte-order-free leading space", () => {
    expect(scanJsonArray(Buffer.from("[]"))).toEqual([]);
    expect(scanJsonArray(Buffer.from(" [ ] \n"))).toEqual([]);
  });

  it.each([
    ['{"a":1}', "a JSON array"],
    ["[1,2]", "an object"],
    ['[{"a":1}', "',' or ']'"],
    ['[{"a":1} {"b":2}]', "',' or ']'"],
    ['[{"a":"open}]', "the end of a string"],
    ['[{"a":tru}]', "'true'"],
    ['[{"a":-}]', "a number"],
    ['[{"a":1,}]', "a field name"],
    ['[{"a" 1}]', "':'"],
    ['[{"a":[1,2}]', "']'"],
    ['[{"a":{"b":1]}]', "'}'"],
    ['[{"a":[1,2', "the end of a nested value"],
    ['[{"a":1}] trailing', "the end of the page"],
  ])("refuses %s", (text, what) => {
    expect(() => scanJsonArray(Buffer.from(text))).toThrow(JsonScanError);
    expect(() => scanJsonArray(Buffer.from(text))).toThrow(`expected ${what}`);
  });
});
