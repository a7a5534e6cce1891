import pLimit, { type LimitFunction } from "p-limit";
import { ConnectorError } from "../core/connector-errors.js";
import type { ReadContext } from "../core/connector-types.js";
import { ProviderHttpClient, type ProviderResponse, type ResponseVerdict } from "../core/provider-http.js";
import { readHttpOptions } from "../core/read-helpers.js";
import { classifySlackResponse } from "./slack-classify.js";
import type { SlackConfig } from "./slack-config.js";
import type { SlackCredentials } from "./slack-credentials.js";
import { sanitizedErrorCode } from "./slack-platform-errors.js";
import { isBotToken, slackTokenType } from "./slack-token-kinds.js";

export type SlackReadContext = ReadContext<SlackCredentials, SlackConfig>;

/**
 * Slack's pages: every list method documents "specify a limit value under 1000", so 999 is the largest
 * page a client can rely on. Apps held to smaller pages (15 for history and replies of commercially
 * distributed non-Marketplace apps since 2025) simply get shorter pages and more cursors.
 */
export const slackPageSize = 999;

/** Requests in flight at once per stream: Slack counts per method per minute, so more buys little. */
export const slackConcurrency = 4;

/** Errors that concern one channel or thread (gone, or the bot is not in it), skipped with a warning. */
const skippableErrors = new Set(["not_in_channel", "channel_not_found", "thread_not_found", "is_archived"]);

export class SlackObjectUnavailableError extends ConnectorError {
  constructor(readonly slackError: string) {
    super("provider_error", `Slack answered ${slackError}`);
    this.name = "SlackObjectUnavailableError";
  }
}

function classifyForRead(response: ProviderResponse): ResponseVerdict {
  const body = response.body as { ok?: unknown; error?: unknown } | undefined;
  const code = sanitizedErrorCode(body?.error);
  if (response.status === 200 && body?.ok === false && code && skippableErrors.has(code)) {
    return { kind: "error", error: new SlackObjectUnavailableError(code) };
  }
  return classifySlackResponse(response);
}

/** The Web API as one stream's read uses it: bounded concurrency, rate limits waited out. */
export class SlackReader {
  readonly client: ProviderHttpClient;
  readonly limit: LimitFunction;
  readonly isBot: boolean;
  /** Aborts what is still in flight once the stream's consumer is done (early stop, or a failure). */
  private readonly closer = new AbortController();

  constructor(readonly context: SlackReadContext) {
    this.client = new ProviderHttpClient({
      provider: "Slack",
      baseUrl: context.config.api_base_url,
      authHeaders: { authorization: `Bearer ${context.credentials.token}` },
      classify: classifyForRead,
      ...readHttpOptions(context as ReadContext<unknown, unknown>),
      signal: AbortSignal.any([context.signal, this.closer.signal]),
    });
    this.limit = pLimit(slackConcurrency);
    this.isBot = isBotToken(slackTokenType(context.credentials.token) ?? "user");
  }

  close(): void {
    this.closer.abort();
  }

  /** Calls a read method with GET and query arguments (every read method accepts them) and returns the body. */
  async call(method: string, args: Record<string, string | number | undefined>): Promise<Record<string, unknown>> {
    const response = await this.limit(() => this.client.request({ method: "GET", path: `/${method}`, query: args }));
    const body = response.body;
    if (typeof body !== "object" || body === null || Array.isArray(body)) {
      throw new ConnectorError("provider_error", `Slack's ${method} answer is not a JSON object.`, { providerStatus: response.status });
    }
    return body as Record<string, unknown>;
  }
}

/** The objects of a page's list field; a missing or malformed one is a provider error, never silence. */
export function objectsOf(body: Record<string, unknown>, field: string, method: string): Record<string, unknown>[] {
  const items = body[field];
  if (!Array.isArray(items) || items.some((item) => typeof item !== "object" || item === null || Array.isArray(item))) {
    throw new ConnectorError("provider_error", `Slack's ${method} answer has no "${field}" list.`);
  }
  return items as Record<string, unknown>[];
}

export function nextCursorOf(body: Record<string, unknown>): string | undefined {
  const metadata = body.response_metadata as { next_cursor?: unknown } | undefined;
  const cursor = metadata?.next_cursor;
  return typeof cursor === "string" && cursor !== "" ? cursor : undefined;
}
