import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { setTimeout as delay } from "node:timers/promises";
import { bearerToken } from "../core/simulator-server.js";
import { historyRefusal, visibleChannels, windowBounds } from "./slack-conversations.js";
import { sendMissingScope, sendRateLimited, sendSlackError } from "./slack-errors.js";
import { parseTs, renderChannel, renderMessage, renderUser, slackTeam, type MessageModel } from "./slack-model.js";
import { setScopeHeaders, setSlackHeaders } from "./slack-headers.js";
import {
  InvalidCursorError,
  decodeTsCursor,
  encodeTsCursor,
  pageLimit,
  paginate,
  slackMaxPageSize,
} from "./slack-pagination.js";
import type { SlackMethodName } from "./slack-rate-limits.js";
import type { SlackSimulatorState } from "./slack-state.js";
import type { SlackTokenGrant } from "./slack-tokens.js";
import { lowerBound } from "./slack-workspace.js";

type Params = Record<string, string | undefined>;

const slackEnterpriseId = "E07TRIBORG";

interface MethodCall {
  params: Params;
  grant: SlackTokenGrant;
  reply: FastifyReply;
  state: SlackSimulatorState;
}

/** A success body, or the reply already sent with an error. */
type MethodResult = Record<string, unknown> | FastifyReply;

interface SlackMethod {
  /**
   * Scopes that let the method be called at all (`x-accepted-oauth-scopes`); holding none of them is
   * `missing_scope`. Per-object rules (private channels, membership) are the handler's.
   */
  acceptedScopes: readonly string[];
  handle(call: MethodCall): MethodResult;
}

const conversationTypeScopes: Record<string, string> = {
  public_channel: "channels:read",
  private_channel: "groups:read",
  mpim: "mpim:read",
  im: "im:read",
};

const historyScopes = ["channels:history", "groups:history", "mpim:history", "im:history"];

const methods: Record<string, SlackMethod> = {
  "auth.test": { acceptedScopes: [], handle: authTest },
  "conversations.list": { acceptedScopes: Object.values(conversationTypeScopes), handle: conversationsList },
  "users.list": { acceptedScopes: ["users:read"], handle: usersList },
  "conversations.history": { acceptedScopes: historyScopes, handle: conversationsHistory },
  "conversations.replies": { acceptedScopes: historyScopes, handle: conversationsReplies },
};

/**
 * Web API methods, served at `/<method>` and at `/api/<method>` so that both the simulator's root URL
 * and a slack.com-like `<root>/api` work as `api_base_url`. Slack accepts GET and POST alike, with
 * arguments in the query string, a form body or a JSON body.
 */
export function registerSlackRoutes(app: FastifyInstance, state: SlackSimulatorState): void {
  for (const prefix of ["", "/api"]) {
    app.route({
      method: ["GET", "POST"],
      url: `${prefix}/:method`,
      handler: async (request, reply) => dispatch(request, reply, state),
    });
  }
}

async function dispatch(request: FastifyRequest, reply: FastifyReply, state: SlackSimulatorState): Promise<FastifyReply> {
  if (state.latencyMs > 0) await delay(state.latencyMs);
  const name = (request.params as { method: string }).method;
  const method = methods[name];
  if (!method) return sendSlackError(reply, "unknown_method", { req_method: name });

  const injected = state.takePlatformError();
  if (injected) return sendSlackError(reply, injected.error, injected.extra ?? {}, injected.status ?? 200);

  const params = paramsOf(request);
  const token = bearerToken(request) ?? params.token;
  if (!token) return sendSlackError(reply, "not_authed");
  const grant = state.tokens.get(token);
  if (!grant) return sendSlackError(reply, "invalid_auth");
  if (grant.refusal) return sendSlackError(reply, grant.refusal);
  const retryAfter = state.rateLimiter.take(name);
  if (retryAfter !== undefined) return sendRateLimited(reply, retryAfter);

  setSlackHeaders(reply);
  setScopeHeaders(reply, grant.scopes, method.acceptedScopes);
  if (method.acceptedScopes.length > 0 && !method.acceptedScopes.some((scope) => grant.scopes.includes(scope))) {
    return sendMissingScope(reply, method.acceptedScopes, grant.scopes);
  }
  try {
    const result = method.handle({ params, grant, reply, state });
    return isReply(result) ? result : reply.code(200).send({ ok: true, ...result });
  } catch (error) {
    if (error instanceof InvalidCursorError) return sendSlackError(reply, "invalid_cursor");
    throw error;
  }
}

function isReply(result: MethodResult): result is FastifyReply {
  return typeof (result as FastifyReply).send === "function";
}

function paramsOf(request: FastifyRequest): Params {
  const params: Params = {};
  for (const source of [request.query, request.body]) {
    if (typeof source !== "object" || source === null) continue;
    for (const [key, value] of Object.entries(source)) {
      if (value !== undefined && value !== null) params[key] = String(value);
    }
  }
  return params;
}

function isTrue(value: string | undefined): boolean {
  return value === "true" || value === "1";
}

function authTest({ grant }: MethodCall): MethodResult {
  const body: Record<string, unknown> = {
    url: slackTeam.url,
    team: slackTeam.name,
    user: grant.userName,
    team_id: slackTeam.id,
    user_id: grant.userId,
  };
  if (grant.botId) body.bot_id = grant.botId;
  if (grant.enterpriseInstall) body.enterprise_id = slackEnterpriseId;
  body.is_enterprise_install = grant.enterpriseInstall ?? false;
  if (grant.expiresInSeconds !== undefined) body.expires_in = grant.expiresInSeconds;
  return body;
}

function capOf(state: SlackSimulatorState, method: SlackMethodName): number {
  return state.pageCaps[method] ?? slackMaxPageSize;
}

function conversationsList({ params, grant, reply, state }: MethodCall): MethodResult {
  const types = new Set((params.types ?? "public_channel").split(",").map((type) => type.trim()).filter(Boolean));
  const needed = [...types].map((type) => conversationTypeScopes[type]).filter((scope): scope is string => scope !== undefined);
  const missing = needed.filter((scope) => !grant.scopes.includes(scope));
  if (missing.length > 0) return sendMissingScope(reply, missing, grant.scopes);

  const channels = visibleChannels(state.workspace, grant, types);
  const page = paginate(channels, params.cursor, pageLimit(params.limit, capOf(state, "conversations.list"), 100));
  // Slack filters after cutting the page: excluding archived channels can leave a page short, even empty.
  const shown = isTrue(params.exclude_archived) ? page.items.filter((channel) => !channel.isArchived) : page.items;
  return {
    channels: shown.map((channel) => renderChannel(channel, grant.userId)),
    response_metadata: { next_cursor: page.nextCursor },
  };
}

function usersList({ params, grant, state }: MethodCall): MethodResult {
  const withEmail = grant.scopes.includes("users:read.email");
  // Without a limit Slack tries to send every user at once.
  const users = state.workspace.users;
  const page = paginate(users, params.cursor, pageLimit(params.limit, capOf(state, "users.list"), users.length || 1));
  return {
    members: page.items.map((user) => renderUser(user, withEmail)),
    cache_ts: Math.floor(Date.now() / 1000),
    response_metadata: { next_cursor: page.nextCursor },
  };
}

/** `oldest`/`latest` as micros; an unreadable one is Slack's `invalid_ts_oldest`/`invalid_ts_latest`. */
function timeWindow(params: Params, reply: FastifyReply): { oldest: number | undefined; latest: number | undefined } | FastifyReply {
  const oldest = parseTs(params.oldest);
  if (params.oldest && oldest === undefined) return sendSlackError(reply, "invalid_ts_oldest");
  const latest = parseTs(params.latest);
  if (params.latest && latest === undefined) return sendSlackError(reply, "invalid_ts_latest");
  return { oldest, latest };
}

// Newest first within [oldest, latest]; the cursor is the ts of the next (older) message to return.
function conversationsHistory({ params, grant, reply, state }: MethodCall): MethodResult {
  const channel = params.channel ? state.workspace.channelsById.get(params.channel) : undefined;
  if (!channel) return sendSlackError(reply, "channel_not_found");
  const refusal = historyRefusal(channel, grant);
  if (refusal) return refuse(reply, refusal, grant);
  const window = timeWindow(params, reply);
  if (isReply(window)) return window;

  const history = state.workspace.history(channel.id);
  const top = history.top;
  const { from, to } = windowBounds((micros) => history.lowerBound(micros), top.length, window.oldest, window.latest, isTrue(params.inclusive));
  const cursor = decodeTsCursor(params.cursor);
  const upper = cursor === undefined ? to : Math.min(to, history.lowerBound(cursor + 1));
  const limit = pageLimit(params.limit, capOf(state, "conversations.history"), 100);
  const start = Math.max(from, upper - limit);
  const messages: Record<string, unknown>[] = [];
  for (let index = upper - 1; index >= start; index -= 1) messages.push(renderMessage(top[index] as MessageModel, undefined));
  const hasMore = start > from;
  return {
    messages,
    has_more: hasMore,
    pin_count: 0,
    channel_actions_ts: null,
    channel_actions_count: 0,
    ...(hasMore ? { response_metadata: { next_cursor: encodeTsCursor((top[start - 1] as MessageModel).micros) } } : {}),
  };
}

// The parent first on the first page (whatever the window), then replies oldest first; later pages
// (with a cursor) hold replies only. `ts` may name the parent or any reply of the thread.
function conversationsReplies({ params, grant, reply, state }: MethodCall): MethodResult {
  const channel = params.channel ? state.workspace.channelsById.get(params.channel) : undefined;
  if (!channel) return sendSlackError(reply, "channel_not_found");
  const refusal = historyRefusal(channel, grant);
  if (refusal) return refuse(reply, refusal, grant);
  const window = timeWindow(params, reply);
  if (isReply(window)) return window;

  const history = state.workspace.history(channel.id);
  const named = history.byMicros.get(parseTs(params.ts) ?? -1);
  const parent = named?.threadMicros === undefined ? named : history.byMicros.get(named.threadMicros);
  if (!parent) return sendSlackError(reply, "thread_not_found");

  const replies = parent.replies ?? [];
  const { from, to } = windowBounds((micros) => lowerBound(replies, micros), replies.length, window.oldest, window.latest, isTrue(params.inclusive));
  const cursor = decodeTsCursor(params.cursor);
  const limit = pageLimit(params.limit, capOf(state, "conversations.replies"), 1000);
  const messages: Record<string, unknown>[] = [];
  let start = from;
  if (cursor === undefined) messages.push(renderMessage(parent, undefined));
  else start = Math.max(from, lowerBound(replies, cursor));
  const end = Math.min(to, start + limit - messages.length);
  for (let index = start; index < end; index += 1) messages.push(renderMessage(replies[index] as MessageModel, parent.user));
  const hasMore = end < to;
  return {
    messages,
    has_more: hasMore,
    ...(hasMore ? { response_metadata: { next_cursor: encodeTsCursor((replies[end] as MessageModel).micros) } } : {}),
  };
}

function refuse(reply: FastifyReply, refusal: NonNullable<ReturnType<typeof historyRefusal>>, grant: SlackTokenGrant): FastifyReply {
  if (refusal.error === "missing_scope") return sendMissingScope(reply, refusal.needed, grant.scopes);
  return sendSlackError(reply, refusal.error);
}
