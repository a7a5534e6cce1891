import type { FastifyReply } from "fastify";
import { startSimulator, type FaultRenderer, type RunningSimulator, type SimulatorOptions } from "../core/simulator-server.js";
import { primaryRateLimitExceeded, serverError } from "./github-errors.js";
import { credentialHeaders, registerGithubGate } from "./github-gate.js";
import { rateLimitHeaders } from "./github-rate-limit.js";
import { registerGithubRoutes } from "./github-routes.js";
import {
  GithubSimulatorState,
  newRequestId,
  sendGithubJson,
  type GithubClientHeaders,
  type GithubSecondaryLimitSpec,
} from "./github-state.js";
import type { GithubTokenGrant } from "./github-types.js";
import { GithubWorld, type GithubCaller } from "./github-world.js";

export interface GithubSimulatorOptions extends SimulatorOptions {
  /** Start from the fixtures (default) or from an empty world. */
  seed?: boolean;
}

export interface RunningGithubSimulator extends RunningSimulator {
  /** Accounts, organizations, repositories and tokens; tests add to it. */
  world: GithubWorld;
  /** Registers a token (string -> who it acts as and what it may read). */
  addToken(token: string, grant: GithubTokenGrant): void;
  /** Arms GitHub's secondary rate limit (403/429 with `retry-after`) for the next matching requests. */
  armSecondaryRateLimit(spec?: GithubSecondaryLimitSpec): void;
  /** The API version and media type each request asked for, in order. */
  clientHeaders: readonly GithubClientHeaders[];
}

/**
 * A local api.github.com for validation: GitHub's token kinds, scope and rate-limit headers, error
 * bodies and visibility rules (private resources answer 404). Injected faults answer as GitHub does:
 * `server_error` a 5xx with GitHub's JSON, `rate_limit` the primary limit (403 by default, 429 when the
 * fault's status says so) with `x-ratelimit-remaining: 0` and the reset `retryAfterSeconds` ahead.
 */
export async function startGithubSimulator(options: GithubSimulatorOptions = {}): Promise<RunningGithubSimulator> {
  const world = new GithubWorld(options.seed ?? true);
  const state = new GithubSimulatorState(world);

  const renderFault: FaultRenderer = (fault, reply) => {
    reply.header("x-github-request-id", newRequestId());
    switch (fault.kind) {
      case "server_error":
        return sendGithubJson(reply, fault.status ?? 500, serverError(fault.status ?? 500));
      case "rate_limit":
        return renderPrimaryLimit(state, reply, fault.status === 429 ? 429 : 403, fault.retryAfterSeconds ?? 30);
      case "malformed":
        // A body cut short mid-object, as a dropped connection or a broken proxy leaves it.
        return reply.code(200).header("content-type", "application/json; charset=utf-8").send('{"login":"octo-admin","id":10');
      default:
        // Kinds the harness handles itself (hang, hold) never reach here; should one, answer like an outage.
        return sendGithubJson(reply, 500, serverError(500));
    }
  };

  const running = await startSimulator(
    {
      name: "github",
      register(app) {
        registerGithubGate(app, state);
        registerGithubRoutes(app, state);
      },
      renderFault,
    },
    options,
  );

  return {
    ...running,
    world,
    addToken: (token, grant) => state.addToken(token, grant),
    armSecondaryRateLimit: (spec = {}) => state.armSecondaryLimit(spec),
    clientHeaders: state.clientHeaders,
  };
}

function renderPrimaryLimit(state: GithubSimulatorState, reply: FastifyReply, status: 403 | 429, resetInSeconds: number): FastifyReply {
  const resolved = state.resolveCaller(reply.request);
  const caller: GithubCaller = resolved === "bad_credentials" ? { kind: "anonymous", address: reply.request.ip } : resolved;
  const userId = state.world.userOf(caller)?.id;
  const window = state.rateLimits.windowOf(caller, userId);
  const spent = { limit: window.limit, used: window.limit, reset: Math.floor(Date.now() / 1000) + resetInSeconds };
  reply.headers(rateLimitHeaders(spent));
  if (caller.kind === "token") reply.headers(credentialHeaders(caller.grant));
  return sendGithubJson(reply, status, primaryRateLimitExceeded(status, state.rateLimits.exceededMessage(caller, userId)));
}
