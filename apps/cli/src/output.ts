/** How a command answers: one JSON document on stdout under `--json`, text for a person otherwise. */
import type { Io } from "./io.js";

export interface Context {
  io: Io;
  json: boolean;
}

export function printResult(ctx: Context, human: string, json: unknown): void {
  if (ctx.json) ctx.io.stdout(`${JSON.stringify(json, null, 2)}\n`);
  else ctx.io.stdout(human.endsWith("\n") || human === "" ? human : `${human}\n`);
}

/** A remark for a person (a warning, a progress line): stderr, and never under `--json` where the document says it. */
export function note(ctx: Context, text: string): void {
  if (!ctx.json) ctx.io.stderr(`${text}\n`);
}

/** Left-aligned columns. */
export function table(rows: string[][]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, index) => (widths[index] = Math.max(widths[index] ?? 0, cell.length)));
  return rows.map((row) => row.map((cell, index) => (index === row.length - 1 ? cell : cell.padEnd(widths[index]!))).join("  ")).join("\n");
}

/** The date part of an ISO timestamp, for tables. */
export function day(iso: string | null): string {
  return iso ? iso.slice(0, 10) : "-";
}
