import type { RawRecordBatch, ReadMessage, SourceRecord, StreamState } from "../core/connector-types.js";
import { githubReadConcurrency, type GithubReadContext } from "./github-read-client.js";

/** A validator kept for the next run: the exact request it answers and the ETag GitHub gave it. */
export interface KeptEtag {
  url: string;
  etag: string;
}

/** Where a partition's read starts: its saved cursor and, for incremental reads, its saved validator. */
export interface PartitionStart {
  cursor: string | null;
  etag: KeptEtag | undefined;
}

/**
 * What a partition reader yields. `progress.cursor` must be a safe resume point: every record with a
 * cursor value below it has been yielded. `done` marks the partition complete; `etag` (on done)
 * replaces the kept validator, `null` drops it, undefined keeps the old one.
 */
export type PartitionEvent =
  | { kind: "records"; records: SourceRecord[] }
  | { kind: "raw_records"; batch: RawRecordBatch }
  | { kind: "progress"; partition: string; cursor: string | null; done: boolean; etag?: KeptEtag | null };

/** Mid-partition checkpoints are sent every this many pages: enough to resume a long backfill, few enough to stay cheap. */
const pagesPerCheckpoint = 10;

/**
 * The state of a partitioned stream: one cursor per repository (`partitions`) and the ETags kept for
 * the next run (`extra.etags`). An incremental read starts from the saved state and keeps partitions
 * it does not visit; a full refresh starts empty and ignores saved validators (a 304 there would mean
 * "keep what you have", and a full refresh keeps nothing).
 */
export class PartitionState {
  private readonly partitions: Record<string, string | null>;
  private readonly etags: Record<string, KeptEtag>;
  private pagesSinceCheckpoint = 0;

  constructor(
    previous: StreamState | undefined,
    private readonly incremental: boolean,
  ) {
    const saved = incremental ? previous : undefined;
    this.partitions = Object.fromEntries(
      Object.entries(saved?.partitions ?? {}).map(([key, value]) => [key, typeof value === "string" ? value : null]),
    );
    this.etags = { ...readEtags(saved) };
  }

  start(partition: string): PartitionStart {
    return {
      cursor: this.incremental ? (this.partitions[partition] ?? null) : null,
      etag: this.incremental ? this.etags[partition] : undefined,
    };
  }

  /** Records a partition's progress; true when a state message should follow. */
  apply(event: Extract<PartitionEvent, { kind: "progress" }>): boolean {
    if (event.cursor !== null || !(event.partition in this.partitions)) this.partitions[event.partition] = event.cursor;
    if (event.etag === null) delete this.etags[event.partition];
    else if (event.etag) this.etags[event.partition] = event.etag;
    if (event.done) return true;
    this.pagesSinceCheckpoint += 1;
    if (this.pagesSinceCheckpoint < pagesPerCheckpoint) return false;
    this.pagesSinceCheckpoint = 0;
    return true;
  }

  /** A copy: messages must not change after they are yielded. */
  snapshot(): StreamState {
    const state: StreamState = { partitions: { ...this.partitions } };
    if (Object.keys(this.etags).length > 0) state.extra = { etags: structuredClone(this.etags) };
    return state;
  }
}

export function readEtags(state: StreamState | undefined): Record<string, KeptEtag> {
  const raw = state?.extra?.etags;
  if (typeof raw !== "object" || raw === null) return {};
  const etags: Record<string, KeptEtag> = {};
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    const candidate = value as Partial<KeptEtag> | null;
    if (typeof candidate?.url === "string" && typeof candidate.etag === "string") etags[key] = { url: candidate.url, etag: candidate.etag };
  }
  return etags;
}

/**
 * Reads every partition, `githubReadConcurrency` at a time, and turns their events into the stream's
 * messages: records as they come, a state after each completed partition (and every few pages of a
 * long one), and a final state. A state covers what was yielded before it: completed partitions at
 * their new cursor, partitions in progress at their last safe point or their previous cursor.
 */
export async function* readPartitioned(
  context: GithubReadContext,
  partitions: readonly string[],
  read: (partition: string, start: PartitionStart) => AsyncGenerator<PartitionEvent>,
): AsyncGenerator<ReadMessage> {
  const state = new PartitionState(context.state, context.syncMode === "incremental");
  const sources = partitions.map((partition) => () => read(partition, state.start(partition)));
  for await (const event of mergeGenerators(sources, githubReadConcurrency)) {
    if (event.kind === "records") {
      if (event.records.length > 0) yield { type: "records", records: event.records };
      continue;
    }
    if (event.kind === "raw_records") {
      if (event.batch.objects.length > 0) yield { type: "raw_records", batch: event.batch };
      continue;
    }
    if (state.apply(event)) yield { type: "state", state: state.snapshot() };
  }
  yield { type: "state", state: state.snapshot() };
}

/**
 * Interleaves async generators, running at most `concurrency` of them at once and starting the next
 * when one finishes. Each generator has at most one `next()` pending, so a slow consumer holds every
 * producer back (bounded memory). A failure in any generator ends the merge with that error; closing
 * the merge early (the consumer stops) closes every running generator.
 */
export async function* mergeGenerators<T>(
  sources: ReadonlyArray<() => AsyncGenerator<T>>,
  concurrency: number,
): AsyncGenerator<T> {
  type Outcome = { slot: number; result?: IteratorResult<T>; error?: unknown };
  const running = new Map<number, { generator: AsyncGenerator<T>; pending: Promise<Outcome> }>();
  let nextSource = 0;
  let nextSlot = 0;
  const pull = (slot: number, generator: AsyncGenerator<T>): Promise<Outcome> =>
    generator.next().then(
      (result) => ({ slot, result }),
      (error: unknown) => ({ slot, error }),
    );
  const startNext = (): boolean => {
    const source = sources[nextSource];
    if (!source) return false;
    nextSource += 1;
    const slot = nextSlot++;
    const generator = source();
    running.set(slot, { generator, pending: pull(slot, generator) });
    return true;
  };
  while (running.size < concurrency && startNext());
  try {
    while (running.size > 0) {
      const outcome = await Promise.race([...running.values()].map((entry) => entry.pending));
      const entry = running.get(outcome.slot);
      if (!entry) continue;
      if (outcome.error !== undefined) {
        running.delete(outcome.slot);
        throw outcome.error;
      }
      if (!outcome.result || outcome.result.done) {
        running.delete(outcome.slot);
        startNext();
        continue;
      }
      entry.pending = pull(outcome.slot, entry.generator);
      yield outcome.result.value;
    }
  } finally {
    // A generator with a next() in flight finishes that step first; its return then runs its cleanup.
    await Promise.allSettled([...running.values()].map((entry) => entry.pending.then(() => entry.generator.return(undefined))));
  }
}
