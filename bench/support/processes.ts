import { spawn, type ChildProcess } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

export const repoRoot = fileURLToPath(new URL("../..", import.meta.url));

/** Spawns a process and resolves with the first capture of `pattern` on its stdout. */
export function spawnAndWait(
  command: string[],
  pattern: RegExp,
  env: Record<string, string | undefined> = {},
): Promise<{ child: ChildProcess; match: string }> {
  const child = spawn(process.execPath, command, {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout! }).on("line", (line) => {
      // BENCH_ECHO_STDOUT=1 shows the processes' output (logs, --trace-gc) on stderr.
      if (process.env.BENCH_ECHO_STDOUT === "1") process.stderr.write(`${line}\n`);
      const match = pattern.exec(line);
      if (match?.[1]) resolve({ child, match: match[1] });
    });
    child.once("exit", (code) => reject(new Error(`${command.join(" ")} exited with ${code} before it was ready`)));
  });
}

export function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });
}

/** Peak resident set size of a live process (VmHWM, Linux), in MiB. */
export function peakRssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmHWM:\s+(\d+)/.exec(status)?.[1]) / 1024;
}

/** CPU seconds (user + system) a live process has used so far (Linux `/proc/<pid>/stat`). */
export function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  // utime and stime are fields 14 and 15 of stat; after the command name they are at 11 and 12.
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** CPU seconds per thread of a live process, keyed `main` or `<name>#<tid>`: where a process spends. */
export function cpuSecondsByThread(pid: number): Map<string, number> {
  const byName = new Map<string, number>();
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    try {
      const comm = readFileSync(`/proc/${pid}/task/${task}/comm`, "utf8").trim();
      const name = task === String(pid) ? "main" : `${comm}#${task}`;
      const fields = readFileSync(`/proc/${pid}/task/${task}/stat`, "utf8").split(") ")[1]!.split(" ");
      byName.set(name, (byName.get(name) ?? 0) + (Number(fields[11]) + Number(fields[12])) / 100);
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return byName;
}
