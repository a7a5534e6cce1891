import type { LinearRecord } from "./linear-fixtures.js";
import type { LinearStore } from "./linear-store.js";
import type { LinearTokenGrant } from "./linear-tokens.js";

export interface LinearCaller {
  grant: LinearTokenGrant;
  viewer: LinearRecord;
}

/**
 * Resolves the `Authorization` header the way Linear does: `Bearer <token>` for OAuth access tokens,
 * the bare key for personal API keys. A key sent as a bearer token (or a token sent bare) does not
 * authenticate.
 */
export function authenticateLinear(
  header: string | undefined,
  tokens: ReadonlyMap<string, LinearTokenGrant>,
  store: LinearStore,
): LinearCaller | undefined {
  if (!header) return undefined;
  const bearer = /^bearer\s+(\S+)$/i.exec(header.trim());
  const credential = bearer ? bearer[1] : header.trim();
  const grant = credential === undefined ? undefined : tokens.get(credential);
  if (!grant || (grant.kind === "oauth") !== Boolean(bearer)) return undefined;
  const user = store.get("users", grant.userId);
  const viewer = user && user.archivedAt === null ? user : undefined;
  return viewer ? { grant, viewer } : undefined;
}
