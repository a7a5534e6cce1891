/**
 * Skill files in `<project>/.claude/rules/`: the delivered `sc_<service>.md` files are written (mode 600,
 * atomically), `sc_*.md` files no longer delivered are removed, and nothing else in the folder is touched.
 * Planning reads only; applying writes what the plan says.
 */
import { promises as fs } from "node:fs";
import { join } from "node:path";
import type { DeliveredSkill } from "./contract.js";
import { CliError } from "./errors.js";
import { assertRegularOrAbsent, ensureDirectory, readRegularFile, removeRegularFile, tightenMode, writeFileAtomic } from "./safe-fs.js";

/** The names sync owns in the rules folder; every other file there belongs to someone else. */
export const SKILL_FILE_PATTERN = /^sc_[a-z0-9_]+\.md$/;

export interface SkillsPlan {
  claudeDir: string;
  rulesDir: string;
  write: { fileName: string; bytes: Uint8Array }[];
  unchanged: string[];
  remove: string[];
  /** Unchanged files whose mode is looser than 600. */
  tighten: string[];
}

/** Refuses a `.claude` or `.claude/rules` that is a symlink or a file: sync would write or delete outside the project. */
async function existingDirectory(path: string): Promise<boolean> {
  let stat;
  try {
    stat = await fs.lstat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw new CliError("file_error", `Cannot inspect ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  if (!stat.isDirectory()) {
    throw new CliError("not_a_directory", `${path} is ${stat.isSymbolicLink() ? "a symbolic link" : "not a directory"}; refusing to write skills through it`);
  }
  return true;
}

export async function planSkills(projectDir: string, skills: readonly DeliveredSkill[]): Promise<SkillsPlan> {
  const claudeDir = join(projectDir, ".claude");
  const rulesDir = join(claudeDir, "rules");
  const delivered = new Map<string, Uint8Array>();
  for (const skill of skills) {
    if (!SKILL_FILE_PATTERN.test(skill.file_name)) {
      throw new CliError("invalid_skill", `Refusing to write skill file ${JSON.stringify(skill.file_name)} (service ${skill.service_id}): names must match ${SKILL_FILE_PATTERN.source}`);
    }
    if (delivered.has(skill.file_name)) throw new CliError("invalid_skill", `Refusing to write skill file ${skill.file_name} twice`);
    delivered.set(skill.file_name, new TextEncoder().encode(skill.content));
  }

  const existing = (await existingDirectory(claudeDir)) && (await existingDirectory(rulesDir)) ? await fs.readdir(rulesDir) : [];
  const plan: SkillsPlan = { claudeDir, rulesDir, write: [], unchanged: [], remove: [], tighten: [] };
  for (const fileName of [...delivered.keys()].sort()) {
    const bytes = delivered.get(fileName)!;
    const current = await readRegularFile(join(rulesDir, fileName));
    if (current && Buffer.from(current.bytes).equals(bytes)) {
      plan.unchanged.push(fileName);
      if ((current.mode & 0o077) !== 0) plan.tighten.push(fileName);
    } else {
      plan.write.push({ fileName, bytes });
    }
  }
  for (const fileName of existing.filter((name) => SKILL_FILE_PATTERN.test(name) && !delivered.has(name)).sort()) {
    await assertRegularOrAbsent(join(rulesDir, fileName));
    plan.remove.push(fileName);
  }
  return plan;
}

export async function applySkills(plan: SkillsPlan): Promise<void> {
  if (plan.write.length > 0) {
    await ensureDirectory(plan.claudeDir);
    await ensureDirectory(plan.rulesDir);
  }
  for (const { fileName, bytes } of plan.write) await writeFileAtomic(join(plan.rulesDir, fileName), bytes);
  for (const fileName of plan.tighten) await tightenMode(join(plan.rulesDir, fileName));
  for (const fileName of plan.remove) await removeRegularFile(join(plan.rulesDir, fileName));
}
