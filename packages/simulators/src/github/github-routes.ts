import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import {
  githubDocs,
  integrationRefusal,
  movedPermanently,
  notAnInstallationToken,
  notFound,
  requiresAuthentication,
} from "./github-errors.js";
import { paginate } from "./github-pagination.js";
import { rateLimitHeaders } from "./github-rate-limit.js";
import { renderOrganization, renderRepository, renderSimpleAccount, renderUser, type RenderContext } from "./github-render.js";
import { accepted, etagOf, refuseSso, sendConditional } from "./github-route-helpers.js";
import { apiUrlOf, sendGithubJson, type GithubSimulatorState } from "./github-state.js";
import type { GithubRepositoryRecord } from "./github-types.js";
import type { GithubCaller } from "./github-world.js";

/**
 * The endpoints validation calls, plus the cheap ones around them (the listings ingestion reads are
 * in github-data-routes.ts). Single resources and member listings carry ETags and answer 304.
 */
export function registerGithubRoutes(app: FastifyInstance, state: GithubSimulatorState): void {
  const { world } = state;
  const renderContext = (request: FastifyRequest): RenderContext => {
    const apiUrl = apiUrlOf(request);
    return { apiUrl, webUrl: apiUrl };
  };

  app.get("/user", async (request, reply) => {
    const caller = state.callerOf(request);
    accepted(reply, caller, { scopes: "", permissions: undefined });
    if (caller.kind === "anonymous") return sendGithubJson(reply, 401, requiresAuthentication(githubDocs.authenticatedUser));
    if (caller.grant.kind === "app_installation") {
      return sendGithubJson(reply, 403, integrationRefusal(githubDocs.authenticatedUser));
    }
    const user = world.userOf(caller);
    if (!user) return sendGithubJson(reply, 404, notFound(githubDocs.authenticatedUser));
    const publicRepos = world.allRepositories().filter((repository) => repository.owner === user.login && !repository.private);
    return sendGithubJson(reply, 200, renderUser(renderContext(request), user, publicRepos.length));
  });

  app.get("/installation/repositories", async (request, reply) => {
    const caller = state.callerOf(request);
    if (caller.kind === "anonymous") {
      return sendGithubJson(reply, 401, requiresAuthentication(githubDocs.installationRepositories));
    }
    if (caller.grant.kind !== "app_installation") return sendGithubJson(reply, 403, notAnInstallationToken());
    const repositories = world.installationRepositories(caller.grant);
    const context = renderContext(request);
    const page = paginate(request, reply, repositories, context.apiUrl, state.maxPerPage);
    return sendGithubJson(reply, 200, {
      total_count: repositories.length,
      repository_selection: caller.grant.repositories === "all" ? "all" : "selected",
      repositories: page.map((repository) => renderRepositoryFor(context, repository)),
    });
  });

  app.get<{ Params: { org: string } }>("/orgs/:org", async (request, reply) => {
    const caller = state.callerOf(request);
    accepted(reply, caller, { scopes: "", permissions: undefined });
    const organization = world.organization(request.params.org);
    if (!organization) return sendGithubJson(reply, 404, notFound(githubDocs.organization));
    if (world.ssoBlocks(caller, organization.login)) return refuseSso(reply, organization.login, renderContext(request));
    const publicRepos = world.allRepositories().filter((repository) => repository.owner === organization.login && !repository.private);
    return sendGithubJson(reply, 200, renderOrganization(renderContext(request), organization, publicRepos.length));
  });

  app.get<{ Params: { org: string } }>("/orgs/:org/members", async (request, reply) => {
    const caller = state.callerOf(request);
    accepted(reply, caller, { scopes: "", permissions: "members=read" });
    const organization = world.organization(request.params.org);
    if (!organization) return sendGithubJson(reply, 404, notFound(githubDocs.organizationMembers));
    const context = renderContext(request);
    if (world.ssoBlocks(caller, organization.login)) return refuseSso(reply, organization.login, context);
    const members = world
      .visibleMembers(caller, organization)
      .map((member) => world.account(member.login))
      .filter((account) => account !== undefined)
      .sort((a, b) => a.id - b.id);
    const page = paginate(request, reply, members, context.apiUrl, state.maxPerPage);
    const body = JSON.stringify(page.map((account) => renderSimpleAccount(context, account)));
    return sendConditional(request, reply, state, etagOf(body), () => body);
  });

  app.get<{ Params: { owner: string; repo: string } }>("/repos/:owner/:repo", async (request, reply) => {
    const caller = state.callerOf(request);
    accepted(reply, caller, { scopes: "repo", permissions: "metadata=read" });
    const { owner, repo } = request.params;
    const repository = world.repository(owner, repo);
    if (!repository) {
      // A renamed or transferred repository answers its old name with a permanent redirect to its id.
      const moved = world.renamedRepository(owner, repo);
      if (moved && !world.repositoryDenial(caller, moved)) {
        const location = `${apiUrlOf(request)}/repositories/${moved.id}`;
        return sendGithubJson(reply.header("location", location), 301, movedPermanently(location));
      }
      return sendGithubJson(reply, 404, notFound(githubDocs.repository));
    }
    return answerRepository(request, reply, caller, repository, renderContext(request));
  });

  app.get<{ Params: { id: string } }>("/repositories/:id", async (request, reply) => {
    const caller = state.callerOf(request);
    accepted(reply, caller, { scopes: "repo", permissions: "metadata=read" });
    const repository = world.repositoryById(Number(request.params.id));
    if (!repository) return sendGithubJson(reply, 404, notFound(githubDocs.repository));
    return answerRepository(request, reply, caller, repository, renderContext(request));
  });

  app.get("/rate_limit", async (request, reply) => {
    const caller = state.callerOf(request);
    const window = state.rateLimits.windowOf(caller, world.userOf(caller)?.id);
    reply.headers(rateLimitHeaders(window));
    const core = {
      limit: window.limit,
      used: window.used,
      remaining: Math.max(0, window.limit - window.used),
      reset: window.reset,
    };
    const searchReset = Math.floor(Date.now() / 1000) + 60;
    const authenticated = caller.kind === "token";
    return sendGithubJson(reply, 200, {
      resources: {
        core,
        search: { limit: authenticated ? 30 : 10, used: 0, remaining: authenticated ? 30 : 10, reset: searchReset },
        graphql: { limit: authenticated ? 5000 : 0, used: 0, remaining: authenticated ? 5000 : 0, reset: window.reset },
      },
      rate: core,
    });
  });

  app.setNotFoundHandler(async (_request, reply) => sendGithubJson(reply, 404, notFound()));

  function answerRepository(
    request: FastifyRequest,
    reply: FastifyReply,
    caller: GithubCaller,
    repository: GithubRepositoryRecord,
    context: RenderContext,
  ) {
    const denial = world.repositoryDenial(caller, repository);
    if (denial === "sso") return refuseSso(reply, repository.owner, context);
    // GitHub hides a private repository from callers that may not read it: 404, never 403.
    if (denial === "hidden") return sendGithubJson(reply, 404, notFound(githubDocs.repository));
    const body = JSON.stringify(renderRepositoryFor(context, repository));
    return sendConditional(request, reply, state, etagOf(body), () => body);
  }

  function renderRepositoryFor(context: RenderContext, repository: GithubRepositoryRecord) {
    const owner = world.account(repository.owner) ?? { id: 0, login: repository.owner, type: "User" as const };
    return renderRepository(context, repository, owner);
  }
}
