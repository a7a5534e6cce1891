/**
 * Faults a test arms before a request: the next `times` matching requests fail the way the provider
 * fails. `server_error` answers 5xx, `rate_limit` answers with the provider's own rate-limit response,
 * `malformed` answers 200 with a body that is not JSON, `hang` never answers (until the client gives up),
 * `hold` keeps the request waiting until the test calls `releaseHeld()`, then answers normally: how a
 * test keeps a request in flight without sleeping.
 */
export type FaultKind = "server_error" | "rate_limit" | "malformed" | "hang" | "hold";

export interface FaultSpec {
  kind: FaultKind;
  /** How many matching requests the fault applies to (default 1); `Infinity` keeps it armed. */
  times?: number;
  /** Only requests whose path starts with this. */
  pathPrefix?: string;
  /** For `server_error`: the status (default 500). */
  status?: number;
  /** For `rate_limit`: seconds until the window resets (default 30). */
  retryAfterSeconds?: number;
}

interface ArmedFault extends FaultSpec {
  remaining: number;
}

export class FaultInjector {
  private faults: ArmedFault[] = [];
  private held: Array<() => void> = [];
  private heldWaiters: Array<() => void> = [];

  /** Parks a request until `releaseHeld()`; used by the server for `hold` faults. */
  hold(): Promise<void> {
    return new Promise((resolve) => {
      this.held.push(resolve);
      for (const waiter of this.heldWaiters.splice(0)) waiter();
    });
  }

  /** Resolves once at least one request is being held. */
  waitForHeld(): Promise<void> {
    if (this.held.length > 0) return Promise.resolve();
    return new Promise((resolve) => this.heldWaiters.push(resolve));
  }

  releaseHeld(): void {
    for (const release of this.held.splice(0)) release();
  }

  inject(spec: FaultSpec): void {
    this.faults.push({ ...spec, remaining: spec.times ?? 1 });
  }

  /** Takes the first armed fault matching the path, consuming one use. */
  take(path: string): FaultSpec | undefined {
    const fault = this.faults.find((candidate) => !candidate.pathPrefix || path.startsWith(candidate.pathPrefix));
    if (!fault) return undefined;
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.faults = this.faults.filter((candidate) => candidate !== fault);
    return fault;
  }

  clear(): void {
    this.faults = [];
    this.releaseHeld();
  }

  get armed(): number {
    return this.faults.length;
  }
}
