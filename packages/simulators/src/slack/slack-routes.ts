import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { bearerToken } from "../core/simulator-server.js";
import {
  findChannel,
  historyRefusal,
  sortByTs,
  threadOf,
  topLevelMessages,
  visibleChannels,
  withinWindow,
} from "./slack-conversations.js";
import { sendMissingScope, sendSlackError } from "./slack-errors.js";
import { allUsers, channelObject, messageObject, slackTeam, userObject } from "./slack-fixtures.js";
import { setScopeHeaders, setSlackHeaders } from "./slack-headers.js";
import { InvalidCursorError, pageLimit, paginate } from "./slack-pagination.js";
import type { SlackSimulatorState } from "./slack-state.js";
import type { SlackTokenGrant } from "./slack-tokens.js";

type Params = Record<string, string | undefined>;

const slackEnterpriseId = "E07TRIBORG";

interface MethodCall {
  params: Params;
  grant: SlackTokenGrant;
  reply: FastifyReply;
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
      handler: (request, reply) => dispatch(request, reply, state),
    });
  }
}

function dispatch(request: FastifyRequest, reply: FastifyReply, state: SlackSimulatorState): FastifyReply {
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

  setSlackHeaders(reply);
  setScopeHeaders(reply, grant.scopes, method.acceptedScopes);
  if (method.acceptedScopes.length > 0 && !method.acceptedScopes.some((scope) => grant.scopes.includes(scope))) {
    return sendMissingScope(reply, method.acceptedScopes, grant.scopes);
  }
  try {
    const result = method.handle({ params, grant, reply });
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

function conversationsList({ params, grant, reply }: MethodCall): MethodResult {
  const types = new Set((params.types ?? "public_channel").split(",").map((type) => type.trim()).filter(Boolean));
  const needed = [...types].map((type) => conversationTypeScopes[type]).filter((scope): scope is string => scope !== undefined);
  const missing = needed.filter((scope) => !grant.scopes.includes(scope));
  if (missing.length > 0) return sendMissingScope(reply, missing, grant.scopes);

  const channels = visibleChannels(grant, types, isTrue(params.exclude_archived));
  const page = paginate(channels, params.cursor, pageLimit(params.limit));
  return {
    channels: page.items.map((channel) => channelObject(channel, grant.userId)),
    response_metadata: { next_cursor: page.nextCursor },
  };
}

function usersList({ params, grant }: MethodCall): MethodResult {
  const withEmail = grant.scopes.includes("users:read.email");
  const page = paginate(allUsers(), params.cursor, pageLimit(params.limit));
  return {
    members: page.items.map((user) => userObject(user, withEmail)),
    cache_ts: Math.floor(Date.now() / 1000),
    response_metadata: { next_cursor: page.nextCursor },
  };
}

function conversationsHistory({ params, grant, reply }: MethodCall): MethodResult {
  const channel = findChannel(params.channel);
  if (!channel) return sendSlackError(reply, "channel_not_found");
  const refusal = historyRefusal(channel, grant);
  if (refusal) return refuse(reply, refusal, grant);

  const inclusive = isTrue(params.inclusive);
  const messages = sortByTs(topLevelMessages(channel.id), "descending").filter((message) =>
    withinWindow(message.ts, params.oldest, params.latest, inclusive),
  );
  const page = paginate(messages, params.cursor, pageLimit(params.limit));
  return {
    messages: page.items.map(messageObject),
    has_more: page.nextCursor !== "",
    pin_count: 0,
    channel_actions_ts: null,
    channel_actions_count: 0,
    ...(page.nextCursor ? { response_metadata: { next_cursor: page.nextCursor } } : {}),
  };
}

// The parent comes first on every page's start, then replies oldest first, as Slack returns threads.
function conversationsReplies({ params, grant, reply }: MethodCall): MethodResult {
  const channel = findChannel(params.channel);
  if (!channel) return sendSlackError(reply, "channel_not_found");
  const refusal = historyRefusal(channel, grant);
  if (refusal) return refuse(reply, refusal, grant);
  const thread = params.ts ? threadOf(channel.id, params.ts) : undefined;
  if (!thread) return sendSlackError(reply, "thread_not_found");

  const inclusive = isTrue(params.inclusive);
  const replies = thread.replies.filter((message) => withinWindow(message.ts, params.oldest, params.latest, inclusive));
  const page = paginate([thread.parent, ...replies], params.cursor, pageLimit(params.limit));
  return {
    messages: page.items.map(messageObject),
    has_more: page.nextCursor !== "",
    ...(page.nextCursor ? { response_metadata: { next_cursor: page.nextCursor } } : {}),
  };
}

function refuse(reply: FastifyReply, refusal: NonNullable<ReturnType<typeof historyRefusal>>, grant: SlackTokenGrant): FastifyReply {
  if (refusal.error === "missing_scope") return sendMissingScope(reply, refusal.needed, grant.scopes);
  return sendSlackError(reply, refusal.error);
}
