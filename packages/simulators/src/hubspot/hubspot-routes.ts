import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { HubspotPortal, HubspotTokenGrant } from "./hubspot-fixtures.js";
import { hubspotErrors, sendHubspot, type HubspotAnswer } from "./hubspot-errors.js";
import type { HubspotRateLimiter } from "./hubspot-rate-limits.js";

export interface HubspotRouteContext {
  tokens: Map<string, HubspotTokenGrant>;
  limiter: HubspotRateLimiter;
  now: () => number;
}

export interface Authenticated {
  token: string;
  grant: HubspotTokenGrant;
  rateLimitHeaders: Record<string, string>;
}

/** HubSpot only accepts `Authorization: Bearer <token>`; the bare or `token` forms are not credentials. */
export function hubspotBearerToken(request: FastifyRequest): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? "");
  return match?.[1];
}

/**
 * Authentication, expiry and rate limiting, in HubSpot's order; returns the refusal when there is one.
 * CRM search requests also count against the per-second search limit, and their answers carry no
 * rate-limit headers (HubSpot's search endpoints omit them).
 */
export function authenticate(
  request: FastifyRequest,
  context: HubspotRouteContext,
  token = hubspotBearerToken(request),
  options: { search?: boolean } = {},
): Authenticated | HubspotAnswer {
  const grant = token === undefined ? undefined : context.tokens.get(token);
  if (!token || !grant) return hubspotErrors.credentialsNotFound();
  const now = context.now();
  if (grant.expiresAt !== undefined && grant.expiresAt <= now) return hubspotErrors.expiredToken(grant.expiresAt, now);
  const decision = context.limiter.admit(grant, now, options);
  if (decision.refusedBy) return hubspotErrors.rateLimited(decision.refusedBy, options.search ? {} : decision.headers);
  return { token, grant, rateLimitHeaders: options.search ? {} : decision.headers };
}

export function isRefusal(value: Authenticated | HubspotAnswer): value is HubspotAnswer {
  return "status" in value;
}

export function registerHubspotRoutes(app: FastifyInstance, context: HubspotRouteContext): void {
  const ok = (reply: FastifyReply, auth: Authenticated, body: Record<string, unknown>) =>
    sendHubspot(reply, { status: 200, headers: auth.rateLimitHeaders, body });

  app.get("/account-info/v3/details", async (request, reply) => {
    const auth = authenticate(request, context);
    if (isRefusal(auth)) return sendHubspot(reply, auth);
    // OAuth apps need the basic `oauth` scope for account information; private apps need none.
    if (auth.grant.kind === "oauth" && !auth.grant.scopes.includes("oauth")) {
      return sendHubspot(reply, hubspotErrors.missingScopes(["oauth"]));
    }
    const { portal } = auth.grant;
    const offset = utcOffsetOf(portal.timeZone, context.now());
    return ok(reply, auth, {
      portalId: portal.portalId,
      accountType: portal.accountType,
      timeZone: portal.timeZone,
      companyCurrency: portal.companyCurrency,
      additionalCurrencies: portal.additionalCurrencies,
      utcOffset: offset.text,
      utcOffsetMilliseconds: offset.milliseconds,
      uiDomain: portal.uiDomain,
      dataHostingLocation: portal.dataHostingLocation,
    });
  });

  // The legacy account endpoint some integrations still call.
  app.get("/integrations/v1/me", async (request, reply) => {
    const auth = authenticate(request, context);
    if (isRefusal(auth)) return sendHubspot(reply, auth);
    const { portal } = auth.grant;
    const offset = utcOffsetOf(portal.timeZone, context.now());
    return ok(reply, auth, {
      portalId: portal.portalId,
      timeZone: portal.timeZone,
      currency: portal.companyCurrency,
      utcOffsetMilliseconds: offset.milliseconds,
      utcOffset: offset.text,
    });
  });

  app.post("/oauth/v2/private-apps/get/access-token-info", async (request, reply) => {
    const body = request.body as { tokenKey?: unknown } | undefined;
    if (typeof body?.tokenKey !== "string" || body.tokenKey.length === 0) {
      return sendHubspot(reply, hubspotErrors.validationError("tokenKey is required"));
    }
    // The token in the body is what gets described; the Bearer header, when sent, must be valid too.
    const bearer = hubspotBearerToken(request);
    if (bearer !== undefined && !context.tokens.has(bearer)) return sendHubspot(reply, hubspotErrors.credentialsNotFound());
    const auth = authenticate(request, context, body.tokenKey);
    if (isRefusal(auth)) return sendHubspot(reply, auth);
    if (auth.grant.kind !== "private_app") return sendHubspot(reply, hubspotErrors.credentialsNotFound());
    return ok(reply, auth, {
      userId: auth.grant.userId,
      hubId: auth.grant.portal.portalId,
      appId: auth.grant.appId,
      scopes: auth.grant.scopes,
    });
  });

  // Unauthenticated: the token to describe is the path parameter itself.
  app.get<{ Params: { token: string } }>("/oauth/v1/access-tokens/:token", async (request, reply) => {
    const { token } = request.params;
    const grant = context.tokens.get(token);
    if (/^pat-/i.test(token) || grant?.kind === "private_app") return sendHubspot(reply, hubspotErrors.tokenFormat());
    if (!grant) return sendHubspot(reply, hubspotErrors.tokenNotFound());
    const now = context.now();
    const expiresAt = grant.expiresAt ?? now + 1_800_000;
    if (expiresAt <= now) return sendHubspot(reply, hubspotErrors.expiredToken(expiresAt, now));
    return sendHubspot(reply, {
      status: 200,
      body: {
        token,
        user: grant.userEmail ?? `user-${grant.userId}@${grant.portal.hubDomain}`,
        hub_domain: grant.portal.hubDomain,
        scopes: grant.scopes,
        hub_id: grant.portal.portalId,
        app_id: grant.appId,
        expires_in: Math.floor((expiresAt - now) / 1000),
        user_id: grant.userId,
        token_type: "access",
        is_private_distribution: false,
      },
    });
  });
}

/** The account's current UTC offset as HubSpot prints it: "-04:00" and -14400000. */
export function utcOffsetOf(timeZone: HubspotPortal["timeZone"], at: number): { text: string; milliseconds: number } {
  const name = new Intl.DateTimeFormat("en-US", { timeZone, timeZoneName: "longOffset" })
    .formatToParts(new Date(at))
    .find((part) => part.type === "timeZoneName")?.value;
  const match = /GMT([+-])(\d{2}):(\d{2})/.exec(name ?? "");
  if (!match) return { text: "+00:00", milliseconds: 0 };
  const sign = match[1] === "-" ? -1 : 1;
  const milliseconds = sign * (Number(match[2]) * 3_600_000 + Number(match[3]) * 60_000);
  return { text: `${match[1]}${match[2]}:${match[3]}`, milliseconds };
}
