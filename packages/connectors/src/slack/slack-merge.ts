/**
 * Runs up to `concurrency` async generators at once and yields their values as they come. Each source
 * has at most one pending `next()`, so a slow consumer holds every producer back (bounded memory). When
 * the consumer stops early or a source fails, the remaining sources are closed (their in-flight request
 * ends with the run's signal).
 */
export async function* mergeBounded<T>(sources: Iterable<() => AsyncGenerator<T>>, concurrency: number): AsyncGenerator<T> {
  const pending = sources[Symbol.iterator]();
  type Pull = { generator: AsyncGenerator<T>; result: IteratorResult<T> };
  const active = new Map<AsyncGenerator<T>, Promise<Pull>>();

  const pull = (generator: AsyncGenerator<T>) => {
    active.set(
      generator,
      generator.next().then((result) => ({ generator, result })),
    );
  };
  const startNext = (): boolean => {
    const next = pending.next();
    if (next.done) return false;
    pull(next.value());
    return true;
  };

  try {
    while (active.size < Math.max(1, concurrency) && startNext()) {
      // filled up to the concurrency
    }
    while (active.size > 0) {
      const { generator, result } = await Promise.race(active.values());
      if (result.done) {
        active.delete(generator);
        startNext();
        continue;
      }
      // Ask for the next value before yielding, so the source works while the consumer does.
      pull(generator);
      yield result.value;
    }
  } finally {
    const closing = [...active.keys()].map((generator) => {
      const inFlight = active.get(generator);
      // A closed source's in-flight pull may still fail; nobody waits for it any more.
      inFlight?.catch(() => undefined);
      return generator.return(undefined).catch(() => undefined);
    });
    active.clear();
    // Not awaited: a source may be waiting out a rate limit; the run's signal ends its request.
    void Promise.all(closing);
  }
}
