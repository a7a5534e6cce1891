/**
 * The statement timeout. It counts only the time DuckDB spends on the query (preparing, and producing
 * each chunk of rows), not the time a slow client takes to read what was already produced, so a large
 * export is not cut short by the client's bandwidth. When the budget runs out, the connection is
 * interrupted and the pending call fails.
 */
export class StatementClock {
  private remainingMs: number;
  private expired = false;

  constructor(
    readonly timeoutMs: number,
    private readonly interrupt: () => void,
  ) {
    this.remainingMs = timeoutMs;
  }

  get timedOut(): boolean {
    return this.expired;
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.remainingMs <= 0) {
      this.expired = true;
      this.interrupt();
    }
    const started = performance.now();
    const timer = setTimeout(() => {
      this.expired = true;
      this.interrupt();
    }, Math.max(0, this.remainingMs));
    try {
      return await work();
    } finally {
      clearTimeout(timer);
      this.remainingMs -= performance.now() - started;
    }
  }
}
