import { stripBearer, type LinearCredentials } from "./linear-credentials.js";

export type LinearTokenType = "api_key" | "oauth";

export interface LinearAuthorization {
  tokenType: LinearTokenType;
  headers: Record<string, string>;
  /** How messages name the credential: "personal API key", "OAuth access token". */
  label: string;
}

/**
 * Linear tells the two credential kinds apart by the header form: a personal API key is sent bare,
 * an OAuth access token as a bearer token. Sending either the other way fails authentication.
 */
export function linearAuthorization(credentials: LinearCredentials): LinearAuthorization {
  if (credentials.api_key !== undefined) {
    return { tokenType: "api_key", headers: { authorization: credentials.api_key }, label: "personal API key" };
  }
  // The schema guarantees one of the two is present.
  const token = stripBearer(credentials.access_token ?? "");
  return { tokenType: "oauth", headers: { authorization: `Bearer ${token}` }, label: "OAuth access token" };
}
