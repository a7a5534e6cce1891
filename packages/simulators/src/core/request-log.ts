export interface LoggedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  status: number;
  /** Authorization-like header values are never kept: only whether one was sent. */
  authenticated: boolean;
}

/** What a simulator was asked, so tests can assert call counts (the minimum-calls goals rest on it). */
export class RequestLog {
  private readonly entries: LoggedRequest[] = [];

  record(entry: LoggedRequest): void {
    this.entries.push(entry);
  }

  all(): readonly LoggedRequest[] {
    return this.entries;
  }

  /** Requests whose path equals `path`, or starts with it when it ends in `*`. */
  count(path?: string): number {
    if (!path) return this.entries.length;
    const prefix = path.endsWith("*") ? path.slice(0, -1) : undefined;
    return this.entries.filter((entry) => (prefix ? entry.path.startsWith(prefix) : entry.path === path)).length;
  }

  clear(): void {
    this.entries.length = 0;
  }
}
