import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { loadConfig as loadConnectConfig } from "@tributary/connect/src/config.js";
import { buildServer as buildConnectServer } from "@tributary/connect/src/server.js";
import { call, type RunningBackend, type TestUser } from "./backend-harness.js";

/** The environment every runs test gives the backend (on top of connect's URL, token and folder). */
export const runsBackendEnv = { BACKEND_JOB_POLL_SECONDS: "1", CONNECT_BUCKET_PREFIX: "tributary/" } as const;

export { freePort, startReplica } from "./backend-harness.js";

/** The same signed-in user (same session cookie) calling another replica. */
export function userOn(user: TestUser, backend: RunningBackend): TestUser {
  return { ...user, call: (path, init = {}) => call(backend, path, { ...init, headers: { cookie: user.cookie, ...init.headers } }) };
}

/** connect alone, on a given port (the test decides when connect "comes back"), over a given storage folder. */
export async function startConnectOn(port: number, env: { token: string; localStorageDirectory: string }): Promise<{ close(): Promise<void> }> {
  const scratch = mkdtempSync(join(tmpdir(), "tributary-connect-spool-"));
  const config = loadConnectConfig({
    CONNECT_SERVICE_TOKEN: env.token,
    LOG_LEVEL: "warn",
    CONNECT_LOCAL_STORAGE_DIR: env.localStorageDirectory,
    CONNECT_SPOOL_DIR: scratch,
  });
  const app = await buildConnectServer({ ...config, validateDeadlineMs: 5_000 }, { logStream: new Writable({ write: (_chunk, _encoding, callback) => callback() }) });
  await app.listen({ host: "127.0.0.1", port });
  return {
    close: async () => {
      app.server.closeAllConnections();
      await app.close();
    },
  };
}

/** Polls `probe` until `done` holds, or fails after `timeoutMs` with the last value seen. No fixed sleeps. */
export async function pollUntil<T>(probe: () => Promise<T>, done: (value: T) => boolean, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    last = await probe();
    if (done(last)) return last;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last value: ${JSON.stringify(last)?.slice(0, 2000)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export const terminalStatuses = ["succeeded", "partially_succeeded", "failed", "cancelled"];

/** GET a run until it has ended. */
export async function runUntilFinished(user: TestUser, workspaceId: string, runId: string, timeoutMs = 30_000) {
  const response = await pollUntil(
    () => user.call(`/api/workspaces/${workspaceId}/runs/${runId}`),
    (answer) => answer.status !== 200 || terminalStatuses.includes(answer.body.status),
    `run ${runId} to end`,
    timeoutMs,
  );
  if (response.status !== 200) throw new Error(`GET run answered ${response.status}: ${JSON.stringify(response.body)}`);
  return response.body;
}

/** A GitHub data source created through the API (connect validates the demo token against the simulator). */
export async function createGithubSource(user: TestUser, workspaceId: string, github: { credentials: Record<string, string>; config: Record<string, unknown> }, name = "GitHub") {
  const created = await user.call(`/api/workspaces/${workspaceId}/data-sources`, {
    body: { connector: "github", name, credentials: github.credentials, config: github.config },
  });
  if (created.status !== 201) throw new Error(`data source creation answered ${created.status}: ${JSON.stringify(created.body)}`);
  return created.body as { id: string };
}

/** The GitHub simulator's small seeded dataset used by the runs tests: every stream, a few pages each. */
export const smallGithubDataset = {
  seed: 5,
  repositories: 2,
  issuesPerRepository: 12,
  pullRequestsPerRepository: 4,
  commentsPerIssue: 1,
  reviewsPerPullRequest: 1,
  commitsPerRepository: 6,
  releasesPerRepository: 2,
  members: 3,
  maxPerPage: 10,
};
