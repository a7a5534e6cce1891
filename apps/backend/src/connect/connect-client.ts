import { ApiError } from "../api-error.js";

export interface ConnectClientOptions {
  baseUrl: string;
  serviceToken: string;
  /** Per-request timeout for everything but ingestion runs (which stream for as long as they run). */
  timeoutMs?: number;
}

/**
 * connect's internal API as the backend calls it: the service token on every request, the caller's
 * request id passed on so one action can be followed across both services' logs, and connect being
 * down reported as `connect_unavailable` (503) rather than an internal error.
 */
export class ConnectClient {
  constructor(private readonly options: ConnectClientOptions) {}

  /** True when connect answers its health check. */
  async healthy(): Promise<boolean> {
    try {
      const response = await fetch(`${this.options.baseUrl}/health`, { signal: AbortSignal.timeout(this.options.timeoutMs ?? 5000) });
      return response.ok;
    } catch {
      return false;
    }
  }

  /** POSTs JSON to an internal route and returns the parsed answer with its status (4xx answers included). */
  async post<T = unknown>(path: string, body: unknown, requestId?: string, timeoutMs = this.options.timeoutMs ?? 60_000): Promise<{ status: number; body: T }> {
    const response = await this.send("POST", path, body, requestId, AbortSignal.timeout(timeoutMs));
    return { status: response.status, body: (await response.json()) as T };
  }

  async get<T = unknown>(path: string, requestId?: string): Promise<{ status: number; body: T }> {
    const response = await this.send("GET", path, undefined, requestId, AbortSignal.timeout(this.options.timeoutMs ?? 30_000));
    return { status: response.status, body: (await response.json()) as T };
  }

  /** Opens a streaming POST (an ingestion run): the caller reads NDJSON from the body and may abort. */
  async stream(path: string, body: unknown, signal: AbortSignal, requestId?: string): Promise<Response> {
    return this.send("POST", path, body, requestId, signal);
  }

  private async send(method: string, path: string, body: unknown, requestId: string | undefined, signal: AbortSignal): Promise<Response> {
    const headers: Record<string, string> = { "x-connect-service-token": this.options.serviceToken };
    if (body !== undefined) headers["content-type"] = "application/json";
    if (requestId) headers["x-request-id"] = requestId;
    try {
      return await fetch(`${this.options.baseUrl}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal });
    } catch (error) {
      if (signal.aborted && (signal.reason as Error | undefined)?.name !== "TimeoutError") throw error;
      throw new ApiError("connect_unavailable", `The ingestion service (connect) did not answer ${method} ${path}; check CONNECT_SERVICE_URL and that connect is running`);
    }
  }
}
