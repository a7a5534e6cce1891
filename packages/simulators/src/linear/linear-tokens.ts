import { demoUserIds } from "./linear-fixtures.js";

/**
 * Who each credential acts as and what it may do. A personal API key is sent bare in `Authorization`
 * and an OAuth access token behind `Bearer`; the simulator, like Linear, accepts each only in its own
 * form. Scopes are Linear's: `read`, `write`, `admin`, `issues:create`, `comments:create`.
 */
export interface LinearTokenGrant {
  kind: "api_key" | "oauth";
  /** Id of the workspace user the credential acts as. */
  userId: string;
  /**
   * OAuth scopes, or an API key's permissions named the same way (Full access is read, write and
   * admin). Linear adds `read` to every OAuth grant, and so does the simulator.
   */
  scopes: string[];
}

/** A personal API key with Full access for the demo admin: passes validation for every stream. */
export const linearDemoApiKey = "lin_api_TributaryDemoKey7f3c9a1e5b2d8f4a6c0e9b7d";
/** An OAuth access token (scope read) of the same user. */
export const linearDemoAccessToken = "lin_oauth_5e1f0c3a9b7d2e4f6a8c0b1d3e5f7a9c2b4d6e8f0a1c3e5b7d9f1a3c5e7b9d1f";

/** What `npm start` prints and the demo validates with. */
export const linearDemoCredentials: Record<string, unknown> = { api_key: linearDemoApiKey };
/** Config besides `api_base_url`, which the demo sets to the simulator's URL. */
export const linearDemoConfig: Record<string, unknown> = {};

export function defaultLinearTokens(): Map<string, LinearTokenGrant> {
  return new Map<string, LinearTokenGrant>([
    [linearDemoApiKey, { kind: "api_key", userId: demoUserIds.ada, scopes: ["read", "write", "admin"] }],
    [linearDemoAccessToken, { kind: "oauth", userId: demoUserIds.ada, scopes: ["read"] }],
  ]);
}

/** The grant as Linear enforces it: OAuth grants always include `read`. */
export function effectiveScopes(grant: LinearTokenGrant): Set<string> {
  return new Set(grant.kind === "oauth" ? ["read", ...grant.scopes] : grant.scopes);
}
