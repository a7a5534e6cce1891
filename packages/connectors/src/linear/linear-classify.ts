import { ConnectorError } from "../core/connector-errors.js";
import type { ProviderResponse, ResponseVerdict } from "../core/provider-http.js";
import type { LinearAuthorization } from "./linear-authorization.js";
import { describeLinearError, linearErrorKind, parseGraphqlEnvelope } from "./linear-graphql-envelope.js";
import { linearRateLimit } from "./linear-rate-limit.js";

/**
 * Classifies an answer of Linear's GraphQL endpoint. Linear reports failures in the `errors` array and
 * the HTTP status does not reliably say which (rate limits came as HTTP 200, now as 400; scope refusals
 * come as 400 with `statusCode: 403` inside), so the array decides whenever there is one.
 *
 * FORBIDDEN errors are accepted as answers: they say which fields the credentials may not read, which
 * the caller turns into missing scopes (validation) or skipped streams (ingestion).
 */
export function linearResponseClassifier(authorization: LinearAuthorization) {
  return function classifyLinearResponse({ status, headers, body }: ProviderResponse): ResponseVerdict {
    const envelope = parseGraphqlEnvelope(body);
    const errors = envelope?.errors ?? [];
    const kinds = errors.map(linearErrorKind);

    if (kinds.includes("authentication") || (status === 401 && !envelope)) {
      return { kind: "error", error: invalidCredentials(authorization, status) };
    }
    if (kinds.includes("rate_limited") || status === 429) {
      const { retryAfterMs, reason } = linearRateLimit(headers);
      return { kind: "rate_limited", retryAfterMs, reason };
    }
    if (status >= 500 || status === 408 || kinds.includes("transient")) {
      return { kind: "transient", reason: `HTTP ${status}` };
    }
    // An empty answer is a connection cut short, like a truncated body: worth another try.
    if (body === undefined) return { kind: "transient", reason: `empty response body (HTTP ${status})` };
    if (!envelope) {
      return {
        kind: "error",
        error: new ConnectorError(
          "provider_error",
          `The answer (HTTP ${status}) is not a GraphQL response; check that api_base_url points at the Linear API, such as https://api.linear.app.`,
          { providerStatus: status },
        ),
      };
    }
    const refused = errors.find((_error, index) => kinds[index] === "other");
    if (refused) {
      return {
        kind: "error",
        error: new ConnectorError("provider_error", `Linear refused the query: ${describeLinearError(refused)}`, {
          providerStatus: status,
        }),
      };
    }
    if (envelope.data === null && errors.length === 0) {
      return { kind: "transient", reason: `GraphQL answer without data or errors (HTTP ${status})` };
    }
    return { kind: "ok" };
  };
}

function invalidCredentials(authorization: LinearAuthorization, status: number): ConnectorError {
  const remedy =
    authorization.tokenType === "api_key"
      ? "Create a new key under Settings → Account → Security & access in Linear and paste it again."
      : "Authorize the Linear OAuth application again (or refresh the token) and paste the new access token.";
  return new ConnectorError(
    "invalid_credentials",
    `Linear rejected the ${authorization.label}: it is wrong, revoked or expired. ${remedy}`,
    { providerStatus: status },
  );
}
