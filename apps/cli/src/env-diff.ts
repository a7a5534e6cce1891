/**
 * What `sync --dry-run` shows of a `.env` change: a unified-style diff of the service connector block,
 * values redacted to a short hint. Lines outside the block are never printed (they may hold the user's
 * own secrets); the diff is computed on the real values, so a rotated key shows as changed even when the
 * hints look alike. Pure: bytes in, text out.
 */
import { BLOCK_NOTE, END_MARKER, START_MARKER, blockLines, parseEnvFile } from "./env-block.js";

/** `po_l…` for a value long enough that four characters give nothing away, `…` otherwise. */
export function redactValue(value: string): string {
  const chars = Array.from(value);
  return chars.length >= 12 ? `${chars.slice(0, 4).join("")}…` : "…";
}

const ASSIGNMENT = /^[ \t]*(?:export[ \t]+)?([A-Za-z_][A-Za-z0-9_.-]*)[ \t]*=[ \t]*(.*)$/;

/** A block line fit to print: markers and our note as they are, assignments as `NAME='hint'`, nothing else. */
export function redactLine(line: string): string {
  const trimmed = line.trimEnd();
  if (trimmed === START_MARKER || trimmed === END_MARKER || trimmed === BLOCK_NOTE) return trimmed;
  const assignment = ASSIGNMENT.exec(line);
  if (assignment) {
    const raw = assignment[2]!.trim();
    const unquoted = /^(['"]).*\1$/.test(raw) ? raw.slice(1, -1) : raw;
    return `${assignment[1]}='${redactValue(unquoted)}'`;
  }
  return line.trimStart().startsWith("#") ? "# (comment hidden)" : "(line hidden)";
}

type DiffOp = { op: " " | "-" | "+"; line: string };

/** Line diff by longest common subsequence; blocks are a few lines long. */
function diffLines(before: string[], after: string[]): DiffOp[] {
  const rows = before.length;
  const cols = after.length;
  const lcs: number[][] = Array.from({ length: rows + 1 }, () => new Array<number>(cols + 1).fill(0));
  for (let i = rows - 1; i >= 0; i--) {
    for (let j = cols - 1; j >= 0; j--) {
      lcs[i]![j] = before[i] === after[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    }
  }
  const ops: DiffOp[] = [];
  let i = 0;
  let j = 0;
  while (i < rows || j < cols) {
    if (i < rows && j < cols && before[i] === after[j]) {
      ops.push({ op: " ", line: before[i]! });
      i++;
      j++;
    } else if (i < rows && (j === cols || lcs[i + 1]![j]! >= lcs[i]![j + 1]!)) {
      ops.push({ op: "-", line: before[i]! });
      i++;
    } else {
      ops.push({ op: "+", line: after[j]! });
      j++;
    }
  }
  return ops;
}

/**
 * The diff between the `.env` as it is (`before`, null when absent) and as sync would write it, or ""
 * when nothing changes. Both must parse (the merge already checked them).
 */
export function renderEnvDiff(path: string, before: Uint8Array | null, after: Uint8Array): string {
  const old = parseEnvFile(before ?? new Uint8Array());
  const next = parseEnvFile(after);
  const oldBlock = blockLines(old);
  const newBlock = blockLines(next);
  const ops = diffLines(oldBlock, newBlock);
  const oldText = old.text;
  if (oldText === next.text) return "";
  const terminatorAdded = !old.block && next.block !== null && oldText.length > old.bomLength && !oldText.endsWith("\n");
  const onlyTerminators = ops.every((entry) => entry.op === " ") && !terminatorAdded;

  // Hunk positions, 1-based; an empty side names the line it follows, as unified diffs do.
  const oldStart = old.block ? old.block.startLine + 1 : old.lines.length;
  const newStart = next.block ? next.block.startLine + 1 : old.block ? old.block.startLine : old.lines.length;
  const out = [
    `--- ${before === null ? "/dev/null" : path}`,
    `+++ ${path}`,
    `@@ -${oldStart},${oldBlock.length} +${newStart},${newBlock.length} @@`,
    ...ops.map((entry) => `${entry.op}${redactLine(entry.line)}`),
  ];
  if (terminatorAdded) out.push("# (a line break is added after the file's last line, which has none)");
  if (onlyTerminators) out.push("# (only the block's line terminators change)");
  return `${out.join("\n")}\n`;
}
