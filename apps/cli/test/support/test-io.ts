/** An {@link Io} for running commands in-process: captured output, a given environment, a clock that only moves when slept. */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Io } from "../../src/io.js";
import { run } from "../../src/run.js";

export interface TestIo extends Io {
  out: string[];
  err: string[];
  /** Every sleep requested, in ms; sleeping returns at once and advances `now()`. */
  sleeps: number[];
  opened: string[];
}

export function testIo(options: { env?: Record<string, string | undefined>; cwd: string; stdin?: string }): TestIo {
  let clock = 1_700_000_000_000;
  const io: TestIo = {
    out: [],
    err: [],
    sleeps: [],
    opened: [],
    stdout: (text) => void io.out.push(text),
    stderr: (text) => void io.err.push(text),
    env: options.env ?? {},
    cwd: options.cwd,
    homeDir: join(options.cwd, "home"),
    stdoutIsTTY: false,
    readStdin: async () => options.stdin ?? "",
    sleep: async (ms) => {
      io.sleeps.push(ms);
      clock += ms;
    },
    now: () => clock,
    openBrowser: (url) => void io.opened.push(url),
  };
  return io;
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  io: TestIo;
}

export async function cli(argv: string[], options: { env?: Record<string, string | undefined>; cwd: string; stdin?: string }): Promise<CliResult> {
  const io = testIo(options);
  const code = await run(argv, io);
  return { code, stdout: io.out.join(""), stderr: io.err.join(""), io };
}

/** A fresh temp directory, removed by the returned function. */
export async function tempDir(prefix = "tributary-cli-"): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}
