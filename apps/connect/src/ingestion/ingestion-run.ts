import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import type { IngestionEvent, StreamRunStats } from "@tributary/contracts";
import {
  ConnectorError,
  type AnyConnector,
  type ConnectorLogger,
  type ReadMessage,
  type StreamDeclaration,
  type StreamState,
} from "@tributary/connectors";
import {
  streamFolder,
  manifestFormat,
  widenColumnType,
  type ColumnType,
  type ManifestColumn,
  type StreamLocation,
  type StreamManifest,
} from "@tributary/mirror";
import type { ObjectStore } from "@tributary/object-store";
import { compactStream, needsCompaction, type CompactionPolicy } from "./compaction.js";
import { collectGarbage, commitManifest, readManifest } from "./manifest-store.js";
import type { ParquetConverter } from "./parquet-converter.js";
import { StreamWriter } from "./stream-writer.js";

export interface IngestionSettings {
  converter: ParquetConverter;
  /** Local folder for spool files; each run works in its own subfolder. */
  spoolDirectory: string;
  partBytes: number;
  /** How long replaced or orphaned data files stay before garbage collection deletes them. */
  garbageGraceMs: number;
  /** Most recent run ids kept in a manifest, to recognise a repeated run. */
  recentRunsKept: number;
  /** Minimum interval between two progress events of one stream. */
  progressIntervalMs: number;
  compaction: CompactionPolicy;
}

export interface SelectedStream {
  declaration: StreamDeclaration;
  syncMode: "full_refresh" | "incremental";
}

export interface IngestionRunInput {
  runId: string;
  connector: AnyConnector;
  credentials: unknown;
  config: unknown;
  streams: SelectedStream[];
  /** Committed state per stream from the backend; undefined: read each stream's state from its manifest. */
  state: Record<string, StreamState> | undefined;
  store: ObjectStore;
  location: Omit<StreamLocation, "stream">;
  deadlineAt: number;
  signal: AbortSignal;
  logger: ConnectorLogger;
}

type EventBody = IngestionEvent extends infer E ? (E extends IngestionEvent ? Omit<E, "at" | "run_id"> : never) : never;

/**
 * Runs one ingestion: each selected stream is read from its committed state, spooled to Parquet parts,
 * uploaded, and committed by replacing its manifest, last. A crash or cancel at any moment leaves every
 * stream at its previous committed snapshot; a stream already committed by this run id (a repeated
 * request) is skipped, so a run never writes the same data twice.
 */
export async function runIngestion(
  input: IngestionRunInput,
  settings: IngestionSettings,
  emit: (event: IngestionEvent) => void,
): Promise<void> {
  const started = Date.now();
  const send = (body: EventBody) => emit({ ...body, at: new Date().toISOString(), run_id: input.runId } as IngestionEvent);
  const workDirectory = join(settings.spoolDirectory, `${input.runId}-${process.pid}-${Date.now().toString(36)}`);
  const stats: Record<string, StreamRunStats> = {};
  const finalState: Record<string, Record<string, unknown>> = {};
  const shared = new Map<string, Promise<unknown>>();
  let failures = 0;

  send({
    type: "run_started",
    connector: input.connector.id,
    streams: input.streams.map((stream) => ({ name: stream.declaration.name, sync_mode: stream.syncMode })),
  });

  try {
    await mkdir(workDirectory, { recursive: true });
    for (const selected of input.streams) {
      input.signal.throwIfAborted();
      const name = selected.declaration.name;
      try {
        const outcome = await ingestStream(input, settings, selected, join(workDirectory, name), shared, send);
        if (outcome) {
          stats[name] = outcome.stats;
          finalState[name] = outcome.state;
        }
      } catch (error) {
        if (input.signal.aborted) throw error;
        failures += 1;
        const { code, message } = describeError(error);
        input.logger.warn({ stream: name, code, err: error }, "stream failed");
        send({ type: "stream_failed", stream: name, error: { code, message } });
      }
    }
    const status = failures === 0 ? "succeeded" : failures === input.streams.length ? "failed" : "partial";
    send({ type: "run_completed", status, stats, state: finalState, duration_ms: Date.now() - started });
  } catch (error) {
    if (input.signal.aborted) {
      const reason = input.signal.reason instanceof Error ? input.signal.reason.message : "cancelled";
      send({ type: "run_cancelled", reason });
    } else {
      send({ type: "run_failed", error: describeError(error) });
    }
  } finally {
    await rm(workDirectory, { recursive: true, force: true });
  }
}

async function ingestStream(
  input: IngestionRunInput,
  settings: IngestionSettings,
  selected: SelectedStream,
  workDirectory: string,
  shared: Map<string, Promise<unknown>>,
  send: (body: EventBody) => void,
): Promise<{ stats: StreamRunStats; state: Record<string, unknown> } | undefined> {
  const { declaration, syncMode } = selected;
  const location: StreamLocation = { ...input.location, stream: declaration.name };
  const started = Date.now();
  const prior = await readManifest(input.store, location);

  if (prior?.recent_runs.includes(input.runId)) {
    send({ type: "stream_skipped", stream: declaration.name, reason: "already_committed", version: prior.version });
    return undefined;
  }

  const resumeFrom = syncMode === "incremental" ? (input.state?.[declaration.name] ?? (prior?.state as StreamState | undefined)) : undefined;
  const hasResumeState = resumeFrom !== undefined && Object.keys(resumeFrom).length > 0;
  send({ type: "stream_started", stream: declaration.name, sync_mode: syncMode, resumed_from: hasResumeState ? { ...resumeFrom } : null });

  await mkdir(workDirectory, { recursive: true });
  const version = (prior?.version ?? 0) + 1;
  const writer = new StreamWriter({
    workDirectory,
    partBytes: settings.partBytes,
    converter: settings.converter,
    store: input.store,
    streamFolder: streamFolder(location),
    runId: input.runId,
    version,
    primaryKey: declaration.primaryKey,
    signal: input.signal,
  });

  const counters = { records: 0, pages: 0, deletions: 0, apiCalls: 0 };
  let lastProgress = 0;
  const progress = (force: boolean) => {
    const now = Date.now();
    if (!force && now - lastProgress < settings.progressIntervalMs) return;
    lastProgress = now;
    send({
      type: "progress",
      stream: declaration.name,
      records: counters.records,
      pages: counters.pages,
      deletions: counters.deletions,
      api_calls: counters.apiCalls,
    });
  };

  let state: StreamState | undefined = resumeFrom;
  let committed = false;
  try {
    const messages: AsyncIterable<ReadMessage> = input.connector.read({
      credentials: input.credentials,
      config: input.config,
      stream: declaration,
      syncMode,
      state: hasResumeState ? resumeFrom : undefined,
      deadlineAt: input.deadlineAt,
      signal: input.signal,
      logger: input.logger,
      onResponse: () => {
        counters.apiCalls += 1;
      },
      shared,
    });
    for await (const message of messages) {
      input.signal.throwIfAborted();
      switch (message.type) {
        case "records":
          counters.pages += 1;
          counters.records += message.records.length;
          await writer.addRecords(message.records);
          progress(false);
          break;
        case "raw_records":
          counters.pages += 1;
          counters.records += message.batch.objects.length;
          await writer.addRawRecords(message.batch);
          progress(false);
          break;
        case "deletions":
          // A full refresh replaces the whole snapshot: what is gone is simply not in it.
          if (syncMode === "incremental") {
            counters.deletions += message.keys.length;
            await writer.addDeletions(message.keys);
          }
          break;
        case "state":
          state = message.state;
          send({ type: "checkpoint", stream: declaration.name, state: { ...message.state }, records: counters.records });
          break;
      }
    }
    const files = await writer.finish();
    progress(true);

    const columns = mergeColumns(syncMode === "incremental" ? prior?.columns : undefined, writer.runColumns());
    const manifest: StreamManifest = {
      format: manifestFormat,
      connector: input.connector.id,
      workspace_id: location.workspaceId,
      connection_id: location.connectionId,
      stream: declaration.name,
      version,
      committed_at: new Date().toISOString(),
      run_id: input.runId,
      sync_mode: syncMode,
      primary_key: declaration.primaryKey,
      cursor_field: declaration.cursorField,
      columns,
      files: syncMode === "incremental" ? [...(prior?.files ?? []), ...files] : files,
      state: { ...(state ?? {}) },
      recent_runs: [...(prior?.recent_runs ?? []), input.runId].slice(-settings.recentRunsKept),
    };
    input.signal.throwIfAborted();
    const manifestKey = await commitManifest(input.store, location, manifest);
    committed = true;

    const stats: StreamRunStats = {
      records: counters.records,
      pages: counters.pages,
      deletions: counters.deletions,
      api_calls: counters.apiCalls,
      files_written: files.length,
      bytes_written: writer.bytesWritten,
      duration_ms: Date.now() - started,
    };
    send({
      type: "stream_committed",
      stream: declaration.name,
      version,
      manifest_key: manifestKey,
      files: manifest.files.map((file) => ({ key: file.key, rows: file.rows, bytes: file.bytes })),
      state: manifest.state,
      columns,
      stats,
    });

    let live = manifest;
    if (syncMode === "incremental" && needsCompaction(manifest, settings.compaction)) {
      live = await compactStream({
        store: input.store,
        location,
        manifest,
        converter: settings.converter,
        workDirectory,
        runId: input.runId,
        signal: input.signal,
      });
      send({
        type: "stream_compacted",
        stream: declaration.name,
        version: live.version,
        manifest_key: manifestKey,
        files: live.files.map((file) => ({ key: file.key, rows: file.rows, bytes: file.bytes })),
        files_before: manifest.files.length,
      });
    }

    try {
      await collectGarbage(input.store, location, live, settings.garbageGraceMs);
    } catch (error) {
      input.logger.warn({ stream: declaration.name, err: error }, "garbage collection failed; retried at the next commit");
    }
    return { stats, state: manifest.state };
  } finally {
    if (!committed) {
      await writer.discard();
      // Uncommitted parts are invisible to readers; removing them now saves waiting for garbage collection.
      if (writer.uploaded.length > 0) await input.store.deleteMany([...writer.uploaded]).catch(() => undefined);
    }
    await rm(workDirectory, { recursive: true, force: true });
  }
}

/**
 * The stream's schema after this run: the previous columns, widened by what this run saw, new ones
 * appended. A column this run only saw as null keeps its type; one never seen with a value is text.
 */
function mergeColumns(
  previous: ManifestColumn[] | undefined,
  current: Array<{ name: string; type: ColumnType | undefined }>,
): ManifestColumn[] {
  const merged = new Map<string, ColumnType | undefined>();
  for (const column of previous ?? []) merged.set(column.name, column.type);
  for (const column of current) {
    const before = merged.get(column.name);
    if (column.type === undefined) {
      if (!merged.has(column.name)) merged.set(column.name, undefined);
    } else {
      merged.set(column.name, before === undefined ? column.type : widenColumnType(before, column.type));
    }
  }
  return [...merged].map(([name, type]) => ({ name, type: type ?? "VARCHAR" }));
}

function describeError(error: unknown): { code: string; message: string } {
  if (error instanceof ConnectorError) return { code: error.code, message: error.message };
  if (error instanceof Error && error.name === "ObjectStoreError") return { code: "storage_error", message: error.message };
  return { code: "internal_error", message: error instanceof Error ? error.message.slice(0, 500) : "unexpected failure" };
}
