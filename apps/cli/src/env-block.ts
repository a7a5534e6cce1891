/**
 * The service-connector block of a `.env` file, as a pure function: bytes in, bytes out, no I/O.
 *
 * The block is the run of lines from `# --- SERVICE CONNECTOR START ---` to `# --- SERVICE CONNECTOR END ---`
 * (both included, with their line terminators). Everything else in the file is kept byte for byte: the
 * file is handled as bytes (decoded as latin1, one char per byte), so comments, order, blank lines, CRLF,
 * a byte order mark, a missing final newline and even invalid UTF-8 outside the block come back unchanged.
 *
 * Values are written single-quoted, `NAME='value'`. Inside single quotes a POSIX shell expands nothing, so
 * sourcing the file runs nothing; python-dotenv and Node's dotenv read the characters back as they are.
 * What would break that is refused (see {@link checkEnvEntry}) instead of escaped: there is no escape that
 * all three readers agree on.
 */

export const START_MARKER = "# --- SERVICE CONNECTOR START ---";
export const END_MARKER = "# --- SERVICE CONNECTOR END ---";
/** Second line of every block: tells a person editing the file that the block is not theirs. */
export const BLOCK_NOTE = "# Written by `tributary sync`: lines between these markers are replaced on every sync.";

const BOM = "\xEF\xBB\xBF";
const NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface EnvEntry {
  name: string;
  value: string;
}

export type EnvBlockErrorCode = "invalid_name" | "invalid_value" | "duplicate_name" | "malformed_block" | "not_text";

/** A refusal: the file would not be written. The message names the variable or the line, never a value. */
export class EnvBlockError extends Error {
  override name = "EnvBlockError";

  constructor(
    readonly code: EnvBlockErrorCode,
    message: string,
    readonly variable?: string,
  ) {
    super(message);
  }
}

/** Why a value cannot be written, or null when it can. */
export function valueProblem(value: string): string | null {
  if (value.includes("'")) return "contains a single quote (it would end the quoted value)";
  if (value.includes("\n") || value.includes("\r")) return "contains a line break (it would split the line)";
  if (value.includes("\0")) return "contains a NUL character";
  // python-dotenv reads `\\` and `\'` inside single quotes as escapes, and a trailing `\` makes it swallow
  // the following lines: the value would not read back as written.
  if (value.includes("\\")) return "contains a backslash (python-dotenv treats it as an escape inside quotes)";
  // python-dotenv's load_dotenv() expands ${NAME} even inside single quotes.
  if (value.includes("${")) return "contains \"${\" (python-dotenv would expand it as a variable)";
  // eslint-disable-next-line no-control-regex
  if (/[\x01-\x08\x0B\x0C\x0E-\x1F\x7F]/.test(value)) return "contains a control character";
  if (/\p{Cs}/u.test(value)) return "is not valid Unicode (lone surrogate)";
  return null;
}

/** Throws an {@link EnvBlockError} naming the variable when the entry cannot be written safely. */
export function checkEnvEntry(entry: EnvEntry): void {
  if (!NAME_PATTERN.test(entry.name)) {
    throw new EnvBlockError("invalid_name", `Refusing to write variable name ${JSON.stringify(entry.name)}: names must match ^[A-Za-z_][A-Za-z0-9_]*$`, entry.name);
  }
  const problem = valueProblem(entry.value);
  if (problem) throw new EnvBlockError("invalid_value", `Refusing to write ${entry.name}: its value ${problem}`, entry.name);
}

export function checkEnvEntries(entries: readonly EnvEntry[]): void {
  const seen = new Set<string>();
  for (const entry of entries) {
    checkEnvEntry(entry);
    if (seen.has(entry.name)) throw new EnvBlockError("duplicate_name", `Refusing to write ${entry.name} twice in the service connector block`, entry.name);
    seen.add(entry.name);
  }
}

/** One line of the file, as offsets into the latin1 text. `end` includes the terminator. */
export interface Line {
  start: number;
  end: number;
  /** The line without its terminator. */
  content: string;
  eol: "" | "\n" | "\r\n";
}

export interface ParsedEnvFile {
  /** The file as latin1: one char per byte. */
  text: string;
  /** Length of the UTF-8 byte order mark at the start (0 or 3); it stays outside every line. */
  bomLength: number;
  lines: Line[];
  /** Indexes into `lines` of the START and END markers, when the file has a block. */
  block: { startLine: number; endLine: number } | null;
}

function bytesToText(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1");
}

function textToBytes(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, "latin1"));
}

/** A UTF-8 string as the latin1 text of its bytes, to splice into the file's text. */
function utf8AsText(value: string): string {
  return Buffer.from(value, "utf8").toString("latin1");
}

function splitLines(text: string, from: number): Line[] {
  const lines: Line[] = [];
  let start = from;
  while (start < text.length) {
    const newline = text.indexOf("\n", start);
    if (newline === -1) {
      lines.push({ start, end: text.length, content: text.slice(start), eol: "" });
      break;
    }
    const crlf = newline > start && text[newline - 1] === "\r";
    lines.push({ start, end: newline + 1, content: text.slice(start, crlf ? newline - 1 : newline), eol: crlf ? "\r\n" : "\n" });
    start = newline + 1;
  }
  return lines;
}

/** A marker line: the marker itself, trailing spaces or tabs tolerated. */
function isMarker(content: string, marker: string): boolean {
  return content.startsWith(marker) && /^[ \t]*$/.test(content.slice(marker.length));
}

/** Splits the file into lines and locates the block; a malformed block is an {@link EnvBlockError}. */
export function parseEnvFile(bytes: Uint8Array): ParsedEnvFile {
  if (bytes.includes(0)) {
    throw new EnvBlockError("not_text", "The .env file contains NUL bytes: it is not a UTF-8 text file, refusing to edit it");
  }
  const text = bytesToText(bytes);
  const bomLength = text.startsWith(BOM) ? BOM.length : 0;
  const lines = splitLines(text, bomLength);
  const starts: number[] = [];
  const ends: number[] = [];
  lines.forEach((line, index) => {
    if (isMarker(line.content, START_MARKER)) starts.push(index);
    else if (isMarker(line.content, END_MARKER)) ends.push(index);
  });
  const lineNo = (index: number) => index + 1;
  if (starts.length === 0 && ends.length === 0) return { text, bomLength, lines, block: null };
  if (starts.length > 1) {
    throw new EnvBlockError("malformed_block", `The .env file has ${starts.length} service connector START markers (lines ${starts.map(lineNo).join(", ")}); keep one block and run sync again`);
  }
  if (ends.length > 1) {
    throw new EnvBlockError("malformed_block", `The .env file has ${ends.length} service connector END markers (lines ${ends.map(lineNo).join(", ")}); keep one block and run sync again`);
  }
  const [startLine] = starts;
  const [endLine] = ends;
  if (startLine === undefined) {
    throw new EnvBlockError("malformed_block", `The .env file has a service connector END marker (line ${lineNo(endLine!)}) without a START marker`);
  }
  if (endLine === undefined) {
    throw new EnvBlockError("malformed_block", `The .env file has a service connector START marker (line ${lineNo(startLine)}) without an END marker`);
  }
  if (endLine < startLine) {
    throw new EnvBlockError("malformed_block", `The .env file's service connector END marker (line ${lineNo(endLine)}) comes before its START marker (line ${lineNo(startLine)})`);
  }
  return { text, bomLength, lines, block: { startLine, endLine } };
}

/**
 * The line terminator the block uses: the one most lines outside the block end with (LF on a tie or when
 * none has a terminator). It depends only on bytes the merge keeps, so merging again, or removing the
 * block and merging again, picks the same one.
 */
function blockEol(parsed: ParsedEnvFile): "\n" | "\r\n" {
  const { lines, block } = parsed;
  let crlf = 0;
  let lf = 0;
  lines.forEach((line, index) => {
    if (block && index >= block.startLine && index <= block.endLine) return;
    if (line.eol === "\r\n") crlf++;
    else if (line.eol === "\n") lf++;
  });
  return crlf > lf ? "\r\n" : "\n";
}

/** The block's text (UTF-8 bytes as latin1), terminator on every line, or "" when there is nothing to write. */
function renderBlock(entries: readonly EnvEntry[], eol: string): string {
  if (entries.length === 0) return "";
  const lines = [START_MARKER, BLOCK_NOTE, ...entries.map((entry) => `${entry.name}='${entry.value}'`), END_MARKER];
  return utf8AsText(lines.map((line) => line + eol).join(""));
}

export interface ShadowedName {
  name: string;
  /** 1-based line of the later definition, outside the block. */
  line: number;
}

export interface MergeResult {
  bytes: Uint8Array;
  /** The bytes differ from the input. */
  changed: boolean;
  /** The input had a block (replaced or removed in place). */
  hadBlock: boolean;
  /** Names of the block defined again after it, outside it: dotenv readers and shells keep that later value. */
  shadowed: ShadowedName[];
}

const ASSIGNMENT = /^[ \t]*(?:export[ \t]+)?([A-Za-z_][A-Za-z0-9_.-]*)[ \t]*=/;

/**
 * Writes `entries` into the file's service connector block: replaced in place when there is one,
 * appended at the end otherwise (after a line break only when the file does not end with one), removed
 * with its markers and its own line terminators when `entries` is empty. `file` null means "no file".
 * Throws {@link EnvBlockError} (nothing to write) for a refused entry or a malformed block.
 */
export function mergeEnvBlock(file: Uint8Array | null, entries: readonly EnvEntry[]): MergeResult {
  checkEnvEntries(entries);
  const parsed = parseEnvFile(file ?? new Uint8Array());
  const { text, lines, block, bomLength } = parsed;
  const rendered = renderBlock(entries, blockEol(parsed));
  let result: string;
  if (block) {
    result = text.slice(0, lines[block.startLine]!.start) + rendered + text.slice(lines[block.endLine]!.end);
  } else if (rendered === "") {
    result = text;
  } else {
    const needsBreak = text.length > bomLength && !text.endsWith("\n");
    result = text + (needsBreak ? blockEol(parsed) : "") + rendered;
  }
  const bytes = textToBytes(result);
  return { bytes, changed: result !== text, hadBlock: block !== null, shadowed: shadowedNames(parseEnvFile(bytes), entries) };
}

function shadowedNames(merged: ParsedEnvFile, entries: readonly EnvEntry[]): ShadowedName[] {
  if (!merged.block) return [];
  const names = new Set(entries.map((entry) => entry.name));
  const shadowed: ShadowedName[] = [];
  for (let index = merged.block.endLine + 1; index < merged.lines.length; index++) {
    const name = ASSIGNMENT.exec(merged.lines[index]!.content)?.[1];
    if (name !== undefined && names.has(name)) shadowed.push({ name, line: index + 1 });
  }
  return shadowed;
}

/** The block's lines of a parsed file (without terminators), empty when it has none. */
export function blockLines(parsed: ParsedEnvFile): string[] {
  if (!parsed.block) return [];
  return parsed.lines.slice(parsed.block.startLine, parsed.block.endLine + 1).map((line) => Buffer.from(line.content, "latin1").toString("utf8"));
}
