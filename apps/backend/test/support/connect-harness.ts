import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import {
  githubDemoConfig,
  githubDemoCredentials,
  slackDemoConfig,
  slackDemoCredentials,
  startGithubSimulator,
  startSlackSimulator,
  type GithubSimulatorOptions,
  type RunningGithubSimulator,
  type SlackSimulator,
  type SlackSimulatorOptions,
} from "@tributary/simulators";
import { loadConfig as loadConnectConfig } from "@tributary/connect/src/config.js";
import { buildServer as buildConnectServer } from "@tributary/connect/src/server.js";

export interface ConnectWithSimulatorsOptions {
  /** connect's service token (default: a fixed test token). */
  token?: string;
  /** connect's total deadline for one credential check, provider retries included (default 5 s). */
  validateDeadlineMs?: number;
  /** Extra connect environment (CONNECT_* variables). */
  connectEnvironment?: Record<string, string>;
  github?: GithubSimulatorOptions;
  slack?: SlackSimulatorOptions;
}

/**
 * A provider's simulator, plus the demo credentials it accepts for every stream and the connector config
 * pointing at it (`api_base_url`): what a data source body needs.
 */
export type DemoSimulator<S> = S & { credentials: Record<string, string>; config: Record<string, unknown> };

export interface ConnectWithSimulators {
  connectUrl: string;
  connectToken: string;
  /** The folder behind connect's `storage.kind = "local"` targets (the embedded object store). */
  localStorageDirectory: string;
  github: DemoSimulator<RunningGithubSimulator>;
  slack: DemoSimulator<SlackSimulator>;
  /** What `startBackend(env)` needs to reach this connect and read what it writes. */
  env: { CONNECT_SERVICE_URL: string; CONNECT_SERVICE_TOKEN: string; CONNECT_LOCAL_STORAGE_DIR: string };
  /** Every log line connect wrote so far, for secret scans. */
  connectLogs: string[];
  close(): Promise<void>;
}

/**
 * The real connect service in this process (its own server, on a free loopback port, over HTTP) with
 * the GitHub and Slack simulators behind it, for backend tests that validate credentials or run
 * ingestions. Storage and spool go to a temporary folder removed by `close()`.
 */
export async function startConnectWithSimulators(options: ConnectWithSimulatorsOptions = {}): Promise<ConnectWithSimulators> {
  const token = options.token ?? "backend-test-connect-token-0123456789";
  const scratch = mkdtempSync(join(tmpdir(), "tributary-backend-connect-"));
  const localStorageDirectory = join(scratch, "object-store");
  const connectLogs: string[] = [];
  const logStream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      connectLogs.push(...chunk.toString("utf8").split("\n").filter(Boolean));
      callback();
    },
  });
  const closers: Array<() => Promise<void>> = [async () => rmSync(scratch, { recursive: true, force: true })];
  const close = async () => {
    for (const closer of closers.splice(0).reverse()) await closer().catch(() => undefined);
  };
  try {
    const github = await startGithubSimulator(options.github);
    closers.push(() => github.close());
    const slack = await startSlackSimulator(options.slack);
    closers.push(() => slack.close());
    const config = loadConnectConfig({
      CONNECT_SERVICE_TOKEN: token,
      LOG_LEVEL: "info",
      CONNECT_LOCAL_STORAGE_DIR: localStorageDirectory,
      CONNECT_SPOOL_DIR: join(scratch, "spool"),
      ...options.connectEnvironment,
    });
    const app = await buildConnectServer({ ...config, validateDeadlineMs: options.validateDeadlineMs ?? 5_000 }, { logStream });
    const connectUrl = await app.listen({ host: "127.0.0.1", port: 0 });
    closers.push(async () => {
      // Sockets of callers that hung up mid-stream must not hold the suite.
      app.server.closeAllConnections();
      await app.close();
    });
    return {
      connectUrl,
      connectToken: token,
      localStorageDirectory,
      github: Object.assign(github, { credentials: { ...githubDemoCredentials }, config: { ...githubDemoConfig, api_base_url: github.url } }),
      slack: Object.assign(slack, { credentials: { ...slackDemoCredentials }, config: { ...slackDemoConfig, api_base_url: slack.url } }),
      env: { CONNECT_SERVICE_URL: connectUrl, CONNECT_SERVICE_TOKEN: token, CONNECT_LOCAL_STORAGE_DIR: localStorageDirectory },
      connectLogs,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
