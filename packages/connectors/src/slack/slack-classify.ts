import { ConnectorError } from "../core/connector-errors.js";
import { parseRetryAfter, type ProviderResponse, type ResponseVerdict } from "../core/provider-http.js";
import { classifyPlatformError, sanitizedErrorCode } from "./slack-platform-errors.js";

// Slack sends Retry-After with every 429; this only covers a proxy that dropped it. A minute is the
// window Slack's per-method tiers are counted over.
const fallbackRetryAfterMs = 60_000;

/**
 * Classifies a Web API answer. Slack uses HTTP status only for rate limits (429) and outages (5xx);
 * everything else comes back as HTTP 200 with `"ok": false` and an error code, which must win over
 * the status. An `"ok": true` is the only success.
 */
export function classifySlackResponse(response: ProviderResponse): ResponseVerdict {
  const { status, headers, body } = response;
  const envelope = isRecord(body) ? body : undefined;
  const errorCode = sanitizedErrorCode(envelope?.error);

  if (status === 429 || errorCode === "ratelimited") {
    return {
      kind: "rate_limited",
      retryAfterMs: parseRetryAfter(headers.get("retry-after")) ?? fallbackRetryAfterMs,
      reason: `HTTP ${status} ratelimited`,
    };
  }
  if (status >= 500 || status === 408) {
    return { kind: "transient", reason: errorCode ? `HTTP ${status} ${errorCode}` : `HTTP ${status}` };
  }
  // An empty answer is a connection cut short, like a truncated body: worth another try.
  if (body === undefined) return { kind: "transient", reason: `empty response body (HTTP ${status})` };

  if (!envelope || typeof envelope.ok !== "boolean") {
    return {
      kind: "error",
      error: new ConnectorError(
        "provider_error",
        `The answer (HTTP ${status}) is not a Slack Web API response; check that api_base_url points at the Web API, such as https://slack.com/api.`,
        { providerStatus: status },
      ),
    };
  }
  if (envelope.ok) {
    if (status >= 200 && status < 300) return { kind: "ok" };
    return {
      kind: "error",
      error: new ConnectorError("provider_error", `Slack answered HTTP ${status} to a successful call.`, { providerStatus: status }),
    };
  }
  return classifyPlatformError(envelope, status);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
