import { sql, type Kysely, type Transaction } from "kysely";
import type { CoreSchema } from "../db/core-schema.js";
import type { RunTimings } from "./run-dispatcher.js";

/** Runs looked at per tick and per replica; the next tick takes the rest. */
const batch = 20;

/**
 * Runs a dead replica left behind, put back on the queue under the SAME run id:
 *
 * - `running` with a heartbeat older than `staleAfterMs`: its replica stopped without finishing (killed,
 *   out of memory, cut off from the database). The attempt number goes up, which fences the old
 *   execution out should it still be alive, and the next execution asks connect again with the same run
 *   id: connect skips the streams that run already committed, so nothing is written twice.
 * - `queued` without a job that will execute it: the job failed for good (the handler crashed on every
 *   try), or a replica fetched it and died before it could start the run.
 *
 * `FOR UPDATE SKIP LOCKED` lets every replica run this at every tick: each run is taken by one.
 * Returns the ids of the runs queued again.
 */
export async function recoverRuns(
  core: Kysely<CoreSchema>,
  timings: Pick<RunTimings, "staleAfterMs">,
  enqueue: (trx: Transaction<CoreSchema>, runId: string) => Promise<void>,
  queue = "ingestion-runs",
): Promise<string[]> {
  const staleSeconds = timings.staleAfterMs / 1000;
  return core.transaction().execute(async (trx) => {
    const stale = await sql<{ id: string }>`
      select id from ingestion_runs
      where status = 'running' and (heartbeat_at is null or heartbeat_at < now() - make_interval(secs => ${staleSeconds}))
      order by heartbeat_at nulls first
      limit ${batch}
      for update skip locked`.execute(trx);
    const orphans = await sql<{ id: string }>`
      select r.id from ingestion_runs r
      where r.status = 'queued'
        and not exists (
          select 1 from pgboss.job j
          where j.name = ${queue} and j.data->>'runId' = r.id::text
            and (j.state in ('created', 'retry') or (j.state = 'active' and j.started_on > now() - make_interval(secs => ${staleSeconds})))
        )
      limit ${batch}
      for update of r skip locked`.execute(trx);

    const recovered: string[] = [];
    for (const { id } of stale.rows) {
      const updated = await trx
        .updateTable("ingestion_runs")
        .set({ status: "queued", attempt: sql`attempt + 1`, heartbeat_at: null })
        .where("id", "=", id)
        .where("status", "=", "running")
        .returning("id")
        .executeTakeFirst();
      if (!updated) continue;
      await enqueue(trx, id);
      recovered.push(id);
    }
    for (const { id } of orphans.rows) {
      await enqueue(trx, id);
      recovered.push(id);
    }
    return recovered;
  });
}
