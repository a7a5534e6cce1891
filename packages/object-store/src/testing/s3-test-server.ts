import { fork, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import type { Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** S3 API operations as the test server names them, for fault targeting and request counts. */
export type S3Operation =
  | "ListBuckets"
  | "ListObjects"
  | "ListObjectsV2"
  | "ListMultipartUploads"
  | "HeadBucket"
  | "CreateBucket"
  | "DeleteBucket"
  | "DeleteObjects"
  | "GetObject"
  | "HeadObject"
  | "PutObject"
  | "CopyObject"
  | "UploadPart"
  | "UploadPartCopy"
  | "CreateMultipartUpload"
  | "CompleteMultipartUpload"
  | "AbortMultipartUpload"
  | "DeleteObject"
  | "Other";

/**
 * What a faulty request gets instead of being served:
 * - "slow-down": HTTP 503 `SlowDown`, S3's throttling answer (the SDK backs off longer for it);
 * - "service-unavailable": HTTP 503 `ServiceUnavailable`;
 * - "internal-error": HTTP 500 `InternalError`;
 * - "connection-reset": the TCP connection is dropped mid-request.
 */
export type S3FaultResponse = "slow-down" | "service-unavailable" | "internal-error" | "connection-reset";

export interface S3Fault {
  /** How many matching requests fail; the ones after are served normally. */
  count: number;
  /** Which operations are hit (default: every request). */
  operations?: S3Operation[];
  /** Default "internal-error". */
  response?: S3FaultResponse;
}

export interface S3TestServerStats {
  /** Requests received per operation, failed ones included. */
  requests: Partial<Record<S3Operation, number>>;
  /** Faulty answers given so far. */
  faultsInjected: number;
  /** Faulty answers still queued. */
  faultsPending: number;
  /** Multipart uploads created and neither completed nor aborted (leaked parts). */
  openMultipartUploads: number;
}

export interface S3TestServer {
  /** http://127.0.0.1:<port>; use path-style addressing (the S3 adapter does when an endpoint is set). */
  endpoint: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  /** Folder where s3rver keeps the objects; removed by `close()`. */
  directory: string;
  /** How DES is provided to s3rver for listing continuation tokens (for diagnostics). */
  listingCipher: string;
  /** Queues a fault: the next `count` matching requests get a real failing HTTP answer (or a reset). */
  injectFaults(fault: S3Fault): Promise<void>;
  /** Drops every queued fault. */
  clearFaults(): Promise<void>;
  stats(): Promise<S3TestServerStats>;
  resetStats(): Promise<void>;
  /** Stops the server process and deletes its folder. Safe to call twice. */
  close(): Promise<void>;
}

export interface S3TestServerOptions {
  /** Default "tributary-test". */
  bucket?: string;
  /** More buckets to create at start. */
  extraBuckets?: string[];
  /**
   * Serve DES through the DES-EDE3 substitution even where OpenSSL's legacy provider is available
   * (exists to test that fallback; never needed otherwise).
   */
  forceDesShim?: boolean;
}

/** s3rver accepts only its built-in account, and checks request signatures with it. */
const s3rverCredentials = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };

const childScript = fileURLToPath(new URL("./s3rver-process.mjs", import.meta.url));

/** Generous: the child loads s3rver's dependencies cold on a busy two-core machine. */
const startupTimeoutMs = 20_000;

/**
 * Starts a real S3-compatible server (s3rver) for tests, in a child Node process on a free port with a
 * fresh temporary folder and one bucket; see s3rver-process.mjs for why it is a child process. The
 * caller needs no NODE_OPTIONS. Faults are injected at the HTTP level with `injectFaults`.
 */
export async function startS3TestServer(options: S3TestServerOptions = {}): Promise<S3TestServer> {
  const bucket = options.bucket ?? "tributary-test";
  const directory = await mkdtemp(join(tmpdir(), "tributary-s3rver-"));
  const useLegacyProvider =
    !options.forceDesShim && process.allowedNodeEnvironmentFlags.has("--openssl-legacy-provider");
  const child = fork(
    childScript,
    [JSON.stringify({ directory, buckets: [bucket, ...(options.extraBuckets ?? [])], forceDesShim: options.forceDesShim ?? false })],
    {
      // Replaces (not extends) the runner's own flags (loaders, inspector) that the child does not need.
      execArgv: useLegacyProvider ? ["--openssl-legacy-provider"] : [],
      stdio: ["ignore", "ignore", "pipe", "ipc"],
      serialization: "json",
    },
  );
  const channel = new ChildChannel(child);
  let ready: { port: number; listingCipher: string };
  try {
    ready = await channel.ready(startupTimeoutMs);
  } catch (error) {
    await channel.stop();
    await rm(directory, { recursive: true, force: true });
    throw error;
  }

  let closing: Promise<void> | undefined;
  return {
    endpoint: `http://127.0.0.1:${ready.port}`,
    bucket,
    ...s3rverCredentials,
    region: "us-east-1",
    directory,
    listingCipher: ready.listingCipher,
    injectFaults: async (fault) => {
      if (!Number.isInteger(fault.count) || fault.count < 1) throw new Error("fault count must be a positive integer");
      await channel.request("inject", { fault: { response: "internal-error", ...fault } });
    },
    clearFaults: async () => {
      await channel.request("clear");
    },
    stats: async () => (await channel.request("stats")) as S3TestServerStats,
    resetStats: async () => {
      await channel.request("resetStats");
    },
    close: () => {
      closing ??= (async () => {
        await channel.stop();
        await rm(directory, { recursive: true, force: true });
      })();
      return closing;
    },
  };
}

interface Reply {
  id: number;
  ok: boolean;
  result?: unknown;
  error?: string;
}

/**
 * Request/reply over the child's IPC channel. The channel holds the parent's event loop open only while
 * a reply is awaited, so a forgotten `close()` never keeps a test runner alive (and the child exits when
 * the parent does, on "disconnect").
 */
class ChildChannel {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  private stderrTail = "";
  private exited: Promise<void>;
  private hasExited = false;
  private readyWaiter: ((message: { port: number; listingCipher: string }) => void) | undefined;

  constructor(private readonly child: ChildProcess) {
    child.unref();
    const stderr = child.stderr as Socket | null;
    stderr?.setEncoding("utf8");
    stderr?.on("data", (text: string) => {
      this.stderrTail = (this.stderrTail + text).slice(-4000);
    });
    stderr?.unref();
    this.exited = new Promise((resolve) => {
      child.once("exit", (code, signal) => {
        this.hasExited = true;
        const reason = new Error(
          `s3rver test server exited (${signal ?? `code ${code}`})${this.stderrTail ? `: ${this.stderrTail.trim()}` : ""}`,
        );
        for (const waiter of this.pending.values()) waiter.reject(reason);
        this.pending.clear();
        this.refreshReference();
        resolve();
      });
    });
    child.on("message", (message: { type?: string } & Partial<Reply>) => {
      if (message.type === "ready") {
        this.readyWaiter?.(message as unknown as { port: number; listingCipher: string });
        return;
      }
      const waiter = message.id === undefined ? undefined : this.pending.get(message.id);
      if (!waiter || message.id === undefined) return;
      this.pending.delete(message.id);
      this.refreshReference();
      if (message.ok) waiter.resolve(message.result);
      else waiter.reject(new Error(`s3rver test server: ${message.error ?? "request failed"}`));
    });
    this.refreshReference();
  }

  ready(timeoutMs: number): Promise<{ port: number; listingCipher: string }> {
    this.channelRef(true);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`s3rver test server did not start within ${timeoutMs} ms`)), timeoutMs);
      this.readyWaiter = (message) => {
        clearTimeout(timer);
        this.readyWaiter = undefined;
        this.refreshReference();
        resolve(message);
      };
      void this.exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`s3rver test server failed to start${this.stderrTail ? `: ${this.stderrTail.trim()}` : ""}`));
      });
    });
  }

  request(type: string, body: Record<string, unknown> = {}): Promise<unknown> {
    if (this.hasExited || !this.child.connected) {
      return Promise.reject(new Error("s3rver test server is not running"));
    }
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.refreshReference();
      this.child.send({ id, type, ...body }, (error) => {
        if (!error) return;
        this.pending.delete(id);
        this.refreshReference();
        reject(error);
      });
    });
  }

  /** Asks the child to exit, and kills it if it does not. */
  async stop(): Promise<void> {
    if (this.hasExited) return;
    if (this.child.connected) {
      this.child.send({ id: 0, type: "close" }, () => undefined);
    } else {
      this.child.kill("SIGKILL");
    }
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 5_000);
    await this.exited;
    clearTimeout(timer);
  }

  private refreshReference(): void {
    this.channelRef(this.pending.size > 0 || this.readyWaiter !== undefined);
  }

  private channelRef(on: boolean): void {
    // `channel` is typed loosely in @types/node; it has ref/unref since Node 7.1.
    const channel = this.child.channel as { ref?: () => void; unref?: () => void } | null | undefined;
    if (on) channel?.ref?.();
    else channel?.unref?.();
  }
}
