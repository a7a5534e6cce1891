import { startSimulator, type RunningSimulator, type SimulatorOptions } from "../core/simulator-server.js";
import { maxQueryComplexity } from "./linear-complexity.js";
import { createLinearDataset, generateLinearWorkspace, type LinearDatasetControl, type LinearDatasetOptions } from "./linear-dataset.js";
import { RenderCache } from "./linear-executor.js";
import { createDemoWorkspace, type LinearWorkspace } from "./linear-fixtures.js";
import { linearFaultRenderer } from "./linear-faults.js";
import {
  defaultLinearBudgets,
  LinearRateLimiter,
  type LinearBudget,
  type LinearBudgetKind,
} from "./linear-rate-limiter.js";
import { registerLinearRoutes, type LinearSimulatorState } from "./linear-routes.js";
import { LinearStore } from "./linear-store.js";
import { defaultLinearTokens, type LinearTokenGrant } from "./linear-tokens.js";

export type {
  LinearRecord,
  LinearOrganization,
  LinearWorkspace,
  LinearCollection,
  StoredCollection as LinearStoredCollection,
} from "./linear-fixtures.js";
export { createDemoWorkspace, demoUserIds, linearCollections } from "./linear-fixtures.js";
export type { LinearBudget, LinearBudgetKind } from "./linear-rate-limiter.js";
export { defaultLinearBudgets } from "./linear-rate-limiter.js";
export type { LinearTokenGrant } from "./linear-tokens.js";
export { linearDemoAccessToken, linearDemoApiKey, linearDemoConfig, linearDemoCredentials } from "./linear-tokens.js";
export type { LinearDatasetControl, LinearDatasetOptions } from "./linear-dataset.js";
export { generateLinearWorkspace, linearStreamSelections } from "./linear-dataset.js";
export { maxQueryComplexity as linearMaxQueryComplexity } from "./linear-complexity.js";

/** Linear's largest page (`first`/`last`); larger requests are served this many rows. */
export const linearMaxPageSize = 250;

/** Budgets of a seeded dataset: high enough that a benchmark of millions of rows is never throttled. */
export const generousLinearBudgets: Record<LinearBudgetKind, LinearBudget> = {
  api_key: { requestsPerHour: 10_000_000, complexityPerHour: 1e12 },
  oauth: { requestsPerHour: 10_000_000, complexityPerHour: 1e12 },
  unauthenticated: { requestsPerHour: 600, complexityPerHour: 100_000 },
};

export interface LinearSimulatorOptions extends SimulatorOptions {
  /**
   * Rate limits per credential kind. Defaults to Linear's published ones for the demo workspace and to
   * `generousLinearBudgets` for a seeded `dataset` (benchmarks); tests pass tight ones.
   */
  budgets?: Partial<Record<LinearBudgetKind, LinearBudget>>;
  /** HTTP status of RATELIMITED answers (default 400, as Linear documents today; formerly 200). */
  rateLimitedStatus?: number;
  /** Rows to serve as they are (tests that need exact rows); wins over `dataset`. */
  workspace?: LinearWorkspace;
  /**
   * A seeded workspace of the given sizes, e.g. `{ seed: 1, teams: 8, users: 50, projects: 20,
   * cyclesPerTeam: 6, issues: 100_000, commentsPerIssue: 3 }`. Without it (and without `workspace`) the
   * small demo workspace is served.
   */
  dataset?: LinearDatasetOptions;
  /** Largest page a connection serves (default 250, Linear's); tests lower it to see many pages. */
  maxPageSize?: number;
  /** Largest complexity one query may have (default 10,000, Linear's). */
  maxComplexity?: number;
  /** Delay added to every /graphql answer, in ms (default 0). */
  latencyMs?: number;
}

export interface LinearSimulator extends RunningSimulator {
  /** A copy of the rows served now. Change them through `dataset.applyChanges`. */
  readonly workspace: LinearWorkspace;
  /** Changes on a simulated clock, and the records a complete read must give. */
  dataset: LinearDatasetControl;
  /** Accepts `token` from now on, acting as `grant.userId` with `grant.scopes`. */
  addToken(token: string, grant: LinearTokenGrant): void;
  /** Empties the request budget of the user behind `token`, as if they had used it up. */
  exhaustRequestBudget(token: string): void;
}

/** A local Linear GraphQL API: POST /graphql with Linear's authentication, errors, pagination and rate limits. */
export async function startLinearSimulator(options: LinearSimulatorOptions = {}): Promise<LinearSimulator> {
  const workspace = options.workspace ?? (options.dataset ? generateLinearWorkspace(options.dataset) : createDemoWorkspace());
  const store = new LinearStore(workspace);
  const dataset = createLinearDataset(store);
  const state: LinearSimulatorState = {
    store,
    tokens: defaultLinearTokens(),
    rateLimiter: new LinearRateLimiter({
      ...(options.dataset && !options.workspace ? generousLinearBudgets : defaultLinearBudgets),
      ...options.budgets,
    }),
    rateLimitedStatus: options.rateLimitedStatus ?? 400,
    maxPageSize: options.maxPageSize ?? linearMaxPageSize,
    maxComplexity: options.maxComplexity ?? maxQueryComplexity,
    latencyMs: options.latencyMs ?? 0,
    cache: new RenderCache(),
  };
  const running = await startSimulator(
    {
      name: "linear",
      register: (app) => registerLinearRoutes(app, state),
      renderFault: linearFaultRenderer(state),
      dataset,
    },
    options,
  );
  return {
    ...running,
    get workspace() {
      return store.snapshot();
    },
    dataset,
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
