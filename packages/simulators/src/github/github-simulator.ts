import { setTimeout as delay } from "node:timers/promises";
import type { FastifyReply } from "fastify";
import { startSimulator, type FaultRenderer, type RunningSimulator, type SimulatorOptions } from "../core/simulator-server.js";
import { primaryRateLimitExceeded, serverError } from "./github-errors.js";
import { credentialHeaders, registerGithubGate } from "./github-gate.js";
import { rateLimitHeaders } from "./github-rate-limit.js";
import { registerGithubDataRoutes } from "./github-data-routes.js";
import { GithubDataset } from "./github-dataset.js";
import { registerGithubRoutes } from "./github-routes.js";
import {
  GithubSimulatorState,
  newRequestId,
  sendGithubJson,
  type GithubClientHeaders,
  type GithubSecondaryLimitSpec,
} from "./github-state.js";
import type { GithubDatasetOptions, GithubRateLimitOptions, GithubTokenGrant } from "./github-types.js";
import { GithubWorld, type GithubCaller } from "./github-world.js";

export interface GithubSimulatorOptions extends SimulatorOptions {
  /** Start from the fixtures (default) or from an empty world. */
  seed?: boolean;
  /**
   * The seeded dataset behind the listing routes. Left out, a small demo dataset is generated over the
   * fixture organization's repositories (unless `seed` is false: an empty world has no data).
   */
  dataset?: GithubDatasetOptions;
  /** The primary rate limit (default 5000 an hour; 1,000,000 when `dataset` is given). */
  rateLimit?: GithubRateLimitOptions;
  /** Added to every API request before it is answered (default 0). */
  latencyMs?: number;
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
  /** The seeded data: `applyChanges`, `groundTruth`, `counts`. Undefined for an empty world without `dataset`. */
  dataset: GithubDataset | undefined;
}

/**
 * A local api.github.com: GitHub's token kinds, scope and rate-limit headers, error bodies and
 * visibility rules (private resources answer 404), and a seeded dataset served through the listing
 * routes ingestion reads, with GitHub's pagination, filters and ETags. Injected faults answer as GitHub does:
 * `server_error` a 5xx with GitHub's JSON, `rate_limit` the primary limit (403 by default, 429 when the
 * fault's status says so) with `x-ratelimit-remaining: 0` and the reset `retryAfterSeconds` ahead.
 */
export async function startGithubSimulator(options: GithubSimulatorOptions = {}): Promise<RunningGithubSimulator> {
  const world = new GithubWorld(options.seed ?? true);
  const state = new GithubSimulatorState(world, {
    ...options.rateLimit,
    limit: options.rateLimit?.limit ?? (options.dataset ? 1_000_000 : undefined),
  });
  const dataset = options.dataset || options.seed !== false ? new GithubDataset(world, options.dataset) : undefined;
  state.dataset = dataset;
  const latencyMs = Math.max(0, options.latencyMs ?? 0);

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
        if (latencyMs > 0) {
          app.addHook("onRequest", async (request) => {
            if (!request.url.startsWith("/_simulator")) await delay(latencyMs);
          });
        }
        registerGithubGate(app, state);
        registerGithubRoutes(app, state);
        registerGithubDataRoutes(app, state);
      },
      renderFault,
      dataset,
    },
    { port: options.port, host: options.host },
  );
  dataset?.setApiUrl(running.url);

  return {
    ...running,
    world,
    addToken: (token, grant) => state.addToken(token, grant),
    armSecondaryRateLimit: (spec = {}) => state.armSecondaryLimit(spec),
    clientHeaders: state.clientHeaders,
    dataset,
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
