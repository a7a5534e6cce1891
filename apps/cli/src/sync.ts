/**
 * `tributary sync` on disk: plan everything first (read the `.env` and the rules folder, merge, check
 * every name and value), and write only once the whole plan is valid, so a refusal writes nothing.
 */
import { promises as fs } from "node:fs";
import { join } from "node:path";
import type { Delivery } from "./contract.js";
import { type EnvEntry, type MergeResult, type ShadowedName, EnvBlockError, mergeEnvBlock } from "./env-block.js";
import { renderEnvDiff } from "./env-diff.js";
import { CliError, ExitCode } from "./errors.js";
import { type RegularFile, readRegularFile, tightenMode, writeFileAtomic } from "./safe-fs.js";
import { type SkillsPlan, applySkills, planSkills } from "./skills.js";

export interface SyncPlan {
  dir: string;
  envPath: string;
  before: RegularFile | null;
  merge: MergeResult;
  entries: number;
  /** The file holds (or will hold) the block but its mode is looser than 600, and no rewrite fixes that. */
  tightenEnv: boolean;
  skills: SkillsPlan;
  expired: Delivery["expired"];
}

export interface SyncReport {
  dry_run: boolean;
  env_file: { path: string; changed: boolean; entries: number; mode_tightened: boolean };
  skills: { written: string[]; removed: string[]; unchanged: string[] };
  expired: Delivery["expired"];
  /** Variables of the block that the `.env` sets again after it (that later value wins when read). */
  shadowed: ShadowedName[];
}

/** Entries grouped by service (services in name order, each service's variables in delivered order). */
export function orderedEntries(delivery: Delivery): EnvEntry[] {
  return delivery.env
    .map((entry, index) => ({ entry, index }))
    .sort((a, b) => (a.entry.service_id < b.entry.service_id ? -1 : a.entry.service_id > b.entry.service_id ? 1 : a.index - b.index))
    .map(({ entry }) => ({ name: entry.name, value: entry.value }));
}

async function assertProjectDir(dir: string): Promise<void> {
  let stat;
  try {
    stat = await fs.stat(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CliError("file_error", code === "ENOENT" ? `The project directory ${dir} does not exist` : `Cannot use ${dir}: ${code}`);
  }
  if (!stat.isDirectory()) throw new CliError("not_a_directory", `${dir} is not a directory`);
}

export async function planSync(dir: string, delivery: Delivery): Promise<SyncPlan> {
  await assertProjectDir(dir);
  const envPath = join(dir, ".env");
  const before = await readRegularFile(envPath);
  const entries = orderedEntries(delivery);
  let merge: MergeResult;
  try {
    merge = mergeEnvBlock(before?.bytes ?? null, entries);
  } catch (error) {
    if (error instanceof EnvBlockError) throw new CliError(error.code, `${envPath}: ${error.message}; nothing was written`, ExitCode.failure, error.variable);
    throw error;
  }
  const managed = merge.hadBlock || entries.length > 0;
  const tightenEnv = !merge.changed && before !== null && managed && (before.mode & 0o077) !== 0;
  const skills = await planSkills(dir, delivery.skills);
  return { dir, envPath, before, merge, entries: entries.length, tightenEnv, skills, expired: delivery.expired };
}

export async function applySync(plan: SyncPlan): Promise<void> {
  if (plan.merge.changed) {
    await writeFileAtomic(plan.envPath, plan.merge.bytes, {
      // Someone editing the file since it was read would lose that edit: stop instead.
      beforeRename: async () => {
        const now = await readRegularFile(plan.envPath);
        const same = now === null ? plan.before === null : plan.before !== null && Buffer.from(now.bytes).equals(plan.before.bytes);
        if (!same) throw new CliError("concurrent_change", `${plan.envPath} changed while sync was running; nothing was written to it, run sync again`);
      },
    });
  } else if (plan.tightenEnv) {
    await tightenMode(plan.envPath);
  }
  await applySkills(plan.skills);
}

export function syncReport(plan: SyncPlan, dryRun: boolean): SyncReport {
  return {
    dry_run: dryRun,
    env_file: { path: plan.envPath, changed: plan.merge.changed, entries: plan.entries, mode_tightened: plan.tightenEnv },
    skills: {
      written: plan.skills.write.map((skill) => skill.fileName),
      removed: plan.skills.remove,
      unchanged: plan.skills.unchanged,
    },
    expired: plan.expired,
    shadowed: plan.merge.shadowed,
  };
}

/** The `.env` diff for `--dry-run`, values redacted ("" when the file does not change). */
export function envDiff(plan: SyncPlan): string {
  return plan.merge.changed ? renderEnvDiff(plan.envPath, plan.before?.bytes ?? null, plan.merge.bytes) : "";
}
