/** `sync [--dir] [--dry-run]`: fetch the delivery, merge it into the project. */
import { resolve } from "node:path";
import { BackendClient } from "../api.js";
import { requireSession } from "../config.js";
import { type Context, day, note, printResult } from "../output.js";
import { type SyncReport, applySync, envDiff, planSync, syncReport } from "../sync.js";

export interface SyncOptions {
  dir?: string;
  dryRun?: boolean;
}

function describeEnv(report: SyncReport, dryRun: boolean): string {
  const { env_file: env } = report;
  const count = `${env.entries} variable${env.entries === 1 ? "" : "s"}`;
  if (env.changed) return `${env.path}: ${dryRun ? "would update" : "updated"} (${count} in the service connector block)`;
  if (env.mode_tightened) return `${env.path}: unchanged (${count}); ${dryRun ? "would set" : "set"} its mode to 600`;
  return `${env.path}: unchanged (${count})`;
}

function describeSkills(report: SyncReport, dryRun: boolean): string[] {
  const { written, removed, unchanged } = report.skills;
  const lines = [
    ...written.map((name) => `${dryRun ? "would write" : "wrote"} .claude/rules/${name}`),
    ...removed.map((name) => `${dryRun ? "would remove" : "removed"} .claude/rules/${name}`),
  ];
  if (unchanged.length > 0) lines.push(`${unchanged.length} skill file${unchanged.length === 1 ? "" : "s"} unchanged`);
  return lines;
}

export async function sync(ctx: Context, options: SyncOptions): Promise<void> {
  const dryRun = options.dryRun === true;
  const dir = resolve(ctx.io.cwd, options.dir ?? ".");
  const session = await requireSession(ctx.io);
  const delivery = await new BackendClient(session.url, session.token).delivery();
  const plan = await planSync(dir, delivery);
  if (!dryRun) await applySync(plan);
  const report = syncReport(plan, dryRun);

  const lines: string[] = [];
  if (dryRun) {
    lines.push("Dry run: nothing is written.");
    const diff = envDiff(plan);
    if (diff) lines.push(diff.trimEnd());
  }
  lines.push(describeEnv(report, dryRun), ...describeSkills(report, dryRun));
  printResult(ctx, lines.join("\n"), report);

  for (const item of report.shadowed) {
    note(ctx, `Warning: ${item.name} is set again on line ${item.line} of .env, after the service connector block; that later value is the one dotenv and shells keep.`);
  }
  for (const item of report.expired) {
    note(ctx, `Warning: the key for ${item.service_id} expired${item.expires_at ? ` on ${day(item.expires_at)}` : ""} and was not delivered; run \`tributary connectors connect ${item.service_id}\` to renew it.`);
  }
}
