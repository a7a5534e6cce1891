import type { FastifyInstance } from "fastify";
import { badCredentials, primaryRateLimitExceeded, secondaryRateLimitExceeded, unsupportedApiVersion } from "./github-errors.js";
import { rateLimitHeaders } from "./github-rate-limit.js";
import {
  defaultApiVersion,
  newRequestId,
  requestPath,
  sendGithubJson,
  supportedApiVersions,
  type GithubSimulatorState,
} from "./github-state.js";
import type { GithubTokenGrant } from "./github-types.js";

const adminPrefix = "/_simulator";

/**
 * What GitHub does before any endpoint runs, in its order: an unknown credential is a 401 (which carries
 * no rate-limit headers and counts against nothing), then an unsupported API version is a 400, then the
 * primary window and secondary limits; every answer that gets this far carries the five
 * `x-ratelimit-*` headers, the selected version and, for classic and OAuth tokens, `x-oauth-scopes`.
 */
export function registerGithubGate(app: FastifyInstance, state: GithubSimulatorState): void {
  app.addHook("onRequest", async (request, reply) => {
    const path = requestPath(request);
    if (path.startsWith(adminPrefix)) return;
    const requestId = newRequestId();
    reply.header("x-github-request-id", requestId);
    state.recordClientHeaders({
      path,
      apiVersion: headerValue(request.headers["x-github-api-version"]),
      accept: headerValue(request.headers.accept),
    });

    const caller = state.resolveCaller(request);
    if (caller === "bad_credentials") return sendGithubJson(reply, 401, badCredentials());

    const version = headerValue(request.headers["x-github-api-version"]);
    if (version !== undefined && !(supportedApiVersions as readonly string[]).includes(version)) {
      return sendGithubJson(reply, 400, unsupportedApiVersion(version, supportedApiVersions));
    }
    state.rememberCaller(request, caller);
    reply.header("x-github-api-version-selected", version ?? defaultApiVersion);
    reply.header("x-github-media-type", "github.v3; format=json");
    if (caller.kind === "token") reply.headers(credentialHeaders(caller.grant));

    // Asking about the limit costs nothing against it.
    const userId = state.world.userOf(caller)?.id;
    const window = state.rateLimits.windowOf(caller, userId);
    if (path === "/rate_limit") return;

    if (window.used >= window.limit) {
      reply.headers(rateLimitHeaders(window));
      return sendGithubJson(reply, 403, primaryRateLimitExceeded(403, state.rateLimits.exceededMessage(caller, userId)));
    }
    const secondary = caller.kind === "token" ? state.takeSecondaryLimit(path) : undefined;
    if (secondary) {
      const status = secondary.status ?? 403;
      reply.headers({ ...rateLimitHeaders(window), "retry-after": String(secondary.retryAfterSeconds ?? 60) });
      return sendGithubJson(reply, status, secondaryRateLimitExceeded(status, requestId));
    }
    window.used += 1;
    reply.headers(rateLimitHeaders(window));
  });
}

/** Scope headers for classic and OAuth tokens; the expiry header for tokens created with one. */
export function credentialHeaders(grant: GithubTokenGrant): Record<string, string> {
  const headers: Record<string, string> = {};
  if (grant.kind === "classic_pat" || grant.kind === "oauth") {
    headers["x-oauth-scopes"] = grant.scopes.join(", ");
  }
  if (grant.expiresAt) {
    headers["github-authentication-token-expiration"] = new Date(grant.expiresAt)
      .toISOString()
      .replace("T", " ")
      .replace(/\.\d+Z$/, " UTC");
  }
  return headers;
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
