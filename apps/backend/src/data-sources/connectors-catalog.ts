import { connectorListResponseSchema, type ConnectorListing } from "@tributary/contracts";
import { ApiError } from "../api-error.js";
import type { ConnectClient } from "../connect/connect-client.js";

/** How long connect's connector listing is reused: it changes only when connect is redeployed. */
export const connectorsCacheMs = 60_000;

/**
 * connect's `GET /internal/connectors` (ids, names, credentials and config JSON Schemas, streams), kept
 * in memory for {@link connectorsCacheMs}. Concurrent callers share one request; a failure is not
 * cached, so the next caller asks again. connect unreachable, refusing the service token or answering
 * something else than the listing: `connect_unavailable` (503).
 */
export class ConnectorsCatalog {
  private cached: { listing: ConnectorListing[]; fetchedAt: number } | undefined;
  private pending: Promise<ConnectorListing[]> | undefined;

  constructor(
    private readonly connect: ConnectClient,
    private readonly now: () => number = Date.now,
  ) {}

  async list(requestId?: string): Promise<ConnectorListing[]> {
    if (this.cached && this.now() - this.cached.fetchedAt < connectorsCacheMs) return this.cached.listing;
    this.pending ??= this.fetch(requestId).finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  /** The connector with this id, or a 400 on `connector` naming the ones that exist. */
  async require(connectorId: string, requestId?: string): Promise<ConnectorListing> {
    const listing = await this.list(requestId);
    const connector = listing.find((candidate) => candidate.id === connectorId);
    if (!connector) {
      const known = listing.map((candidate) => candidate.id).join(", ");
      throw new ApiError("bad_request", `connector: unknown connector "${connectorId}"; expected one of ${known}`, { field: "connector" });
    }
    return connector;
  }

  private async fetch(requestId: string | undefined): Promise<ConnectorListing[]> {
    const response = await this.connect.get("/internal/connectors", requestId).catch((error: unknown) => {
      // An answer that is not JSON (a proxy's error page) says the same as no answer.
      if (error instanceof ApiError) throw error;
      throw unavailable("answered GET /internal/connectors with something that is not JSON");
    });
    if (response.status === 401) throw unavailable("refused the backend's service token; CONNECT_SERVICE_TOKEN must be the same in both services");
    if (response.status !== 200) throw unavailable(`answered GET /internal/connectors with HTTP ${response.status}`);
    const parsed = connectorListResponseSchema.safeParse(response.body);
    if (!parsed.success) throw unavailable("answered GET /internal/connectors with a listing this backend does not understand");
    this.cached = { listing: parsed.data.connectors, fetchedAt: this.now() };
    return parsed.data.connectors;
  }
}

function unavailable(what: string): ApiError {
  return new ApiError("connect_unavailable", `The ingestion service (connect) ${what}`);
}
