import { ConnectorError } from "@tributary/connectors";

interface ActiveRun {
  runId: string;
  connectionKey: string;
  controller: AbortController;
}

/**
 * The runs this process is executing. It refuses a second run with the same id or on the same
 * connection while one is active (the backend allows one active run per data source; this is the
 * second line of defence), and finds runs to cancel.
 */
export class RunRegistry {
  private readonly byRunId = new Map<string, ActiveRun>();
  private readonly byConnection = new Map<string, ActiveRun>();

  start(runId: string, connectionKey: string): AbortController {
    if (this.byRunId.has(runId)) {
      throw new ConnectorError("run_in_progress", `Run ${runId} is already in progress`, { field: "run_id" });
    }
    const busy = this.byConnection.get(connectionKey);
    if (busy) {
      throw new ConnectorError("run_in_progress", `Run ${busy.runId} is already in progress for this connection`, { field: "storage" });
    }
    const run: ActiveRun = { runId, connectionKey, controller: new AbortController() };
    this.byRunId.set(runId, run);
    this.byConnection.set(connectionKey, run);
    return run.controller;
  }

  finish(runId: string): void {
    const run = this.byRunId.get(runId);
    if (!run) return;
    this.byRunId.delete(runId);
    this.byConnection.delete(run.connectionKey);
  }

  /** Cancels a run; false when no such run is active here. */
  cancel(runId: string, reason: string): boolean {
    const run = this.byRunId.get(runId);
    if (!run) return false;
    run.controller.abort(new ConnectorError("cancelled", reason));
    return true;
  }

  /** Cancels every run (shutdown). */
  cancelAll(reason: string): void {
    for (const runId of [...this.byRunId.keys()]) this.cancel(runId, reason);
  }

  get size(): number {
    return this.byRunId.size;
  }
}
