import { Cron } from "croner";
import { sql, type Kysely, type Transaction } from "kysely";
import { ApiError } from "../api-error.js";
import type { CoreSchema } from "../db/core-schema.js";

/** Schedules firing more often than this are refused: a run every few seconds is a mistake, not a plan. */
export const minimumIntervalSeconds = 60;

/** Data sources looked at per tick and per replica. */
const batch = 20;

/**
 * Checks a schedule the way it will be evaluated (croner: 5 fields, or 6 with seconds, and the
 * nicknames such as `@hourly`) and returns its next occurrence. Bad input is a 400 naming `cron` or
 * `timezone`.
 */
export function validateSchedule(cron: string, timezone: string, now = new Date()): { nextRunAt: Date } {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: timezone });
  } catch {
    throw new ApiError("bad_request", `timezone: "${timezone}" is not an IANA time zone (for example UTC or Europe/Paris)`, { field: "timezone" });
  }
  let job: Cron;
  try {
    job = new Cron(cron, { timezone, paused: true });
  } catch (error) {
    const reason = error instanceof Error ? error.message.replace(/^CronPattern: /, "") : "invalid";
    throw new ApiError("bad_request", `cron: not a valid cron expression (${reason})`, { field: "cron" });
  }
  const upcoming = job.nextRuns(10, now);
  if (upcoming.length === 0) throw new ApiError("bad_request", "cron: the expression never fires", { field: "cron" });
  for (let index = 1; index < upcoming.length; index += 1) {
    if (upcoming[index]!.getTime() - upcoming[index - 1]!.getTime() < minimumIntervalSeconds * 1000) {
      throw new ApiError("bad_request", `cron: fires more often than once a minute; the shortest interval is ${minimumIntervalSeconds} seconds`, { field: "cron" });
    }
  }
  return { nextRunAt: upcoming[0]! };
}

/** The next occurrence after `after`, or null when the expression no longer fires. */
export function nextRunAt(cron: string, timezone: string, after = new Date()): Date | null {
  try {
    return new Cron(cron, { timezone, paused: true }).nextRun(after);
  } catch {
    // Stored schedules were validated; one that no longer parses (a time zone removed from ICU) stops.
    return null;
  }
}

/** Inserts a queued run and its job inside the transaction; undefined when a run is already active. */
export type CreateScheduledRun = (trx: Transaction<CoreSchema>, source: { id: string; workspace_id: string }) => Promise<string | undefined>;

/**
 * One scheduler tick: every data source whose `next_run_at` has passed gets a run and its next
 * occurrence, in one transaction. `FOR UPDATE SKIP LOCKED` means two replicas ticking together never
 * take the same data source, and once `next_run_at` has moved on it is no longer due: one occurrence,
 * one run. An occurrence that finds a run still active is skipped (not queued behind it): the active run
 * reads the same changes. Occurrences missed while no replica ran are not replayed; the next one is
 * computed from now.
 */
export async function enqueueDueSchedules(core: Kysely<CoreSchema>, createRun: CreateScheduledRun, now = () => new Date()): Promise<string[]> {
  return core.transaction().execute(async (trx) => {
    const due = await sql<{ id: string; workspace_id: string; schedule_cron: string; schedule_timezone: string }>`
      select id, workspace_id, schedule_cron, schedule_timezone from data_sources
      where schedule_cron is not null and next_run_at <= now()
      order by next_run_at
      limit ${batch}
      for update skip locked`.execute(trx);
    const queued: string[] = [];
    for (const source of due.rows) {
      await trx
        .updateTable("data_sources")
        .set({ next_run_at: nextRunAt(source.schedule_cron, source.schedule_timezone, now()) })
        .where("id", "=", source.id)
        .execute();
      const runId = await createRun(trx, source);
      if (runId) queued.push(runId);
    }
    return queued;
  });
}
