import type { FastifyInstance } from "fastify";
import { startSimulator, type RunningSimulator, type SimulatorDefinition, type SimulatorOptions } from "../core/simulator-server.js";
import {
  hubspotAllReadScopes,
  hubspotDemoPortal,
  hubspotDemoTokens,
  type HubspotTokenGrant,
} from "./hubspot-fixtures.js";
import { cloudflareErrorPage, hubspotErrors, hubspotJsonContentType, sendHubspot } from "./hubspot-errors.js";
import { HubspotRateLimiter } from "./hubspot-rate-limits.js";
import { hubspotBearerToken, registerHubspotRoutes } from "./hubspot-routes.js";

export interface HubspotSimulatorOptions extends SimulatorOptions {
  /** Clock for token expiry and rate-limit windows (default `Date.now`). */
  now?: () => number;
}

/** What a test gives `addToken`; unset fields default to a private app on the demo portal with every read scope. */
export type HubspotTokenGrantInput = Partial<HubspotTokenGrant>;

export interface RunningHubspotSimulator extends RunningSimulator {
  addToken(token: string, grant?: HubspotTokenGrantInput): HubspotTokenGrant;
  removeToken(token: string): void;
}

let nextAppId = 4_000_001;

/** A HubSpot API simulator: account details, token metadata, HubSpot's errors, rate limits and headers. */
export async function startHubspotSimulator(options: HubspotSimulatorOptions = {}): Promise<RunningHubspotSimulator> {
  const now = options.now ?? Date.now;
  const tokens = hubspotDemoTokens();
  const limiter = new HubspotRateLimiter();
  const grantOf = (token: string | undefined) => (token === undefined ? undefined : tokens.get(token));

  const definition: SimulatorDefinition = {
    name: "hubspot",
    register(app: FastifyInstance) {
      registerHubspotRoutes(app, { tokens, limiter, now });
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
          // `retryAfterSeconds` has nothing to set here.
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
  return {
    ...simulator,
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
