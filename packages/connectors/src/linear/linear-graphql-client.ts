import { ConnectorError } from "../core/connector-errors.js";
import { ProviderHttpClient } from "../core/provider-http.js";
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
