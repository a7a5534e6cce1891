/**
 * Property tests of the `.env` merge: thousands of random files (comments, assignments in every quoting
 * style, raw bytes, near-miss markers, CRLF/LF mixes, BOM, with and without a final newline, with and
 * without a block at a random position) against random entry sets.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BLOCK_NOTE, END_MARKER, EnvBlockError, type EnvEntry, START_MARKER, mergeEnvBlock, valueProblem } from "../src/env-block.js";
import { parseLikeNodeDotenv, parseLikePythonDotenv } from "./support/dotenv-readers.js";

const RUNS = 2500;
// A fixed seed keeps CI reproducible (a failure names its counterexample and replays); FC_SEED explores others.
fc.configureGlobal({ seed: Number(process.env.FC_SEED ?? 20261125) });
const encoder = new TextEncoder();
const decoder = new TextDecoder();

type Eol = "\n" | "\r\n";
interface RawLine {
  bytes: Uint8Array;
  eol: Eol;
}

const eolArb = fc.constantFrom<Eol>("\n", "\r\n");
const keyArb = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,12}$/);
const looseText = fc.string({ maxLength: 30 }).map((text) => text.replace(/\n/g, ""));

/** One line's content (no LF), never a marker. */
const contentArb: fc.Arbitrary<Uint8Array> = fc
  .oneof(
    fc.constant(""),
    fc.constant("   \t"),
    looseText.map((text) => `# ${text}`),
    fc.tuple(keyArb, looseText).map(([key, value]) => `${key}=${value}`),
    fc.tuple(keyArb, looseText).map(([key, value]) => `export ${key}="${value}"`),
    fc.tuple(keyArb, looseText).map(([key, value]) => `${key}='${value}'`),
    fc.tuple(keyArb, looseText).map(([key, value]) => `  ${key} = ${value} # trailing comment`),
    fc.constantFrom(
      " # --- SERVICE CONNECTOR START ---",
      "#--- SERVICE CONNECTOR END ---",
      "# --- SERVICE CONNECTOR START --- x",
      "# --- SERVICE CONNECTOR ENDING ---",
      "# --- service connector start ---",
      "a\rb",
      "ünïcødé = 日本",
    ),
  )
  .map((text) => encoder.encode(text))
  .chain((bytes) =>
    fc.oneof(
      { weight: 4, arbitrary: fc.constant(bytes) },
      // Raw bytes, invalid UTF-8 included (NUL and LF excluded: NUL makes the file binary, LF ends the line).
      { weight: 1, arbitrary: fc.uint8Array({ maxLength: 24 }).map((raw) => raw.filter((byte) => byte !== 0x0a && byte !== 0x00)) },
    ),
  )
  .filter((bytes) => {
    const text = Buffer.from(bytes).toString("latin1");
    return !text.startsWith(START_MARKER) && !text.startsWith(END_MARKER);
  });

const linesArb = fc.array(fc.record({ bytes: contentArb, eol: eolArb }), { maxLength: 8 });

interface FileModel {
  bom: boolean;
  before: RawLine[];
  block: { inner: RawLine[]; startEol: Eol; endEol: Eol } | null;
  after: RawLine[];
  /** Whether the file's last line keeps its terminator. */
  finalEol: boolean;
}

const fileArb: fc.Arbitrary<FileModel> = fc.record({
  bom: fc.boolean(),
  before: linesArb,
  block: fc.option(fc.record({ inner: linesArb, startEol: eolArb, endEol: eolArb }), { freq: 2 }),
  after: linesArb,
  finalEol: fc.boolean(),
});

function concat(parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

interface BuiltFile {
  bytes: Uint8Array;
  /** Bytes before the block (the whole file when there is none). */
  prefix: Uint8Array;
  /** Bytes after the block. */
  suffix: Uint8Array;
  hasBlock: boolean;
  /** Terminators of the lines outside the block. */
  outsideEols: string[];
}

function build(model: FileModel): BuiltFile {
  const lines: { bytes: Uint8Array; eol: string; part: "before" | "block" | "after" }[] = [
    ...model.before.map((line) => ({ ...line, part: "before" as const })),
    ...(model.block
      ? [
          { bytes: encoder.encode(START_MARKER), eol: model.block.startEol, part: "block" as const },
          ...model.block.inner.map((line) => ({ ...line, part: "block" as const })),
          { bytes: encoder.encode(END_MARKER), eol: model.block.endEol, part: "block" as const },
        ]
      : []),
    ...model.after.map((line) => ({ ...line, part: "after" as const })),
  ];
  if (!model.finalEol && lines.length > 0) lines[lines.length - 1] = { ...lines[lines.length - 1]!, eol: "" };
  const render = (part: string) => lines.filter((line) => line.part === part).flatMap((line) => [line.bytes, encoder.encode(line.eol)]);
  const bom = model.bom ? [new Uint8Array([0xef, 0xbb, 0xbf])] : [];
  const prefix = concat([...bom, ...render("before")]);
  const block = concat(render("block"));
  const suffix = concat(render("after"));
  const outsideEols = lines
    .filter((line) => line.part !== "block")
    .map((line) => {
      // A line whose content ends with CR followed by LF reads as CRLF.
      const endsWithCr = line.bytes[line.bytes.length - 1] === 0x0d;
      return line.eol === "\n" && endsWithCr ? "\r\n" : line.eol;
    });
  return { bytes: concat([prefix, block, suffix]), prefix, suffix, hasBlock: model.block !== null, outsideEols };
}

const HOSTILE = ["$(touch /tmp/x)", "`id`", "$HOME", "a;b", "a && b", "with spaces", "#not a comment", '"dq"', "", " padded ", "%s", "日本語"];

/** Characters no reader can carry (refused for any writer); the rest of the refusals are left to valueProblem. */
// eslint-disable-next-line no-control-regex
const UNWRITABLE = /[\r\n\0\x01-\x08\x0B\x0C\x0E-\x1F\x7F]|\p{Cs}/gu;
/** Values the readers disagree on: refused by valueProblem, so filtered out here; a weaker rule lets them through and fails the reader property. */
const TRICKY = ["it's", "a\\\\b", "trailing\\", "${HOME}", "x${PO_API_KEY}y"];

const valueArb = fc
  .oneof(
    { weight: 6, arbitrary: fc.string({ maxLength: 40, unit: "binary" }) },
    { weight: 3, arbitrary: fc.string({ maxLength: 20 }) },
    { weight: 2, arbitrary: fc.constantFrom(...HOSTILE) },
    { weight: 1, arbitrary: fc.constantFrom(...TRICKY) },
  )
  .map((value) => value.replace(UNWRITABLE, ""))
  .filter((value) => valueProblem(value) === null);

const entriesArb = fc.uniqueArray(fc.record({ name: keyArb, value: valueArb }), { selector: (entry) => entry.name, maxLength: 6 });

function renderedBlock(entries: readonly EnvEntry[], eol: string): Uint8Array {
  if (entries.length === 0) return new Uint8Array();
  const lines = [START_MARKER, BLOCK_NOTE, ...entries.map((entry) => `${entry.name}='${entry.value}'`), END_MARKER];
  return encoder.encode(lines.map((line) => line + eol).join(""));
}

const equal = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));
const startsWith = (whole: Uint8Array, part: Uint8Array) => equal(whole.subarray(0, part.length), part);
const endsWith = (whole: Uint8Array, part: Uint8Array) => part.length === 0 || equal(whole.subarray(whole.length - part.length), part);

/** The block the merge wrote: the bytes between what was kept before and after it. */
function writtenBlock(file: BuiltFile, result: Uint8Array): Uint8Array {
  if (file.hasBlock) return result.subarray(file.prefix.length, result.length - file.suffix.length);
  // Appended: after the file and at most a line break.
  const start = Buffer.from(result).indexOf(START_MARKER, file.bytes.length);
  return start === -1 ? new Uint8Array() : result.subarray(start);
}

describe("mergeEnvBlock properties", () => {
  it("keeps every byte outside the block and writes exactly the entries inside it", () => {
    fc.assert(
      fc.property(fileArb, entriesArb, (model, entries) => {
        const file = build(model);
        const result = mergeEnvBlock(file.bytes, entries).bytes;
        if (file.hasBlock) {
          expect(startsWith(result, file.prefix)).toBe(true);
          expect(endsWith(result, file.suffix)).toBe(true);
          expect(result.length).toBeGreaterThanOrEqual(file.prefix.length + file.suffix.length);
        } else if (entries.length === 0) {
          expect(equal(result, file.bytes)).toBe(true);
          return;
        } else {
          expect(startsWith(result, file.bytes)).toBe(true);
          const body = file.bytes.subarray(model.bom ? 3 : 0);
          const separator = result.subarray(file.bytes.length, result.length - writtenBlock(file, result).length);
          // A line break is added only when the file has content that does not end with one.
          if (body.length === 0 || body[body.length - 1] === 0x0a) expect(separator.length).toBe(0);
          else expect(["\n", "\r\n"]).toContain(decoder.decode(separator));
        }
        const block = writtenBlock(file, result);
        if (entries.length === 0) expect(block.length).toBe(0);
        else expect(equal(block, renderedBlock(entries, "\n")) || equal(block, renderedBlock(entries, "\r\n"))).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });

  it("uses the file's line terminator for the block", () => {
    fc.assert(
      fc.property(fileArb, entriesArb, (model, entries) => {
        fc.pre(entries.length > 0);
        const file = build(model);
        const terminated = file.outsideEols.filter((eol) => eol !== "");
        const block = decoder.decode(writtenBlock(file, mergeEnvBlock(file.bytes, entries).bytes));
        const crlf = block.split("\r\n").length - 1;
        const lf = block.split("\n").length - 1;
        if (terminated.length > 0 && terminated.every((eol) => eol === "\r\n")) expect(crlf).toBe(lf);
        if (terminated.length > 0 && terminated.every((eol) => eol === "\n")) expect(crlf).toBe(0);
      }),
      { numRuns: RUNS },
    );
  });

  it("is idempotent: merging the result again changes nothing", () => {
    fc.assert(
      fc.property(fileArb, entriesArb, (model, entries) => {
        const once = mergeEnvBlock(build(model).bytes, entries);
        const twice = mergeEnvBlock(once.bytes, entries);
        expect(twice.changed).toBe(false);
        expect(equal(twice.bytes, once.bytes)).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });

  it("removing takes the block and only its own line terminators; remove then merge equals merge once", () => {
    fc.assert(
      fc.property(fileArb, entriesArb, entriesArb, (model, entries, other) => {
        const file = build(model);
        const merged = mergeEnvBlock(file.bytes, entries).bytes;
        const removed = mergeEnvBlock(merged, []).bytes;
        if (file.hasBlock) {
          // What remains depends only on the bytes outside the block, whatever it held.
          expect(equal(removed, concat([file.prefix, file.suffix]))).toBe(true);
          expect(equal(removed, mergeEnvBlock(file.bytes, []).bytes)).toBe(true);
          expect(equal(removed, mergeEnvBlock(mergeEnvBlock(file.bytes, other).bytes, []).bytes)).toBe(true);
        } else {
          // The file as it was, plus the line break added before an appended block, if any.
          expect(startsWith(removed, file.bytes)).toBe(true);
          expect(["", "\n", "\r\n"]).toContain(decoder.decode(removed.subarray(file.bytes.length)));
        }
        if (!file.hasBlock || file.suffix.length === 0) expect(equal(mergeEnvBlock(removed, entries).bytes, merged)).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });

  it("writes values that Node dotenv and python-dotenv read back as themselves", () => {
    fc.assert(
      fc.property(fileArb, entriesArb, (model, entries) => {
        fc.pre(entries.length > 0);
        const file = build(model);
        const block = decoder.decode(writtenBlock(file, mergeEnvBlock(file.bytes, entries).bytes));
        const expected = Object.fromEntries(entries.map((entry) => [entry.name, entry.value]));
        expect(parseLikeNodeDotenv(block)).toEqual(expected);
        const python = parseLikePythonDotenv(block, { HOME: "/home/someone" });
        expect(python.errors).toBe(0);
        expect(python.values).toEqual(expected);
      }),
      { numRuns: RUNS },
    );
  });

  it("refuses a value with a quote, a line break, NUL, a backslash or ${, naming the variable and not the value", () => {
    const poison = fc.constantFrom("'", "\n", "\r", "\0", "\\", "${", "\x1b");
    fc.assert(
      fc.property(fileArb, entriesArb, keyArb, valueArb, poison, fc.nat(), (model, entries, name, value, bad, at) => {
        fc.pre(!entries.some((entry) => entry.name === name));
        const cut = at % (value.length + 1);
        const poisoned = `${value.slice(0, cut)}${bad}${value.slice(cut)}`;
        let caught: unknown;
        try {
          mergeEnvBlock(build(model).bytes, [...entries, { name, value: poisoned }]);
        } catch (error) {
          caught = error;
        }
        expect(caught).toBeInstanceOf(EnvBlockError);
        const error = caught as EnvBlockError;
        expect(error.code).toBe("invalid_value");
        expect(error.variable).toBe(name);
        expect(error.message).toContain(name);
        if (poisoned.length >= 6) expect(error.message).not.toContain(poisoned);
      }),
      { numRuns: RUNS },
    );
  });

  it("refuses names outside [A-Za-z_][A-Za-z0-9_]*", () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 12 }).filter((name) => !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)),
        (name) => {
          expect(() => mergeEnvBlock(null, [{ name, value: "v" }])).toThrow(EnvBlockError);
        },
      ),
      { numRuns: RUNS },
    );
  });
});
