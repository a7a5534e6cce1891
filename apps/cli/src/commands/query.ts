/** `query <sql>`: SQL over the workspace's mirror, through the backend's query API. */
import { BackendClient, errorFromResponse } from "../api.js";
import { requireSession } from "../config.js";
import { CliError, usageError } from "../errors.js";
import { type Context, printResult, table } from "../output.js";

export interface QueryOptions {
  workspace?: string;
  format?: string;
  params?: string;
  limit?: string;
}

interface QueryAnswer {
  columns: Array<{ name: string; type: string }>;
  rows: unknown[][];
  row_count: number;
  truncated: boolean;
  elapsed_ms: number;
  error?: { code: string; message: string };
}

const formats = ["table", "csv", "ndjson"] as const;

/** The workspace: --workspace, else TRIBUTARY_WORKSPACE, else the caller's only workspace. */
async function workspaceOf(ctx: Context, client: BackendClient, option: string | undefined): Promise<string> {
  const chosen = option ?? ctx.io.env.TRIBUTARY_WORKSPACE;
  if (chosen) return chosen;
  const answer = await client.request("GET", "/api/workspaces?limit=2");
  if (answer.status !== 200) throw errorFromResponse("GET", "/api/workspaces", answer);
  const items = (answer.body as { items?: Array<{ id: string }> }).items ?? [];
  if (items.length === 1) return items[0]!.id;
  throw usageError(items.length === 0 ? "You are not a member of any workspace" : "You are in several workspaces: say which with --workspace <id> (or TRIBUTARY_WORKSPACE)");
}

function parseParams(text: string | undefined): unknown[] | Record<string, unknown> | undefined {
  if (text === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    if (Array.isArray(value) || (typeof value === "object" && value !== null)) return value as unknown[] | Record<string, unknown>;
  } catch {
    // Reported below.
  }
  throw usageError('--params must be a JSON array (for $1, $2…) or object (for $name), e.g. --params \'["open"]\'');
}

function cell(value: unknown): string {
  if (value === null || value === undefined) return "NULL";
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

export async function query(ctx: Context, sql: string, options: QueryOptions): Promise<void> {
  const format = options.format ?? "table";
  if (!(formats as readonly string[]).includes(format)) throw usageError(`--format must be one of ${formats.join(", ")}`);
  const limit = options.limit === undefined ? undefined : Number(options.limit);
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) throw usageError("--limit must be a whole number of rows, at least 1");
  const session = await requireSession(ctx.io);
  const client = new BackendClient(session.url, session.token);
  const workspace = await workspaceOf(ctx, client, options.workspace);
  const path = `/api/workspaces/${encodeURIComponent(workspace)}/query`;
  const params = parseParams(options.params);
  const body = { sql, ...(params === undefined ? {} : { params }), ...(limit === undefined ? {} : { limit }) };

  if (format !== "table" && !ctx.json) {
    const text = await client.text("POST", path, { ...body, format });
    ctx.io.stdout(text);
    return;
  }
  const response = await client.request("POST", path, body);
  if (response.status !== 200) {
    const error = errorFromResponse("POST", path, response);
    const position = (response.body as { error?: { position?: { line: number; column: number } } } | undefined)?.error?.position;
    if (position) error.message = `${error.message} (at line ${position.line}, column ${position.column})`;
    throw error;
  }
  const answer = response.body as QueryAnswer;
  if (answer.error) throw new CliError(answer.error.code, `The query failed after ${answer.row_count} rows: ${answer.error.message}`);
  const summary = `${answer.row_count} row${answer.row_count === 1 ? "" : "s"}${answer.truncated ? " (cut at the limit: raise --limit, or export with --format csv)" : ""}, ${answer.elapsed_ms} ms`;
  const grid = table([answer.columns.map((column) => column.name), ...answer.rows.map((row) => row.map(cell))]);
  printResult(ctx, `${grid}\n${summary}`, answer);
}
