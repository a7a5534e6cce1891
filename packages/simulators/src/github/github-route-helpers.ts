import { createHash, randomBytes } from "node:crypto";
import type { FastifyReply, FastifyRequest } from "fastify";
import { movedPermanently, notFound, samlEnforcement } from "./github-errors.js";
import { rateLimitHeaders } from "./github-rate-limit.js";
import type { RenderContext } from "./github-render.js";
import { apiUrlOf, sendGithubJson, type GithubSimulatorState } from "./github-state.js";
import type { GithubRepositoryRecord } from "./github-types.js";
import type { GithubCaller } from "./github-world.js";

/** SAML SSO refusals name, in `x-github-sso`, where the user authorizes the token for the organization. */
export function refuseSso(reply: FastifyReply, organization: string, context: RenderContext) {
  const request = randomBytes(8).toString("hex");
  reply.header("x-github-sso", `required; url=${context.webUrl}/orgs/${organization}/sso?authorization_request=${request}`);
  return sendGithubJson(reply, 403, samlEnforcement());
}

/**
 * What the endpoint would have accepted: `x-accepted-oauth-scopes` for scope-bearing tokens,
 * `x-accepted-github-permissions` for fine-grained and App tokens.
 */
export function accepted(
  reply: FastifyReply,
  caller: GithubCaller,
  accepts: { scopes: string; permissions: string | undefined },
): void {
  if (caller.kind !== "token") return;
  const kind = caller.grant.kind;
  if (kind === "classic_pat" || kind === "oauth") reply.header("x-accepted-oauth-scopes", accepts.scopes);
  else if (accepts.permissions) reply.header("x-accepted-github-permissions", accepts.permissions);
}

/** A weak ETag over a rendered body, for the small listings (repositories, members, releases). */
export function etagOf(body: string): string {
  return `W/"${createHash("sha1").update(body).digest("hex")}"`;
}

/** `If-None-Match` may list several validators, or `*`; weak and strong forms compare equal (RFC 9110 weak comparison). */
export function matchesEtag(header: string | string[] | undefined, etag: string): boolean {
  if (!header) return false;
  const strip = (value: string) => value.trim().replace(/^W\//, "");
  const wanted = strip(etag);
  return (Array.isArray(header) ? header : [header])
    .flatMap((value) => value.split(","))
    .some((candidate) => candidate.trim() === "*" || strip(candidate) === wanted);
}

/**
 * Answers a listing with its ETag, or `304 Not Modified` (no body) when the client's `If-None-Match`
 * matches: GitHub does not count such an answer against the primary rate limit, so the request the
 * gate counted is given back and the rate-limit headers say so.
 */
export function sendConditional(
  request: FastifyRequest,
  reply: FastifyReply,
  state: GithubSimulatorState,
  etag: string,
  body: () => string | Buffer,
): FastifyReply {
  reply.header("etag", etag);
  reply.header("cache-control", "private, max-age=60, s-maxage=60");
  reply.header("vary", "Accept, Authorization, Cookie, X-GitHub-OTP");
  if (matchesEtag(request.headers["if-none-match"], etag)) {
    const caller = state.callerOf(request);
    reply.headers(rateLimitHeaders(state.rateLimits.refund(caller, state.world.userOf(caller)?.id)));
    return reply.code(304).send();
  }
  return reply.code(200).header("content-type", "application/json; charset=utf-8").send(body());
}

export function renderContextOf(request: FastifyRequest): RenderContext {
  const apiUrl = apiUrlOf(request);
  return { apiUrl, webUrl: apiUrl };
}

/**
 * The repository a `/repos/{owner}/{repo}/…` route is about, as the caller may see it. Otherwise the
 * answer is sent here: 404 for unknown or hidden repositories (GitHub never says 403 for those),
 * 403 for SAML SSO, and a 301 to the current name for a renamed repository.
 */
export function repositoryForRoute(
  request: FastifyRequest<{ Params: { owner: string; repo: string } }>,
  reply: FastifyReply,
  state: GithubSimulatorState,
  documentationUrl: string,
): GithubRepositoryRecord | undefined {
  const caller = state.callerOf(request);
  const { owner, repo } = request.params;
  const repository = state.world.repository(owner, repo);
  if (!repository) {
    const moved = state.world.renamedRepository(owner, repo);
    if (moved && !state.world.repositoryDenial(caller, moved)) {
      // GitHub answers the old name with a permanent redirect; clients follow it to the same resource.
      const url = new URL(request.url, apiUrlOf(request));
      const rest = url.pathname.split("/").slice(4).join("/");
      const location = `${apiUrlOf(request)}/repos/${moved.owner}/${moved.name}${rest ? `/${rest}` : ""}${url.search}`;
      sendGithubJson(reply.header("location", location), 301, movedPermanently(location));
      return undefined;
    }
    sendGithubJson(reply, 404, notFound(documentationUrl));
    return undefined;
  }
  const denial = state.world.repositoryDenial(caller, repository);
  if (denial === "sso") {
    refuseSso(reply, repository.owner, renderContextOf(request));
    return undefined;
  }
  if (denial === "hidden") {
    sendGithubJson(reply, 404, notFound(documentationUrl));
    return undefined;
  }
  return repository;
}
