/** The `.env` merge on hand-written cases: exact bytes out, malformed blocks, refusals, the dry-run diff. */
import { describe, expect, it } from "vitest";
import { BLOCK_NOTE, EnvBlockError, mergeEnvBlock } from "../src/env-block.js";
import { redactLine, redactValue, renderEnvDiff } from "../src/env-diff.js";

const START = "# --- SERVICE CONNECTOR START ---";
const END = "# --- SERVICE CONNECTOR END ---";
const encode = (text: string) => new TextEncoder().encode(text);
const decode = (bytes: Uint8Array) => new TextDecoder("utf-8", { ignoreBOM: true }).decode(bytes);
const merge = (text: string | null, entries: { name: string; value: string }[]) => decode(mergeEnvBlock(text === null ? null : encode(text), entries).bytes);
const PO = [
  { name: "PO_API_KEY", value: "po_live_abcdefghijkl" },
  { name: "PO_API_BASE_URL", value: "http://127.0.0.1:4100" },
];
const block = (eol = "\n") => [START, BLOCK_NOTE, "PO_API_KEY='po_live_abcdefghijkl'", "PO_API_BASE_URL='http://127.0.0.1:4100'", END].map((line) => line + eol).join("");

function refusal(text: string | null, entries: { name: string; value: string }[]): EnvBlockError {
  try {
    mergeEnvBlock(text === null ? null : encode(text), entries);
  } catch (error) {
    if (error instanceof EnvBlockError) return error;
    throw error;
  }
  throw new Error("expected a refusal");
}

describe("mergeEnvBlock", () => {
  it("creates the block when there is no file", () => {
    expect(merge(null, PO)).toBe(block());
    expect(mergeEnvBlock(null, []).changed).toBe(false);
    expect(mergeEnvBlock(null, []).bytes.length).toBe(0);
  });

  it("appends after a file ending with a newline, adding none", () => {
    expect(merge("A=1\n# comment\n", PO)).toBe(`A=1\n# comment\n${block()}`);
  });

  it("appends after a file without a final newline, adding one", () => {
    expect(merge("A=1", PO)).toBe(`A=1\n${block()}`);
    expect(merge("A=1\r\nB=2", PO)).toBe(`A=1\r\nB=2\r\n${block("\r\n")}`);
  });

  it("replaces the block in place, keeping the lines around it", () => {
    const before = `# top\nA=1\n\n${START}\nOLD_KEY='x'\n${END}\nB=2\n# bottom`;
    expect(merge(before, PO)).toBe(`# top\nA=1\n\n${block()}B=2\n# bottom`);
  });

  it("writes the block with CRLF in a CRLF file", () => {
    const before = `A=1\r\n${START}\r\nX='1'\r\n${END}\r\nB=2\r\n`;
    expect(merge(before, PO)).toBe(`A=1\r\n${block("\r\n")}B=2\r\n`);
  });

  it("keeps a byte order mark and invalid UTF-8 outside the block", () => {
    const before = new Uint8Array([0xef, 0xbb, 0xbf, 0x41, 0x3d, 0xff, 0xfe, 0x0a]);
    const result = mergeEnvBlock(before, PO).bytes;
    expect(Buffer.from(result.subarray(0, before.length)).equals(Buffer.from(before))).toBe(true);
    expect(decode(result.subarray(before.length))).toBe(block());
  });

  it("a BOM-only file gets the block right after the BOM", () => {
    expect(merge("\uFEFF", PO)).toBe(`\uFEFF${block()}`);
  });

  it("removes the block with its markers and its own terminators only", () => {
    expect(merge(`A=1\n${block()}B=2\n`, [])).toBe("A=1\nB=2\n");
    expect(merge(`A=1\n${block()}`, [])).toBe("A=1\n");
    expect(merge(`A=1\n${START}\n${END}`, [])).toBe("A=1\n");
    // A file that held only the block is left empty (not deleted).
    expect(merge(block(), [])).toBe("");
  });

  it("leaves a file without a block alone when there is nothing to write", () => {
    const result = mergeEnvBlock(encode("A=1"), []);
    expect(result.changed).toBe(false);
    expect(decode(result.bytes)).toBe("A=1");
  });

  it("tolerates trailing blanks on marker lines and terminates a block at the end of the file", () => {
    expect(merge(`A=1\n${START}  \nX='1'\n${END}\t`, PO)).toBe(`A=1\n${block()}`);
  });

  it("reports changed only when bytes differ", () => {
    const once = mergeEnvBlock(encode("A=1\n"), PO);
    expect(once.changed).toBe(true);
    expect(mergeEnvBlock(once.bytes, PO).changed).toBe(false);
  });

  it("refuses malformed blocks", () => {
    expect(refusal(`${START}\nA=1\n`, PO).message).toMatch(/START marker \(line 1\) without an END marker/);
    expect(refusal(`A=1\n${END}\n`, PO).message).toMatch(/END marker \(line 2\) without a START marker/);
    expect(refusal(`${END}\n${START}\n`, PO).message).toMatch(/END marker \(line 1\) comes before its START marker \(line 2\)/);
    expect(refusal(`${START}\n${START}\n${END}\n`, PO).message).toMatch(/2 service connector START markers \(lines 1, 2\)/);
    expect(refusal(`${START}\n${END}\n${START}\n${END}\n`, []).code).toBe("malformed_block");
    expect(refusal(`${START}\n${END}\n${END}\n`, []).code).toBe("malformed_block");
  });

  it("refuses a file with NUL bytes", () => {
    expect(refusal("A=1\0\n", PO).code).toBe("not_text");
  });

  it("refuses bad names, duplicate names and unsafe values, naming the variable", () => {
    expect(refusal(null, [{ name: "1ABC", value: "x" }]).code).toBe("invalid_name");
    expect(refusal(null, [{ name: "A-B", value: "x" }]).code).toBe("invalid_name");
    expect(refusal(null, [{ name: "", value: "x" }]).code).toBe("invalid_name");
    expect(refusal(null, [...PO, { name: "PO_API_KEY", value: "y" }]).code).toBe("duplicate_name");
    for (const value of ["it's", "a\nb", "a\rb", "a\0b", "C:\\path", "${HOME}", "\x1b[31m", "\uD800"]) {
      const error = refusal(null, [{ name: "SECRET_VALUE", value }]);
      expect(error.code).toBe("invalid_value");
      expect(error.variable).toBe("SECRET_VALUE");
      expect(error.message).toContain("SECRET_VALUE");
    }
  });

  it("reports names the file sets again after the block", () => {
    const result = mergeEnvBlock(encode(`PO_API_KEY=before\n${START}\n${END}\nexport PO_API_KEY=override\nOTHER=1\n`), PO);
    expect(result.shadowed).toEqual([{ name: "PO_API_KEY", line: 7 }]);
  });
});

describe("dry-run diff", () => {
  it("redacts values to a short hint", () => {
    expect(redactValue("po_live_abcdefghijkl")).toBe("po_l…");
    expect(redactValue("short")).toBe("…");
    expect(redactLine("PO_API_KEY='po_live_abcdefghijkl'")).toBe("PO_API_KEY='po_l…'");
    expect(redactLine("export TOKEN=\"abcdefghijklmnop\"")).toBe("TOKEN='abcd…'");
    expect(redactLine("# some note with a secret")).toBe("# (comment hidden)");
    expect(redactLine("garbage secret")).toBe("(line hidden)");
    expect(redactLine(START)).toBe(START);
  });

  it("shows the block's changes, never a value or a line outside the block", () => {
    const before = encode(`OWN_SECRET=hunter2-hunter2\n${START}\n${BLOCK_NOTE}\nPO_API_KEY='po_live_oldoldoldold'\nGONE='gone_value_123456'\n${END}\n`);
    const after = mergeEnvBlock(before, PO).bytes;
    const diff = renderEnvDiff("/p/.env", before, after);
    expect(diff).toBe(
      [
        "--- /p/.env",
        "+++ /p/.env",
        "@@ -2,5 +2,5 @@",
        ` ${START}`,
        ` ${BLOCK_NOTE}`,
        "-PO_API_KEY='po_l…'",
        "-GONE='gone…'",
        "+PO_API_KEY='po_l…'",
        "+PO_API_BASE_URL='http…'",
        ` ${END}`,
        "",
      ].join("\n"),
    );
    for (const secret of ["hunter2", "OWN_SECRET", "oldold", "gone_value", "abcdefghijkl", "127.0.0.1"]) expect(diff).not.toContain(secret);
  });

  it("shows a new file, an appended block, a removal, and nothing for no change", () => {
    expect(renderEnvDiff("/p/.env", null, mergeEnvBlock(null, PO).bytes)).toMatch(/^--- \/dev\/null\n\+\+\+ \/p\/\.env\n@@ -0,0 \+1,5 @@\n\+# --- SERVICE/);
    const appended = renderEnvDiff("/p/.env", encode("A=1"), mergeEnvBlock(encode("A=1"), PO).bytes);
    expect(appended).toContain("@@ -1,0 +2,5 @@");
    expect(appended).toContain("a line break is added");
    const withBlock = mergeEnvBlock(encode("A=1\n"), PO).bytes;
    expect(renderEnvDiff("/p/.env", withBlock, mergeEnvBlock(withBlock, []).bytes)).toContain("@@ -2,5 +1,0 @@");
    expect(renderEnvDiff("/p/.env", withBlock, withBlock)).toBe("");
  });
});
