import { parseScannedObject } from "@tributary/mirror";
import type { RawRecordBatch, ReadContext, ReadMessage, SourceRecord } from "./connector-types.js";
import type { ProviderHttpOptions } from "./provider-http.js";

/**
 * The HTTP client options every stream reader uses: the run's deadline and cancellation, statistics,
 * and rate limits waited out (within the deadline) instead of failing the run.
 */
export function readHttpOptions(
  context: ReadContext<unknown, unknown>,
): Pick<ProviderHttpOptions, "deadlineAt" | "signal" | "logger" | "onResponse" | "waitOnRateLimit" | "requestDeadlineMs"> {
  return {
    deadlineAt: context.deadlineAt,
    signal: context.signal,
    logger: context.logger,
    onResponse: context.onResponse,
    waitOnRateLimit: true,
    // One page may wait out a rate-limit window (GitHub's is up to an hour); the run deadline still bounds it.
    requestDeadlineMs: 60 * 60 * 1000,
  };
}

/** Memoizes a run-wide lookup in `context.shared`, so streams of one run fetch it once. */
export function sharedLookup<T>(context: ReadContext<unknown, unknown>, key: string, load: () => Promise<T>): Promise<T> {
  const existing = context.shared.get(key) as Promise<T> | undefined;
  if (existing) return existing;
  const pending = load();
  context.shared.set(key, pending);
  // A failed lookup must not poison later streams of the run with a cached rejection.
  pending.catch(() => context.shared.delete(key));
  return pending;
}

/** The larger of two cursor values (ISO timestamps compare as strings; numbers as numbers). */
export function maxCursor<T extends string | number>(current: T | null | undefined, candidate: T | null | undefined): T | null {
  if (candidate === null || candidate === undefined) return current ?? null;
  if (current === null || current === undefined) return candidate;
  return candidate > current ? candidate : current;
}

/** The records of a batch of unparsed records, parsed, with the batch's extra fields: for consumers that want objects. */
export function recordsOfRawBatch(batch: RawRecordBatch): SourceRecord[] {
  return batch.objects.map((object) => ({ ...parseScannedObject(batch.page, object), ...batch.extraFields }));
}

/** The records a message carries, parsed; empty for deletions and states. */
export function recordsOfMessage(message: ReadMessage): SourceRecord[] {
  if (message.type === "records") return message.records;
  if (message.type === "raw_records") return recordsOfRawBatch(message.batch);
  return [];
}
