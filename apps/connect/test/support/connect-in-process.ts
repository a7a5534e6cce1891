import { Writable } from "node:stream";
import { loadConfig } from "../../src/config.js";
import { buildServer, type ConnectServer } from "../../src/server.js";

export interface InProcessConnect {
  app: ConnectServer;
  url: string;
  token: string;
  /** Every log line written so far, raw. */
  logs: string[];
  close(): Promise<void>;
}

/** connect's real server, listening on a free loopback port, with its log lines captured. */
export async function startConnect(
  options: { token?: string; validateDeadlineMs?: number; environment?: Record<string, string> } = {},
): Promise<InProcessConnect> {
  const token = options.token ?? "test-service-token-0123456789abcdef";
  const logs: string[] = [];
  const logStream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      logs.push(...chunk.toString("utf8").split("\n").filter(Boolean));
      callback();
    },
  });
  const config = loadConfig({ CONNECT_SERVICE_TOKEN: token, LOG_LEVEL: "debug", ...options.environment });
  const app = await buildServer({ ...config, validateDeadlineMs: options.validateDeadlineMs ?? 3_000 }, { logStream });
  const url = await app.listen({ host: "127.0.0.1", port: 0 });
  return {
    app,
    url,
    token,
    logs,
    // Sockets of callers that hung up mid-stream can outlive the test; the suite must not wait on them.
    close: async () => {
      app.server.closeAllConnections();
      await app.close();
    },
  };
}

/** The JSON bodies connect answers with, loosely typed for assertions. */
export interface ApiBody {
  status?: string;
  error: {
    code: string;
    message: string;
    field?: string;
    missing_scopes?: string[];
    retry_after_seconds?: number;
    retry_at?: string;
  };
  [key: string]: unknown;
}

export async function readBody(response: Response): Promise<ApiBody> {
  return (await response.json()) as ApiBody;
}
