import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { createInterface } from "node:readline";

const repoRoot = fileURLToPath(new URL("../../../../", import.meta.url));
const mainPath = fileURLToPath(new URL("../../src/main.ts", import.meta.url));

export interface ConnectProcess {
  child: ChildProcess;
  url: string;
  /** Every stdout line (JSON log lines) so far. */
  stdout: string[];
  stderr: string[];
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(): Promise<void>;
}

/** Output of a connect process that is expected to exit on its own (start-up refusals). */
export async function runConnectToExit(env: Record<string, string | undefined>) {
  const child = spawnConnectChild(env);
  const stdout: string[] = [];
  const stderr: string[] = [];
  createInterface({ input: child.stdout! }).on("line", (line) => stdout.push(line));
  createInterface({ input: child.stderr! }).on("line", (line) => stderr.push(line));
  const [code] = (await once(child, "exit")) as [number | null];
  return { code, stdout, stderr };
}

function spawnConnectChild(env: Record<string, string | undefined>): ChildProcess {
  const cleanEnv: Record<string, string> = { PATH: process.env.PATH ?? "" };
  for (const [key, value] of Object.entries(env)) if (value !== undefined) cleanEnv[key] = value;
  return spawn(process.execPath, ["--import", "tsx", mainPath], { cwd: repoRoot, env: cleanEnv, stdio: ["ignore", "pipe", "pipe"] });
}

/** Starts the real connect process on a free port and resolves once it logs that it listens. */
export async function startConnectProcess(env: Record<string, string | undefined>): Promise<ConnectProcess> {
  const child = spawnConnectChild({ HOST: "127.0.0.1", PORT: "0", ...env });
  const stdout: string[] = [];
  const stderr: string[] = [];
  const exit = once(child, "exit").then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null }));
  createInterface({ input: child.stderr! }).on("line", (line) => stderr.push(line));

  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on("line", (line) => {
      stdout.push(line);
      const match = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(line);
      if (match?.[1]) resolve(match[1]);
    });
    void exit.then(({ code }) => reject(new Error(`connect exited with ${code} before listening: ${stderr.join("\n")}`)));
  });

  return {
    child,
    url,
    stdout,
    stderr,
    exit,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        await exit;
      }
    },
  };
}
