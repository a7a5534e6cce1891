import { randomUUID } from "node:crypto";
import { CompiledQuery, type Kysely, type Transaction } from "kysely";
import PgBoss from "pg-boss";
import type { FastifyBaseLogger } from "fastify";
import type { AppContext } from "../app-context.js";
import type { BackendConfig } from "../config.js";
import type { CoreSchema } from "../db/core-schema.js";
import type { Databases } from "../db/databases.js";
import { RunExecutor } from "./run-executor.js";
import { recoverRuns } from "./run-recovery.js";
import { enqueueDueSchedules } from "./schedules.js";

/** The pg-boss queue every ingestion run goes through. */
export const runQueue = "ingestion-runs";

/** Runs one replica executes at the same time (each holds one streaming request to connect). */
export const runsPerReplica = 4;

/**
 * The dispatcher's clock, all derived from `BACKEND_JOB_POLL_SECONDS` (default 2 s; tests use 1):
 * how often workers and the scheduler look for work, how often a running run proves it is alive, when a
 * silent run counts as abandoned by a dead replica, and the first retry delay of a transient failure.
 */
export interface RunTimings {
  pollSeconds: number;
  heartbeatMs: number;
  staleAfterMs: number;
  retryBaseSeconds: number;
  retryMaxSeconds: number;
  /** Executions of one run at most (the first included) before a transient failure becomes final. */
  maxAttempts: number;
  /** Progress is written at most this often per run. */
  progressFlushMs: number;
}

export function runTimings(config: Pick<BackendConfig, "jobPollSeconds">): RunTimings {
  // pg-boss polls at most every 500 ms.
  const pollSeconds = Math.max(0.5, config.jobPollSeconds);
  const heartbeatMs = Math.min(10_000, Math.max(500, pollSeconds * 1000));
  return {
    pollSeconds,
    heartbeatMs,
    // Ten missed heartbeats, and never under 30 s: a busy replica is not mistaken for a dead one.
    staleAfterMs: Math.max(30_000, heartbeatMs * 10),
    retryBaseSeconds: Math.max(1, Math.round(pollSeconds * 2)),
    retryMaxSeconds: 300,
    maxAttempts: 5,
    progressFlushMs: 500,
  };
}

/** What pg-boss needs of a database: one method. */
export interface BossDb {
  executeSql(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
}

/**
 * pg-boss's door to the core database. On PostgreSQL it shares the core pool. On PGlite (one
 * connection), pg-boss's statements must not land inside a transaction Kysely has open on that
 * connection (its BEGIN/COMMIT scripts would commit someone else's work): each one takes Kysely's
 * connection first, so they queue behind Kysely's queries and transactions like any other.
 */
export function bossDatabase(databases: Databases): BossDb & { drain(): Promise<void>; close(): void } {
  const inFlight = new Set<Promise<unknown>>();
  let closed = false;
  const run = (text: string, values?: unknown[]) =>
    databases.kind === "postgres"
      ? databases.executeCoreSql(text, values)
      : databases.core.connection().execute(() => databases.executeCoreSql(text, values));
  return {
    executeSql(text, values) {
      // After stop, pg-boss may still fire a completion it does not await; the database may be closing.
      if (closed) return Promise.resolve({ rows: [] });
      const pending = run(text, values);
      inFlight.add(pending);
      void pending.finally(() => inFlight.delete(pending)).catch(() => undefined);
      return pending;
    },
    async drain() {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
    close() {
      closed = true;
    },
  };
}

/** pg-boss inside one of our transactions: the job is inserted, or not, with the rows that need it. */
export function transactionDb(trx: Transaction<CoreSchema> | Kysely<CoreSchema>): BossDb {
  return {
    executeSql: async (text, values) => {
      const result = await trx.executeQuery(CompiledQuery.raw(text, values ?? []));
      return { rows: result.rows as unknown[] };
    },
  };
}

export interface RunJob {
  runId: string;
}

export interface NewRun {
  workspaceId: string;
  dataSourceId: string;
  trigger: "manual" | "schedule" | "retry";
  triggeredBy: string | null;
  syncMode: "incremental" | "full_refresh";
  streams: string[] | null;
}

/**
 * Inserts a queued run, unless the data source already has one queued or running: the partial unique
 * index `ingestion_runs_one_active` decides, whatever the number of replicas. Returns the new run's id,
 * or undefined when another run is active.
 */
export async function insertQueuedRun(trx: Transaction<CoreSchema>, run: NewRun): Promise<string | undefined> {
  const inserted = await trx
    .insertInto("ingestion_runs")
    .values({
      id: randomUUID(),
      workspace_id: run.workspaceId,
      data_source_id: run.dataSourceId,
      status: "queued",
      trigger: run.trigger,
      triggered_by: run.triggeredBy,
      sync_mode: run.syncMode,
      streams: run.streams ? JSON.stringify(run.streams) : null,
      cancel_requested_at: null,
      started_at: null,
      finished_at: null,
      heartbeat_at: null,
      stats: null,
      error: null,
    })
    .onConflict((conflict) => conflict.column("data_source_id").where("status", "in", ["queued", "running"]).doNothing())
    .returning("id")
    .executeTakeFirst();
  return inserted?.id;
}

/**
 * pg-boss with the runs queue, its workers, and the periodic tick (due schedules, abandoned runs) of
 * one replica. Started when the server is ready, stopped when it closes. Every replica runs one; the
 * database decides who does what (SKIP LOCKED in pg-boss's fetch and in the tick's queries), so a job
 * runs once whatever the number of replicas.
 */
export class RunDispatcher {
  readonly executor: RunExecutor;
  private readonly timings: RunTimings;
  private readonly db: ReturnType<typeof bossDatabase>;
  private readonly boss: PgBoss;
  private readonly idleWorkers = new Set<string>();
  private readonly workerIds: string[] = [];
  private tickTimer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private started = false;
  private stopping = false;

  constructor(
    private readonly context: AppContext,
    private readonly log: FastifyBaseLogger,
  ) {
    this.timings = runTimings(context.config);
    this.db = bossDatabase(context.databases);
    this.boss = new PgBoss({
      db: this.db,
      // The schema is pg-boss's own (`pgboss`), created or upgraded at start, race-safe between replicas.
      migrate: true,
      // Schedules are ours (croner, per data source); pg-boss's cron is not used.
      schedule: false,
      supervise: true,
      maintenanceIntervalSeconds: 60,
      pollingIntervalSeconds: this.timings.pollSeconds,
    });
    this.boss.on("error", (error: unknown) => this.log.error({ err: error }, "job queue error"));
    this.executor = new RunExecutor(context, this.timings, this.log, (trx, runId, delaySeconds) => this.enqueue(trx, runId, delaySeconds));
  }

  get timing(): RunTimings {
    return this.timings;
  }

  async start(): Promise<void> {
    await this.boss.start();
    const queueOptions = {
      name: runQueue,
      policy: "standard" as const,
      // For crashes of the handler itself (the database went away mid-run): the run's own transient
      // failures are retried by the executor, with the delay the failure calls for.
      retryLimit: 3,
      retryDelay: this.timings.retryBaseSeconds,
      retryBackoff: true,
      // Longer than any run's deadline (connect's default is 6 h); a replica that dies is noticed by its
      // run's heartbeat, not by this.
      expireInSeconds: 12 * 3600,
      retentionMinutes: 7 * 24 * 60,
    };
    await this.boss.createQueue(runQueue, queueOptions);
    await this.boss.updateQueue(runQueue, queueOptions);
    for (let index = 0; index < runsPerReplica; index += 1) {
      let workerId = "";
      workerId = await this.boss.work<RunJob>(runQueue, { batchSize: 1, pollingIntervalSeconds: this.timings.pollSeconds }, async (jobs) => {
        this.idleWorkers.delete(workerId);
        try {
          for (const job of jobs) await this.executor.execute(job.data.runId);
        } finally {
          this.idleWorkers.add(workerId);
        }
      });
      this.workerIds.push(workerId);
      this.idleWorkers.add(workerId);
    }
    this.started = true;
    this.tickTimer = setInterval(() => this.tick(), this.timings.pollSeconds * 1000);
    this.tickTimer.unref();
    this.tick();
  }

  /**
   * Inserts the job of a queued run inside the caller's transaction: the run row and its job exist
   * together or not at all, so a crash between the two cannot leave a run nobody will execute.
   */
  async enqueue(trx: Transaction<CoreSchema>, runId: string, delaySeconds = 0): Promise<void> {
    const options: PgBoss.SendOptions & { db: BossDb } = { db: transactionDb(trx) };
    if (delaySeconds > 0) options.startAfter = Math.ceil(delaySeconds);
    await this.boss.send(runQueue, { runId } satisfies RunJob, options);
  }

  /** A queued run and its job, in the caller's transaction; undefined when the data source has an active run. */
  async createRun(trx: Transaction<CoreSchema>, run: NewRun): Promise<string | undefined> {
    const runId = await insertQueuedRun(trx, run);
    if (runId) await this.enqueue(trx, runId);
    return runId;
  }

  /** After a commit that queued a run: an idle worker of this replica fetches it now, not at its next poll. */
  wake(): void {
    if (!this.started || this.stopping) return;
    const idle = this.idleWorkers.values().next();
    if (!idle.done) this.boss.notifyWorker(idle.value);
  }

  /** Schedules that are due, then runs abandoned by a dead replica. One tick at a time per replica. */
  private tick(): void {
    if (this.ticking || this.stopping) return;
    this.ticking = (async () => {
      try {
        const scheduled = await enqueueDueSchedules(this.context.databases.core, (trx, source) =>
          this.createRun(trx, { workspaceId: source.workspace_id, dataSourceId: source.id, trigger: "schedule", triggeredBy: null, syncMode: "incremental", streams: null }),
        );
        const recovered = await recoverRuns(this.context.databases.core, this.timings, (trx, runId) => this.enqueue(trx, runId), runQueue);
        if (scheduled.length > 0) this.log.info({ runs: scheduled }, "scheduled runs queued");
        if (recovered.length > 0) this.log.warn({ runs: recovered }, "runs abandoned by a stopped replica queued again");
        if (scheduled.length > 0 || recovered.length > 0) this.wake();
      } catch (error) {
        if (!this.stopping) this.log.error({ err: error }, "run scheduler tick failed");
      } finally {
        this.ticking = undefined;
      }
    })();
  }

  /**
   * Stops fetching, hands this replica's runs in progress back to the queue (another replica, or this
   * one after a restart, resumes them under the same run id: connect skips the streams they committed),
   * and waits for pg-boss to settle before the databases close.
   */
  async stop(): Promise<void> {
    if (!this.started || this.stopping) return;
    this.stopping = true;
    if (this.tickTimer) clearInterval(this.tickTimer);
    await this.ticking;
    await Promise.all(this.workerIds.map((id) => this.boss.offWork({ id })));
    await this.executor.handOffAll();
    await this.boss.stop({ graceful: true, wait: true, timeout: 5_000 });
    await this.db.drain();
    this.db.close();
  }
}
