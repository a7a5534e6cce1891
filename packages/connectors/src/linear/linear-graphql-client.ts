import { ConnectorError } from "../core/connector-errors.js";
import { ProviderHttpClient, type ProviderHttpOptions } from "../core/provider-http.js";
import type { ConnectorLogger } from "../core/logger-types.js";
import type { LinearAuthorization } from "./linear-authorization.js";
import { linearResponseClassifier } from "./linear-classify.js";
import { parseGraphqlEnvelope, type LinearGraphqlEnvelope } from "./linear-graphql-envelope.js";

export interface LinearClientOptions {
  apiBaseUrl: string;
  authorization: LinearAuthorization;
  deadlineAt?: number;
  signal?: AbortSignal;
  logger: ConnectorLogger;
  /** Validation reports a rate limit with its retry time; a sync may wait it out instead. */
  waitOnRateLimit: boolean;
  /** Budget of one logical request, retries and rate-limit waits included (default 30 s). */
  requestDeadlineMs?: number;
  /** Called after every HTTP answer (run statistics). */
  onResponse?: ProviderHttpOptions["onResponse"];
}

export function createLinearHttpClient(options: LinearClientOptions): ProviderHttpClient {
  return new ProviderHttpClient({
    provider: "Linear",
    baseUrl: options.apiBaseUrl,
    authHeaders: options.authorization.headers,
    classify: linearResponseClassifier(options.authorization),
    deadlineAt: options.deadlineAt,
    signal: options.signal,
    logger: options.logger,
    waitOnRateLimit: options.waitOnRateLimit,
    // Left out when unset: an explicit undefined would override the client's defaults.
    ...(options.requestDeadlineMs !== undefined ? { requestDeadlineMs: options.requestDeadlineMs } : {}),
    ...(options.onResponse ? { onResponse: options.onResponse } : {}),
  });
}

/**
 * Sends one GraphQL document to `/graphql`. What comes back passed the classifier: data, possibly with
 * FORBIDDEN errors for the fields the credentials may not read.
 */
export async function postLinearQuery(
  client: ProviderHttpClient,
  query: string,
  variables?: Record<string, unknown>,
): Promise<LinearGraphqlEnvelope> {
  const response = await client.request({ method: "POST", path: "/graphql", json: { query, variables } });
  const envelope = parseGraphqlEnvelope(response.body);
  if (!envelope) {
    throw new ConnectorError("provider_error", "Linear's answer is not a GraphQL response", {
      providerStatus: response.status,
    });
  }
  return envelope;
}
