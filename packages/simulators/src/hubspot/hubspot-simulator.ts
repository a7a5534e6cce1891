import type { FastifyInstance } from "fastify";
import { startSimulator, type RunningSimulator, type SimulatorDefinition, type SimulatorOptions } from "../core/simulator-server.js";
import {
  hubspotAllReadScopes,
  hubspotDemoPortal,
  hubspotDemoTokens,
  type HubspotTokenGrant,
} from "./hubspot-fixtures.js";
import { registerHubspotCrmRoutes } from "./hubspot-crm-routes.js";
import { HubspotDataset, type HubspotDatasetOptions } from "./hubspot-dataset.js";
import { cloudflareErrorPage, hubspotErrors, hubspotJsonContentType, sendHubspot } from "./hubspot-errors.js";
import { HubspotRateLimiter, generousRateLimits, hubspotRateLimits, type HubspotRateLimitOverrides } from "./hubspot-rate-limits.js";
import { hubspotBearerToken, registerHubspotRoutes } from "./hubspot-routes.js";

export interface HubspotSimulatorOptions extends SimulatorOptions {
  /** Clock for token expiry and rate-limit windows (default `Date.now`). */
  now?: () => number;
  /**
   * The seeded CRM data behind the routes. Unset: a small demo account (`hubspotDemoDataset`).
   * The dataset keeps its own clock (see `HubspotDataset.clock`), which the `Date` header reports.
   */
  dataset?: HubspotDatasetOptions;
  /**
   * `"hubspot"`: HubSpot's limits for the token's kind and tier; `"generous"`: limits no benchmark
   * reaches; or overrides. Default: generous when a `dataset` option is given, HubSpot's otherwise.
   */
  rateLimits?: "hubspot" | "generous" | HubspotRateLimitOverrides;
  /** Added to every answer of the provider routes (default 0). */
  latencyMs?: number;
}

/** What a test gives `addToken`; unset fields default to a private app on the demo portal with every read scope. */
export type HubspotTokenGrantInput = Partial<HubspotTokenGrant>;

export interface RunningHubspotSimulator extends RunningSimulator {
  addToken(token: string, grant?: HubspotTokenGrantInput): HubspotTokenGrant;
  removeToken(token: string): void;
  /** The CRM data: `applyChanges`, `groundTruth`, and its clock. */
  dataset: HubspotDataset;
}

let nextAppId = 4_000_001;

/**
 * A HubSpot API simulator: account details, token metadata, the CRM read endpoints (objects list and
 * search, owners, associations v4) over a seeded dataset, HubSpot's errors, rate limits and headers.
 */
export async function startHubspotSimulator(options: HubspotSimulatorOptions = {}): Promise<RunningHubspotSimulator> {
  const now = options.now ?? Date.now;
  const tokens = hubspotDemoTokens();
  const limits = options.rateLimits ?? (options.dataset ? "generous" : "hubspot");
  const limiter = new HubspotRateLimiter(limits === "hubspot" ? hubspotRateLimits : limits === "generous" ? generousRateLimits : limits);
  const dataset = new HubspotDataset(options.dataset);
  const latencyMs = options.latencyMs ?? 0;
  const grantOf = (token: string | undefined) => (token === undefined ? undefined : tokens.get(token));
  let baseUrl = "";

  const definition: SimulatorDefinition = {
    name: "hubspot",
    dataset,
    register(app: FastifyInstance) {
      if (latencyMs > 0) {
        app.addHook("onRequest", async (request) => {
          if (!request.url.startsWith("/_simulator")) await new Promise((resolve) => setTimeout(resolve, latencyMs));
        });
      }
      // HubSpot's clock is the dataset's: the `Date` header is how a client learns "now" on the server.
      app.addHook("onSend", async (request, reply) => {
        if (!request.url.startsWith("/_simulator")) reply.header("date", new Date(dataset.clock).toUTCString());
      });
      registerHubspotRoutes(app, { tokens, limiter, now });
      registerHubspotCrmRoutes(app, { tokens, limiter, now, dataset, baseUrl: () => baseUrl });
    },
    // The OAuth token-metadata route carries the token in its path: keep it out of the request log.
    redactPath: (path) => path.replace(/^\/oauth\/v1\/access-tokens\/.+$/, "/oauth/v1/access-tokens/{token}"),
    renderFault(fault, reply) {
      switch (fault.kind) {
        case "server_error": {
          const status = fault.status ?? 500;
          if (status === 502 || status === 503 || status === 504) {
            return reply.code(status).header("content-type", "text/html; charset=UTF-8").send(cloudflareErrorPage(status));
          }
          // HubSpot's own 500s still carry the caller's rate-limit headers.
          const grant = grantOf(hubspotBearerToken(reply.request));
          const answer = hubspotErrors.internalError(status);
          return sendHubspot(reply, grant ? { ...answer, headers: limiter.peekHeaders(grant, now()) } : answer);
        }
        case "rate_limit": {
          // HubSpot sends no Retry-After: the window length is in the rate-limit headers instead, so
          // `retryAfterSeconds` has nothing to set here. A CRM search is refused by its own
          // per-second limit, and search answers carry no rate-limit headers.
          if (/^\/crm\/v3\/objects\/[^/]+\/search$/.test(reply.request.url.split("?")[0] ?? "")) {
            return sendHubspot(reply, hubspotErrors.rateLimited("SECONDLY", {}));
          }
          const headers = limiter.exhaustedHeaders(grantOf(hubspotBearerToken(reply.request)));
          return sendHubspot(reply, hubspotErrors.rateLimited("TEN_SECONDLY_ROLLING", headers));
        }
        case "malformed":
          // A body cut off mid-stream, as a dropped connection behind the CDN leaves it.
          return reply.code(200).header("content-type", hubspotJsonContentType).send('{"portalId":24681357,"accountTy');
      }
    },
  };

  const simulator = await startSimulator(definition, options);
  baseUrl = simulator.url;
  return {
    ...simulator,
    dataset,
    addToken(token, grant = {}) {
      const complete: HubspotTokenGrant = {
        kind: grant.kind ?? (token.startsWith("pat-") ? "private_app" : "oauth"),
        portal: grant.portal ?? hubspotDemoPortal,
        scopes: grant.scopes ?? [...hubspotAllReadScopes],
        appId: grant.appId ?? nextAppId++,
        userId: grant.userId ?? 7_700_102,
        ...(grant.userEmail !== undefined ? { userEmail: grant.userEmail } : {}),
        ...(grant.expiresAt !== undefined ? { expiresAt: grant.expiresAt } : {}),
        ...(grant.dailyCallsLeft !== undefined ? { dailyCallsLeft: grant.dailyCallsLeft } : {}),
      };
      tokens.set(token, complete);
      return complete;
    },
    removeToken(token) {
      tokens.delete(token);
    },
  };
}
