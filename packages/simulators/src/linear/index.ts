import { startSimulator, type RunningSimulator, type SimulatorOptions } from "../core/simulator-server.js";
import { createDemoWorkspace, type LinearWorkspace } from "./linear-fixtures.js";
import { linearFaultRenderer } from "./linear-faults.js";
import {
  defaultLinearBudgets,
  LinearRateLimiter,
  type LinearBudget,
  type LinearBudgetKind,
} from "./linear-rate-limiter.js";
import { registerLinearRoutes, type LinearSimulatorState } from "./linear-routes.js";
import { defaultLinearTokens, type LinearTokenGrant } from "./linear-tokens.js";

export type { LinearRecord, LinearOrganization, LinearWorkspace, LinearCollection } from "./linear-fixtures.js";
export { createDemoWorkspace, demoUserIds } from "./linear-fixtures.js";
export type { LinearBudget, LinearBudgetKind } from "./linear-rate-limiter.js";
export { defaultLinearBudgets } from "./linear-rate-limiter.js";
export type { LinearTokenGrant } from "./linear-tokens.js";
export { linearDemoAccessToken, linearDemoApiKey, linearDemoConfig, linearDemoCredentials } from "./linear-tokens.js";

export interface LinearSimulatorOptions extends SimulatorOptions {
  /** Rate limits per credential kind; defaults to Linear's published ones. */
  budgets?: Partial<Record<LinearBudgetKind, LinearBudget>>;
  /** HTTP status of RATELIMITED answers (default 400, as Linear documents today; formerly 200). */
  rateLimitedStatus?: number;
  workspace?: LinearWorkspace;
}

export interface LinearSimulator extends RunningSimulator {
  /** The served data; tests may add or change rows. */
  workspace: LinearWorkspace;
  /** Accepts `token` from now on, acting as `grant.userId` with `grant.scopes`. */
  addToken(token: string, grant: LinearTokenGrant): void;
  /** Empties the request budget of the user behind `token`, as if they had used it up. */
  exhaustRequestBudget(token: string): void;
}

/** A local Linear GraphQL API: POST /graphql with Linear's authentication, errors and rate limits. */
export async function startLinearSimulator(options: LinearSimulatorOptions = {}): Promise<LinearSimulator> {
  const state: LinearSimulatorState = {
    workspace: options.workspace ?? createDemoWorkspace(),
    tokens: defaultLinearTokens(),
    rateLimiter: new LinearRateLimiter({ ...defaultLinearBudgets, ...options.budgets }),
    rateLimitedStatus: options.rateLimitedStatus ?? 400,
  };
  const running = await startSimulator(
    {
      name: "linear",
      register: (app) => registerLinearRoutes(app, state),
      renderFault: linearFaultRenderer(state),
    },
    options,
  );
  return {
    ...running,
    workspace: state.workspace,
    addToken(token, grant) {
      state.tokens.set(token, grant);
    },
    exhaustRequestBudget(token) {
      const grant = state.tokens.get(token);
      if (!grant) throw new Error("exhaustRequestBudget: unknown token");
      const now = Date.now();
      state.rateLimiter.bucketsFor(grant.kind, grant.userId, now).requests.drain(now);
    },
  };
}
