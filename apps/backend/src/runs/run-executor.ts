import { sql, type Kysely, type Selectable, type Transaction } from "kysely";
import type { FastifyBaseLogger } from "fastify";
import { connectErrorBodySchema, type StorageTarget } from "@tributary/contracts";
import { manifestKey, streamManifestSchema } from "@tributary/mirror";
import { ApiError } from "../api-error.js";
import type { AppContext } from "../app-context.js";
import { openMirrorStore } from "../storage/mirror-store.js";
import { syncCatalogue } from "../catalogue/catalogue-service.js";
import type { BackendConfig } from "../config.js";
import type { CoreSchema, IngestionRunsTable } from "../db/core-schema.js";
import { ConnectorsCatalog } from "../data-sources/connectors-catalog.js";
import { loadDataSourceForRun, type DataSourceForRun } from "../data-sources/data-sources-service.js";
import type { RunTimings } from "./run-dispatcher.js";
import { ingestionEventSchema, type IngestionEventLine, type RunStats, type StreamProgress } from "./runs-schemas.js";

type RunRow = Selectable<IngestionRunsTable>;
type Enqueue = (trx: Transaction<CoreSchema>, runId: string, delaySeconds: number) => Promise<void>;

/** Failures worth another attempt: the same request can succeed later. */
const transientCodes = new Set(["connect_unavailable", "provider_unavailable", "rate_limited", "storage_error", "run_in_progress"]);

export interface RunError {
  code: string;
  message: string;
}

/** How an execution ended, before it is written down. */
type Outcome =
  | { kind: "completed"; status: "succeeded" | "partially_succeeded" | "failed"; error: RunError | null }
  | { kind: "cancelled" }
  | { kind: "transient"; error: RunError; retryAfterSeconds?: number }
  | { kind: "failed"; error: RunError }
  /** This replica is stopping: the run goes back to the queue at once. */
  | { kind: "handoff" }
  /** Another execution owns the run now (this one was presumed dead): write nothing. */
  | { kind: "lost" };

type AbortReason = "cancel" | "shutdown" | "lost";
type FinalStatus = "succeeded" | "partially_succeeded" | "failed" | "cancelled";

class LeaseLost extends Error {
  override name = "LeaseLost";
}

const emptyProgress = (): StreamProgress => ({
  status: "pending",
  sync_mode: null,
  resumed: false,
  records: 0,
  pages: 0,
  deletions: 0,
  api_calls: 0,
  bytes: 0,
  files: 0,
  version: null,
  started_at: null,
  finished_at: null,
  error: null,
});

/** Totals over a run's streams. */
export function statsOf(progress: Record<string, StreamProgress>): RunStats {
  const stats: RunStats = { records: 0, pages: 0, deletions: 0, api_calls: 0, bytes: 0, files: 0, streams_committed: 0, streams_skipped: 0, streams_failed: 0 };
  for (const stream of Object.values(progress)) {
    stats.records += stream.records;
    stats.pages += stream.pages;
    stats.deletions += stream.deletions;
    stats.api_calls += stream.api_calls;
    stats.bytes += stream.bytes;
    stats.files += stream.files;
    if (stream.status === "committed") stats.streams_committed += 1;
    if (stream.status === "skipped") stats.streams_skipped += 1;
    if (stream.status === "failed") stats.streams_failed += 1;
  }
  return stats;
}

/** Where connect writes this data source's mirror: the backend's own storage settings, never the user's. */
export function storageTargetFor(config: Pick<BackendConfig, "objectStorage" | "bucketPrefix">, workspaceId: string, dataSourceId: string): StorageTarget {
  const location = { prefix: config.bucketPrefix, workspace_id: workspaceId, connection_id: dataSourceId };
  const storage = config.objectStorage;
  if (storage.kind === "local") return { kind: "local", ...location };
  return {
    kind: "s3",
    bucket: storage.bucket,
    region: storage.region,
    access_key_id: storage.accessKeyId,
    secret_access_key: storage.secretAccessKey,
    ...location,
  };
}

/** Exponential backoff with jitter, capped. `attempt` is the attempt that just failed (1 for the first). */
export function retryDelaySeconds(timings: RunTimings, attempt: number, atLeastSeconds = 0): number {
  const exponential = timings.retryBaseSeconds * 2 ** Math.max(0, attempt - 1);
  const jittered = exponential * (0.8 + Math.random() * 0.4);
  return Math.min(timings.retryMaxSeconds, Math.max(atLeastSeconds, Math.round(jittered)));
}

/**
 * Executes runs on this replica: claims a queued run, hands it to connect with the committed state,
 * follows connect's NDJSON events, and writes progress, committed snapshots and the outcome. Every write
 * is fenced by the run's attempt number: an execution that was presumed dead (and whose run another
 * replica took over) can no longer change anything.
 */
export class RunExecutor {
  private readonly active = new Map<string, Execution>();
  private readonly catalogueSyncs = new Set<Promise<unknown>>();
  private readonly catalog: ConnectorsCatalog;

  constructor(
    private readonly context: AppContext,
    private readonly timings: RunTimings,
    private readonly log: FastifyBaseLogger,
    private readonly enqueue: Enqueue,
  ) {
    this.catalog = new ConnectorsCatalog(context.connect);
  }

  /** Runs the run if it is still queued; does nothing when another execution got it first. */
  async execute(runId: string): Promise<void> {
    const core = this.context.databases.core;
    const claimed = await core
      .updateTable("ingestion_runs")
      .set({ status: "running", started_at: sql`coalesce(started_at, now())`, heartbeat_at: sql`now()` })
      .where("id", "=", runId)
      .where("status", "=", "queued")
      .where("cancel_requested_at", "is", null)
      .returningAll()
      .executeTakeFirst();
    if (!claimed) {
      // Cancelled while it waited: it ends here.
      await core
        .updateTable("ingestion_runs")
        .set({ status: "cancelled", finished_at: sql`now()`, heartbeat_at: null })
        .where("id", "=", runId)
        .where("status", "=", "queued")
        .where("cancel_requested_at", "is not", null)
        .execute();
      return;
    }
    const execution = new Execution(this.context, this.timings, this.log.child({ run_id: runId }), this.catalog, this.enqueue, claimed);
    this.active.set(runId, execution);
    let ended: FinalStatus | undefined;
    try {
      ended = await execution.run();
    } finally {
      this.active.delete(runId);
    }
    if (ended === "succeeded" || ended === "partially_succeeded") this.syncCatalogueAfter(claimed);
  }

  /**
   * The data source's schema catalogue is rebuilt after every run that ended with data (in the
   * background: the run is already shown finished). A failure is recorded on the catalogue, never on the run.
   */
  private syncCatalogueAfter(run: RunRow): void {
    const pending = syncCatalogue(this.context, run.workspace_id, run.data_source_id, run.id).then((outcome) => {
      if (!outcome.ok) this.log.warn({ run_id: run.id, code: outcome.error.code }, "catalogue sync after the run failed");
    });
    this.catalogueSyncs.add(pending);
    void pending.finally(() => this.catalogueSyncs.delete(pending));
  }

  /** Cancels a run executing on this replica; false when it runs elsewhere (its heartbeat will notice). */
  cancelLocal(runId: string): boolean {
    const execution = this.active.get(runId);
    if (!execution) return false;
    execution.cancel();
    return true;
  }

  /** Shutdown: every run in progress here is stopped and queued again for whoever comes next. */
  async handOffAll(): Promise<void> {
    await Promise.all([...this.active.values()].map((execution) => execution.handOff()));
    await Promise.allSettled([...this.catalogueSyncs]);
  }
}

/** One execution (attempt) of one run. */
class Execution {
  private readonly controller = new AbortController();
  private abortReason: AbortReason | undefined;
  private readonly progress: Record<string, StreamProgress>;
  private dirty = false;
  private lastWrite = Date.now();
  /** Database writes of this execution, one after the other. */
  private writes: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private cancelling = false;
  private finished: Promise<void> | undefined;
  private resolveFinished: (() => void) | undefined;
  private source: DataSourceForRun | undefined;

  constructor(
    private readonly context: AppContext,
    private readonly timings: RunTimings,
    private readonly log: FastifyBaseLogger,
    private readonly catalog: ConnectorsCatalog,
    private readonly enqueue: Enqueue,
    private readonly run0: RunRow,
  ) {
    this.progress = structuredClone((run0.progress ?? {}) as Record<string, StreamProgress>);
  }

  private get runId(): string {
    return this.run0.id;
  }

  private get attempt(): number {
    return this.run0.attempt;
  }

  /** Executes; returns the run's final status, or undefined when it goes back to the queue (or was lost). */
  async run(): Promise<FinalStatus | undefined> {
    this.finished = new Promise((resolve) => (this.resolveFinished = resolve));
    this.timer = setInterval(() => this.onTimer(), Math.min(this.timings.progressFlushMs, this.timings.heartbeatMs));
    let outcome: Outcome;
    try {
      outcome = await this.talkToConnect();
    } catch (error) {
      outcome = this.outcomeOfError(error);
    } finally {
      clearInterval(this.timer);
    }
    try {
      return await this.serialized(() => this.finish(outcome));
    } catch (error) {
      if (!(error instanceof LeaseLost)) this.log.error({ err: error }, "could not record the end of a run");
      return undefined;
    } finally {
      this.resolveFinished?.();
    }
  }

  cancel(): void {
    if (this.cancelling || this.controller.signal.aborted) return;
    this.cancelling = true;
    this.log.info("cancelling run");
    // connect ends the run and answers run_cancelled; if it cannot be reached (or the run is on another
    // connect replica), hanging up cancels it too.
    const grace = setTimeout(() => this.abort("cancel"), 2_000);
    grace.unref();
    this.context.connect
      .post(`/internal/ingestion-runs/${this.runId}/cancel`, {}, this.runId, 5_000)
      .then((response) => {
        if (response.status !== 202) this.abort("cancel");
      })
      .catch(() => this.abort("cancel"));
  }

  async handOff(): Promise<void> {
    this.abort("shutdown");
    await this.finished;
  }

  private abort(reason: AbortReason): void {
    if (this.controller.signal.aborted) return;
    this.abortReason = reason;
    this.controller.abort(new Error(`run ${reason}`));
  }

  private async talkToConnect(): Promise<Outcome> {
    const source = await loadDataSourceForRun(this.context, this.run0.workspace_id, this.run0.data_source_id);
    this.source = source;
    const streams = await this.streamSelection(source);
    const snapshots = await this.context.databases.core
      .selectFrom("stream_snapshots")
      .select(["stream", "state"])
      .where("data_source_id", "=", source.id)
      .execute();
    const state = Object.fromEntries(snapshots.map((snapshot) => [snapshot.stream, snapshot.state]));
    const body = {
      run_id: this.runId,
      connector: source.connector,
      credentials: source.credentials,
      config: source.config,
      ...(streams ? { streams } : {}),
      ...(this.run0.sync_mode === "incremental" && snapshots.length > 0 ? { state } : {}),
      storage: storageTargetFor(this.context.config, source.workspace_id, source.id),
    };
    if (this.controller.signal.aborted) return this.outcomeOfAbort();

    const response = await this.context.connect.stream("/internal/ingestion-runs", body, this.controller.signal, this.runId);
    if (response.status !== 200) return this.outcomeOfRefusal(response);
    if (!response.body) return { kind: "transient", error: connectLost() };

    let terminal: Outcome | undefined;
    for await (const line of ndjsonLines(response.body)) {
      const parsed = ingestionEventSchema.safeParse(safeJson(line));
      if (!parsed.success) {
        // An event this backend does not know (a newer connect) is not a reason to fail the run.
        continue;
      }
      terminal = await this.onEvent(parsed.data);
      if (terminal) break;
    }
    if (this.controller.signal.aborted) return this.outcomeOfAbort();
    // No run_completed, run_cancelled or run_failed: connect went away mid-run.
    return terminal ?? { kind: "transient", error: connectLost() };
  }

  /** The `streams` of connect's request, or undefined for every stream incrementally (connect's default). */
  private async streamSelection(source: DataSourceForRun) {
    const names = this.run0.streams ?? source.streams ?? undefined;
    if (this.run0.sync_mode === "incremental") return names;
    const all = names ?? (await this.catalog.require(source.connector, this.runId)).streams.map((stream) => stream.name);
    return all.map((name) => ({ name, sync_mode: "full_refresh" as const }));
  }

  private stream(name: string): StreamProgress {
    let progress = this.progress[name];
    if (!progress) {
      progress = emptyProgress();
      this.progress[name] = progress;
    }
    return progress;
  }

  private async onEvent(event: IngestionEventLine): Promise<Outcome | undefined> {
    switch (event.type) {
      case "run_started":
        for (const selected of event.streams) {
          const progress = this.stream(selected.name);
          // A stream committed by an earlier attempt of this run keeps its figures; others start over.
          if (progress.status !== "committed") Object.assign(progress, emptyProgress(), { sync_mode: selected.sync_mode });
        }
        this.markDirty();
        return undefined;
      case "stream_started":
        Object.assign(this.stream(event.stream), { status: "running", sync_mode: event.sync_mode, resumed: event.resumed_from !== null, started_at: event.at });
        this.markDirty();
        return undefined;
      case "progress":
        Object.assign(this.stream(event.stream), {
          status: "running",
          records: event.records,
          pages: event.pages,
          deletions: event.deletions,
          api_calls: event.api_calls,
        });
        this.markDirty();
        return undefined;
      case "checkpoint":
        return undefined;
      case "stream_committed": {
        Object.assign(this.stream(event.stream), {
          status: "committed",
          records: event.stats.records,
          pages: event.stats.pages,
          deletions: event.stats.deletions,
          api_calls: event.stats.api_calls,
          bytes: event.stats.bytes_written,
          files: event.stats.files_written,
          version: event.version,
          finished_at: event.at,
          error: null,
        });
        await this.serialized(() => this.recordSnapshot(event.stream, event.version, event.files, event.state, event.at));
        return undefined;
      }
      case "stream_compacted":
        this.stream(event.stream).version = event.version;
        await this.serialized(() => this.recordSnapshot(event.stream, event.version, event.files, undefined, event.at));
        return undefined;
      case "stream_skipped": {
        const progress = this.stream(event.stream);
        if (progress.status !== "committed") Object.assign(progress, { status: "skipped", version: event.version, finished_at: event.at });
        this.markDirty();
        await this.serialized(() => this.reconcileSkipped(event.stream));
        return undefined;
      }
      case "stream_failed":
        Object.assign(this.stream(event.stream), { status: "failed", error: event.error, finished_at: event.at });
        this.markDirty();
        return undefined;
      case "run_completed":
        return this.outcomeOfCompletion(event.status);
      case "run_cancelled":
        if (this.cancelling || this.abortReason === "cancel") return { kind: "cancelled" };
        // Not asked for: connect is shutting down. The run is resumed elsewhere.
        return { kind: "transient", error: { code: "connect_unavailable", message: `The ingestion service (connect) stopped the run: ${event.reason}` } };
      case "run_failed":
        return transientCodes.has(event.error.code) ? { kind: "transient", error: event.error } : { kind: "failed", error: event.error };
    }
  }

  private outcomeOfCompletion(status: "succeeded" | "partial" | "failed"): Outcome {
    const failed = Object.entries(this.progress).filter(([, progress]) => progress.status === "failed");
    if (status === "succeeded" || failed.length === 0) return { kind: "completed", status: "succeeded", error: null };
    const retryable = failed.some(([, progress]) => progress.error && transientCodes.has(progress.error.code));
    const summary = failed.map(([name, progress]) => `${name}: ${progress.error?.message ?? "failed"}`).join("; ");
    const error = {
      code: failed.length === 1 ? (failed[0]![1].error?.code ?? "stream_failed") : "streams_failed",
      message: `${failed.length} of ${Object.keys(this.progress).length} streams failed (${summary})`,
    };
    // Streams that failed for a passing reason are read again; the committed ones are skipped by connect.
    if (retryable) return { kind: "transient", error };
    return { kind: "completed", status: status === "partial" ? "partially_succeeded" : "failed", error };
  }

  private async outcomeOfRefusal(response: Response): Promise<Outcome> {
    const text = await response.text().catch(() => "");
    const parsed = connectErrorBodySchema.safeParse(safeJson(text));
    if (response.status === 401) {
      return {
        kind: "failed",
        error: { code: "connect_unavailable", message: "The ingestion service (connect) refused the backend's service token; CONNECT_SERVICE_TOKEN must be the same in both services" },
      };
    }
    if (!parsed.success) {
      return { kind: "transient", error: { code: "connect_unavailable", message: `The ingestion service (connect) answered HTTP ${response.status}` } };
    }
    const { code, message, field, retry_after_seconds: retryAfter } = parsed.data.error;
    const error = { code, message: field && !message.includes(field) ? `${field}: ${message}` : message };
    if (transientCodes.has(code) || response.status >= 500) return { kind: "transient", error, retryAfterSeconds: retryAfter };
    return { kind: "failed", error };
  }

  private outcomeOfError(error: unknown): Outcome {
    if (error instanceof LeaseLost) return { kind: "lost" };
    if (this.controller.signal.aborted) return this.outcomeOfAbort();
    if (error instanceof ApiError) {
      // The data source was deleted meanwhile (its run row went with it), or its credentials cannot be read.
      if (error.code === "connect_unavailable") return { kind: "transient", error: { code: error.code, message: error.message } };
      return { kind: "failed", error: { code: error.code, message: error.message } };
    }
    // A dropped connection mid-stream, a database hiccup: worth another attempt.
    this.log.warn({ err: error }, "run attempt failed unexpectedly");
    return { kind: "transient", error: connectLost() };
  }

  private outcomeOfAbort(): Outcome {
    if (this.abortReason === "lost") return { kind: "lost" };
    if (this.abortReason === "shutdown") return { kind: "handoff" };
    return { kind: "cancelled" };
  }

  private markDirty(): void {
    this.dirty = true;
  }

  private onTimer(): void {
    const now = Date.now();
    if (!this.dirty && now - this.lastWrite < this.timings.heartbeatMs) return;
    void this.serialized(() => this.heartbeat()).catch((error: unknown) => {
      if (error instanceof LeaseLost) this.abort("lost");
      else this.log.warn({ err: error }, "could not record run progress");
    });
  }

  /** Runs database writes of this execution one at a time, in order. */
  private serialized<T>(write: () => Promise<T>): Promise<T> {
    const next = this.writes.then(write);
    this.writes = next.then(
      () => undefined,
      () => undefined,
    );
    return next;
  }

  /** Progress and proof of life; tells whether someone asked to cancel (on any replica). */
  private async heartbeat(): Promise<void> {
    const row = await this.writeProgress(this.context.databases.core);
    if (row.cancel_requested_at) this.cancel();
  }

  /**
   * Writes progress, stats and the heartbeat, fenced by this execution's attempt: when another execution
   * owns the run now, nothing is written and LeaseLost is thrown.
   */
  private async writeProgress(db: Kysely<CoreSchema>): Promise<{ cancel_requested_at: Date | null }> {
    this.dirty = false;
    this.lastWrite = Date.now();
    const row = await db
      .updateTable("ingestion_runs")
      .set({ heartbeat_at: sql`now()`, progress: JSON.stringify(this.progress), stats: JSON.stringify(statsOf(this.progress)) })
      .where("id", "=", this.runId)
      .where("attempt", "=", this.attempt)
      .where("status", "=", "running")
      .returning("cancel_requested_at")
      .executeTakeFirst();
    if (!row) throw new LeaseLost("another execution owns this run now");
    return row;
  }

  /** The stream's committed snapshot and the run's progress, in one transaction. */
  private async recordSnapshot(stream: string, version: number, files: Array<{ key: string; rows: number; bytes: number }>, state: Record<string, unknown> | undefined, at: string) {
    const source = this.source!;
    await this.context.databases.core.transaction().execute(async (trx) => {
      await this.writeProgress(trx);
      const records = files.reduce((sum, file) => sum + file.rows, 0);
      const filesJson = JSON.stringify(files);
      if (state === undefined) {
        // Compaction: same rows and state, new files and version.
        await trx
          .updateTable("stream_snapshots")
          .set({ files: filesJson, manifest_version: version, records, committed_at: at })
          .where("data_source_id", "=", source.id)
          .where("stream", "=", stream)
          .where("manifest_version", "<", version)
          .execute();
        return;
      }
      const values = {
        data_source_id: source.id,
        stream,
        workspace_id: source.workspace_id,
        run_id: this.runId,
        manifest_version: version,
        state: JSON.stringify(state),
        files: filesJson,
        records,
        committed_at: at,
      };
      await trx
        .insertInto("stream_snapshots")
        .values(values)
        .onConflict((conflict) =>
          conflict
            .columns(["data_source_id", "stream"])
            .doUpdateSet({ run_id: values.run_id, manifest_version: version, state: values.state, files: filesJson, records, committed_at: at })
            // A snapshot never goes back to an older version.
            .where("stream_snapshots.manifest_version", "<", version),
        )
        .execute();
    });
  }

  /**
   * connect says this run id already committed the stream (a repeated attempt). If the backend did not
   * record that commit (the replica died between connect's commit and its own transaction), the
   * committed manifest is read from storage so the backend's snapshot catches up.
   */
  private async reconcileSkipped(stream: string): Promise<void> {
    const source = this.source!;
    const snapshot = await this.context.databases.core
      .selectFrom("stream_snapshots")
      .select(["run_id"])
      .where("data_source_id", "=", source.id)
      .where("stream", "=", stream)
      .executeTakeFirst();
    if (snapshot?.run_id === this.runId) return;
    const store = openMirrorStore(this.context.config.objectStorage);
    try {
      const bytes = await store.getBytes(manifestKey({ prefix: this.context.config.bucketPrefix, workspaceId: source.workspace_id, connectionId: source.id, stream }));
      const manifest = bytes ? streamManifestSchema.safeParse(safeJson(Buffer.from(bytes).toString("utf8"))) : undefined;
      if (!manifest?.success) {
        this.log.warn({ stream }, "committed stream's manifest not readable; its state is read from storage by the next run");
        return;
      }
      const progress = this.stream(stream);
      progress.version = manifest.data.version;
      await this.recordSnapshot(stream, manifest.data.version, manifest.data.files, manifest.data.state, manifest.data.committed_at);
    } catch (error) {
      if (error instanceof LeaseLost) throw error;
      this.log.warn({ stream, err: error }, "could not read a committed manifest to reconcile the stream's snapshot");
    } finally {
      await store.close().catch(() => undefined);
    }
  }

  /** Writes the outcome, fenced by the attempt; a transient failure queues the next attempt with a delay. */
  private async finish(outcome: Outcome): Promise<FinalStatus | undefined> {
    if (outcome.kind === "lost") return undefined;
    const core = this.context.databases.core;
    const current = await core.selectFrom("ingestion_runs").select(["cancel_requested_at"]).where("id", "=", this.runId).executeTakeFirst();
    // Asked to cancel: whatever went wrong since, the run ends cancelled (a completed run stays completed).
    if (current?.cancel_requested_at && outcome.kind !== "completed") outcome = { kind: "cancelled" };
    if (outcome.kind === "transient" && this.attempt >= this.timings.maxAttempts) {
      outcome = { kind: "failed", error: { ...outcome.error, message: `${outcome.error.message} (gave up after ${this.attempt} attempts)` } };
    }

    const unfinished = outcome.kind === "transient" || outcome.kind === "handoff";
    for (const progress of Object.values(this.progress)) {
      if (progress.status === "running" || progress.status === "pending") {
        progress.status = unfinished ? "pending" : "cancelled";
        if (!unfinished) progress.finished_at = new Date().toISOString();
      }
    }
    const progress = JSON.stringify(this.progress);
    const stats = JSON.stringify(statsOf(this.progress));
    if (outcome.kind === "transient" || outcome.kind === "handoff") {
      // A hand-off waits a moment: connect is still winding down the request this replica just closed.
      const delay = outcome.kind === "handoff" ? this.timings.retryBaseSeconds : retryDelaySeconds(this.timings, this.attempt, outcome.retryAfterSeconds ?? 0);
      const error =
        outcome.kind === "transient"
          ? { ...outcome.error, retry_at: new Date(Date.now() + delay * 1000).toISOString() }
          : (this.run0.error ?? null);
      await core.transaction().execute(async (trx) => {
        const requeued = await trx
          .updateTable("ingestion_runs")
          .set({ status: "queued", attempt: this.attempt + 1, heartbeat_at: null, progress, stats, error: error ? JSON.stringify(error) : null })
          .where("id", "=", this.runId)
          .where("attempt", "=", this.attempt)
          .where("status", "=", "running")
          .returning("id")
          .executeTakeFirst();
        if (requeued) await this.enqueue(trx, this.runId, delay);
      });
      if (outcome.kind === "transient") this.log.warn({ code: outcome.error.code, retry_in_seconds: delay, attempt: this.attempt }, "run attempt failed; retrying");
      else this.log.info("run handed back to the queue (shutdown)");
      return undefined;
    }

    const final =
      outcome.kind === "completed"
        ? { status: outcome.status, error: outcome.error }
        : outcome.kind === "cancelled"
          ? { status: "cancelled" as const, error: null }
          : { status: "failed" as const, error: outcome.error };
    const written = await core
      .updateTable("ingestion_runs")
      .set({ status: final.status, finished_at: sql`now()`, heartbeat_at: null, progress, stats, error: final.error ? JSON.stringify(final.error) : null })
      .where("id", "=", this.runId)
      .where("attempt", "=", this.attempt)
      .where("status", "=", "running")
      .returning("id")
      .executeTakeFirst();
    if (!written) return undefined;
    this.log.info({ status: final.status, code: final.error?.code }, "run finished");
    return final.status;
  }
}

function connectLost(): RunError {
  return { code: "connect_unavailable", message: "The ingestion service (connect) stopped answering before the run ended" };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The lines of an NDJSON body, as they arrive. */
async function* ndjsonLines(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let buffered = "";
  for await (const chunk of body) {
    buffered += decoder.decode(chunk, { stream: true });
    let newline = buffered.indexOf("\n");
    while (newline >= 0) {
      const line = buffered.slice(0, newline).trim();
      buffered = buffered.slice(newline + 1);
      if (line) yield line;
      newline = buffered.indexOf("\n");
    }
  }
  buffered += decoder.decode();
  if (buffered.trim()) yield buffered.trim();
}
