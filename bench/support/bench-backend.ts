/**
 * The backend in this process for the backend benches: started and stopped as often as a bench needs
 * (embedded local store or S3 through the query cache) on the same databases, plus a small client for
 * sign-up, membership and `POST /api/workspaces/:id/query`.
 */
import { Writable } from "node:stream";
import { loadConfig } from "../../apps/backend/src/config.js";
import type { Databases } from "../../apps/backend/src/db/databases.js";
import { buildServer } from "../../apps/backend/src/server.js";
import { freePort } from "../../apps/backend/test/support/runs-connect-harness.js";

export interface RunningBackend {
  url: string;
  close(): Promise<void>;
  /** The backend's last log lines (warn and above), for a failure's message. */
  logTail(): string;
}

export interface BenchUser {
  id: string;
  email: string;
  cookie: string;
}

export interface QueryReply {
  status: number;
  ms: number;
  body: {
    query_id?: string;
    columns?: Array<{ name: string; type: string }>;
    rows?: unknown[][];
    row_count?: number;
    truncated?: boolean;
    elapsed_ms?: number;
    error?: { code: string; message: string };
  };
}

const secrets = {
  BETTER_AUTH_SECRET: "bench-query-secret-bench-query-secret-0123456789",
  DATASOURCES_ENCRYPTION_KEY: "c".repeat(64),
  CONNECT_SERVICE_TOKEN: "bench-query-connect-token",
};

/** Builds and starts a backend on a free port with `environment` on top of the bench's fixed secrets. */
export async function startBackend(databases: Databases, environment: Record<string, string>): Promise<RunningBackend> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const lines: string[] = [];
  const logStream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(...chunk.toString("utf8").trimEnd().split("\n"));
      if (lines.length > 40) lines.splice(0, lines.length - 40);
      callback();
    },
  });
  const config = loadConfig({
    ...secrets,
    PORT: String(port),
    LOG_LEVEL: "warn",
    BETTER_AUTH_URL: url,
    // Nothing dispatches runs here; a long poll keeps the job queue quiet.
    BACKEND_JOB_POLL_SECONDS: "30",
    ...environment,
  });
  const server = await buildServer(config, databases, { logStream });
  await server.listen({ host: "127.0.0.1", port });
  return { url, close: () => server.close(), logTail: () => lines.join("\n") };
}

async function post(
  backend: RunningBackend,
  path: string,
  body: unknown,
  cookie?: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }> {
  const response = await fetch(`${backend.url}${path}`, {
    method: "POST",
    headers: { origin: backend.url, "content-type": "application/json", ...(cookie ? { cookie } : {}), ...headers },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: Record<string, unknown> = {};
  try {
    parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    parsed = { text };
  }
  return { status: response.status, headers: response.headers, body: parsed };
}

let signUps = 0;

/**
 * Signs a user up. Each comes from its own address (x-forwarded-for): sign-ups are limited to 5 a minute
 * per client address, and 16 users from one loopback address would wait minutes.
 */
export async function signUp(backend: RunningBackend, name: string): Promise<BenchUser> {
  const email = `${name}@bench.example`;
  signUps += 1;
  const address = `10.77.${Math.floor(signUps / 250)}.${(signUps % 250) + 1}`;
  const answer = await post(backend, "/api/auth/sign-up/email", { email, password: "correct horse battery", name }, undefined, { "x-forwarded-for": address });
  if (answer.status !== 200) throw new Error(`sign-up of ${email}: ${answer.status} ${JSON.stringify(answer.body)}`);
  const cookie = answer.headers
    .getSetCookie()
    .map((value) => value.split(";", 1)[0])
    .join("; ");
  return { id: (answer.body.user as { id: string }).id, email, cookie };
}

export async function createWorkspace(backend: RunningBackend, owner: BenchUser, name: string): Promise<string> {
  const answer = await post(backend, "/api/workspaces", { name }, owner.cookie);
  if (answer.status !== 201 && answer.status !== 200) throw new Error(`workspace: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body.id as string;
}

/** Invites `member` as an analyst and accepts the invitation with the member's session. */
export async function addAnalyst(backend: RunningBackend, workspaceId: string, owner: BenchUser, member: BenchUser): Promise<void> {
  const invitation = await post(backend, `/api/workspaces/${workspaceId}/invitations`, { email: member.email, role: "analyst" }, owner.cookie);
  if (invitation.status !== 201 && invitation.status !== 200) throw new Error(`invitation: ${invitation.status} ${JSON.stringify(invitation.body)}`);
  const accepted = await post(backend, "/api/invitations/accept", { token: invitation.body.token }, member.cookie);
  if (accepted.status !== 200) throw new Error(`accepting the invitation: ${accepted.status} ${JSON.stringify(accepted.body)}`);
}

/** One query through the API, JSON format, the answer read and parsed in full; `ms` is the client's wall time. */
export async function apiQuery(backend: RunningBackend, workspaceId: string, user: BenchUser, sql: string): Promise<QueryReply> {
  const started = performance.now();
  const answer = await post(backend, `/api/workspaces/${workspaceId}/query`, { sql, format: "json" }, user.cookie);
  return { status: answer.status, ms: performance.now() - started, body: answer.body as QueryReply["body"] };
}
