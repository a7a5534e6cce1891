import type { FastifyRequest } from "fastify";
import { hashAccessToken } from "@tributary/crypto";
import { ApiError } from "../api-error.js";
import type { Databases } from "../db/databases.js";
import type { Auth } from "./auth-instance.js";
import { fetchHeaders } from "./auth-routes.js";

export interface RequestUser {
  id: string;
  email: string;
  name: string;
  /** How the request proved who it is: a browser session cookie, or a personal access token. */
  via: "session" | "access_token";
}

const safeMethods = new Set(["GET", "HEAD", "OPTIONS"]);

/** `last_used_at` is written at most this often per token: a busy script must not write on every call. */
const lastUsedResolutionMs = 60_000;

/**
 * Resolves the user behind a request: `Authorization: Bearer trb_pat_…` (a personal access token, looked
 * up by its SHA-256), else better-auth's session cookie. Anything else is a 401 with one message, so a
 * caller cannot tell a revoked token from a wrong one.
 */
export function createUserResolver(auth: Auth, databases: Databases, trustedOrigins: string[]) {
  const allowedOrigins = new Set(trustedOrigins.map((url) => new URL(url).origin));
  const cache = new WeakMap<FastifyRequest, Promise<RequestUser>>();

  async function resolve(request: FastifyRequest): Promise<RequestUser> {
    const authorization = request.headers.authorization;
    if (authorization?.startsWith("Bearer ")) {
      const token = authorization.slice("Bearer ".length).trim();
      const row = await databases.core
        .selectFrom("access_tokens")
        .select(["id", "user_id", "expires_at", "last_used_at", "revoked_at"])
        .where("token_hash", "=", hashAccessToken(token))
        .executeTakeFirst();
      const now = Date.now();
      if (!row || row.revoked_at || (row.expires_at && row.expires_at.getTime() <= now)) throw unauthorized();
      const user = await databases.auth.selectFrom("user").select(["id", "email", "name"]).where("id", "=", row.user_id).executeTakeFirst();
      if (!user) throw unauthorized();
      if (!row.last_used_at || now - row.last_used_at.getTime() > lastUsedResolutionMs) {
        await databases.core.updateTable("access_tokens").set({ last_used_at: new Date(now) }).where("id", "=", row.id).execute();
      }
      return { ...user, via: "access_token" };
    }
    const session = await auth.api.getSession({ headers: fetchHeaders(request) });
    if (!session) throw unauthorized();
    // A cookie rides along with any request the browser makes, including one a hostile page triggers:
    // a change made with a session must come from our own origins. Scripts use access tokens instead.
    if (!safeMethods.has(request.method)) {
      const origin = request.headers.origin;
      if (typeof origin !== "string" || !allowedOrigins.has(origin)) {
        throw new ApiError("forbidden", "Cross-site request refused: a change made with a session cookie must come from the Tributary web app (scripts use an access token)");
      }
    }
    return { id: session.user.id, email: session.user.email, name: session.user.name, via: "session" };
  }

  /** The signed-in user, or a 401. Resolved once per request however many handlers ask. */
  return function requireUser(request: FastifyRequest): Promise<RequestUser> {
    let pending = cache.get(request);
    if (!pending) {
      pending = resolve(request);
      cache.set(request, pending);
    }
    return pending;
  };
}

export type RequireUser = ReturnType<typeof createUserResolver>;

function unauthorized(): ApiError {
  return new ApiError("unauthorized", "Sign in, or send a valid personal access token as `Authorization: Bearer …`");
}
