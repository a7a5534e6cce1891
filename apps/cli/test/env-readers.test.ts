/**
 * Written values against the real readers: a POSIX shell sourcing the file (nothing runs, every value
 * comes back as written) and python-dotenv's load_dotenv() (every value comes back as written). Hostile
 * but allowed values, plus a few hundred random ones.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type EnvEntry, mergeEnvBlock, valueProblem } from "../src/env-block.js";
import { tempDir } from "./support/test-io.js";

let dir: { path: string; remove: () => Promise<void> };
beforeEach(async () => {
  dir = await tempDir();
});
afterEach(async () => {
  await dir.remove();
});

function hostileValues(sentinel: string): string[] {
  return [
    `$(touch ${sentinel})`,
    `\`touch ${sentinel}\``,
    `x; touch ${sentinel}`,
    `x && touch ${sentinel}`,
    `x || touch ${sentinel}`,
    `x | touch ${sentinel}`,
    `x > ${sentinel}`,
    `$(( 6 * 7 ))`,
    "$HOME",
    "$1 $@ $? $$ $!",
    "with spaces\tand a tab",
    "#not a comment",
    "value # not a comment either",
    '"double quoted"',
    "* ? [a-z] ~",
    "{a,b}",
    "!history",
    "=leading=equals=",
    "-n",
    "%s%n%d",
    "  padded  ",
    "",
    "é ünïcødé 日本語 🚀",
    "po_live_Zm9vYmFy+/=",
    "http://127.0.0.1:4100/api?x=1&y=2",
  ];
}

const randomValues = fc.sample(
  fc
    .string({ maxLength: 30, unit: "binary" })
    // eslint-disable-next-line no-control-regex
    .map((value) => value.replace(/[\r\n\0\x01-\x08\x0B\x0C\x0E-\x1F\x7F]|\p{Cs}/gu, ""))
    .filter((value) => valueProblem(value) === null),
  300,
);

async function writeEnvFile(entries: EnvEntry[]): Promise<string> {
  const path = join(dir.path, ".env");
  const existing = new TextEncoder().encode("# my own settings\nFOO=bar\nexport DEBUG=1\n");
  await writeFile(path, mergeEnvBlock(existing, entries).bytes);
  return path;
}

function entriesFor(values: string[]): EnvEntry[] {
  return values.map((value, index) => ({ name: `V_${index}`, value }));
}

describe("written values and real readers", () => {
  it("a POSIX shell sourcing the file runs nothing and reads every value back", async () => {
    const sentinel = join(dir.path, "pwned");
    const values = [...hostileValues(sentinel), ...randomValues];
    const entries = entriesFor(values);
    await writeEnvFile(entries);
    const names = entries.map((entry) => `"$${entry.name}"`).join(" ");
    const output = execFileSync("sh", ["-c", `. ./.env; printf '%s\\0' ${names}`], { cwd: dir.path, env: { PATH: process.env.PATH, HOME: "/nonexistent-home" } });
    expect(existsSync(sentinel)).toBe(false);
    const read = output.toString("utf8").split("\0").slice(0, -1);
    expect(read).toEqual(values);
  });

  it("python-dotenv's load_dotenv() reads every value back", async () => {
    const values = [...hostileValues("/tmp/never-created"), ...randomValues];
    const entries = entriesFor(values);
    const path = await writeEnvFile(entries);
    const script = [
      "import json, os, sys",
      "from dotenv import load_dotenv",
      "load_dotenv(sys.argv[1], override=True)",
      "print(json.dumps({name: os.environ.get(name) for name in sys.argv[2:]}))",
    ].join("\n");
    const output = execFileSync("python3", ["-c", script, path, ...entries.map((entry) => entry.name)]);
    expect(JSON.parse(output.toString("utf8"))).toEqual(Object.fromEntries(entries.map((entry) => [entry.name, entry.value])));
  });
});
