/**
 * `tributary query` against the real backend (in this process, fresh databases): SQL needing no
 * mirrored data (the mirror's views are covered by the backend's own tests), table, JSON and CSV output,
 * and an SQL error with its position.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signUp, startBackend, type RunningBackend } from "../../backend/test/support/backend-harness.js";
import { cli, tempDir } from "./support/test-io.js";

let backend: RunningBackend;
let work: { path: string; remove: () => Promise<void> };
let env: Record<string, string>;
let workspaceId: string;

beforeAll(async () => {
  backend = await startBackend();
  work = await tempDir();
  const user = await signUp(backend, "querier");
  workspaceId = (await user.call("/api/workspaces", { body: { name: "Q" } })).body.id as string;
  const token = await user.call("/api/access-tokens", { body: { name: "cli" } });
  env = { TRIBUTARY_URL: backend.url, TRIBUTARY_TOKEN: token.body.token as string, TRIBUTARY_CONFIG_DIR: work.path };
}, 60_000);

afterAll(async () => {
  await backend?.close();
  await work?.remove();
});

describe("tributary query", () => {
  it("prints a table, using the caller's only workspace", async () => {
    const result = await cli(["query", "SELECT 42 AS answer, 'forty two' AS words"], { cwd: work.path, env });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe("answer  words\n42      forty two\n1 row, " + /\d+ ms/.exec(result.stdout)![0] + "\n");
  });

  it("answers JSON with --json, binds --params, and exports CSV", async () => {
    const json = await cli(["query", "SELECT range * $1 AS n FROM range(3)", "--params", "[2]", "--workspace", workspaceId, "--json"], { cwd: work.path, env });
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ columns: [{ name: "n" }], rows: [[0], [2], [4]], row_count: 3, truncated: false });
    const csv = await cli(["query", "SELECT range AS n FROM range(2)", "--format", "csv"], { cwd: work.path, env });
    expect(csv.stdout).toBe("n\r\n0\r\n1\r\n");
  });

  it("reports an SQL error with its line and column, exit 1; a refused statement likewise", async () => {
    const result = await cli(["query", "SELECT 1,\n  nope"], { cwd: work.path, env });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("nope");
    expect(result.stderr).toContain("(at line 2, column 3)");
    const refused = await cli(["query", "COPY (SELECT 1) TO '/tmp/x.csv'", "--json"], { cwd: work.path, env });
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.stdout).error.code).toBe("invalid_query");
    const usage = await cli(["query", "SELECT 1", "--format", "xlsx"], { cwd: work.path, env });
    expect(usage.code).toBe(2);
  });
});
