/**
 * Everything the CLI touches of its process, passed in: tests run commands in-process with captured
 * output, their own environment and working directory, and a clock that does not wait.
 */
import { spawn } from "node:child_process";
import { homedir } from "node:os";
import { setTimeout as delay } from "node:timers/promises";

export interface Io {
  stdout(text: string): void;
  stderr(text: string): void;
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  homeDir: string;
  /** Interactive niceties (opening a browser) only happen on a terminal. */
  stdoutIsTTY: boolean;
  readStdin(): Promise<string>;
  sleep(ms: number): Promise<void>;
  now(): number;
  openBrowser(url: string): void;
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString("utf8");
}

/** Opens a URL with the desktop's handler, detached; a machine without one just shows the URL. */
function openWithDesktop(url: string): void {
  const command = process.platform === "darwin" ? "open" : process.platform === "win32" ? "explorer" : "xdg-open";
  try {
    const child = spawn(command, [url], { stdio: "ignore", detached: true });
    child.on("error", () => {});
    child.unref();
  } catch {
    // No handler: the URL is printed anyway.
  }
}

export function processIo(): Io {
  return {
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
    env: process.env,
    cwd: process.cwd(),
    homeDir: homedir(),
    stdoutIsTTY: process.stdout.isTTY === true,
    readStdin: () => readAll(process.stdin),
    sleep: (ms) => delay(ms),
    now: () => Date.now(),
    openBrowser: openWithDesktop,
  };
}
