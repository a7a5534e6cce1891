/**
 * What a token's prefix says it is. GitHub has prefixed every token it issued since April 2021;
 * older tokens are 40 hex characters and say nothing, so the API's answers decide for them.
 */
export type GithubTokenType =
  | "classic_pat"
  | "fine_grained_pat"
  | "oauth"
  | "app_user"
  | "app_installation"
  | "unknown";

const prefixes: ReadonlyArray<readonly [string, GithubTokenType]> = [
  ["github_pat_", "fine_grained_pat"],
  ["ghp_", "classic_pat"],
  ["gho_", "oauth"],
  ["ghu_", "app_user"],
  ["ghs_", "app_installation"],
];

export function tokenTypeFromPrefix(token: string): GithubTokenType {
  for (const [prefix, type] of prefixes) {
    if (token.startsWith(prefix)) return type;
  }
  return "unknown";
}

/** Refresh tokens (`ghr_`) only buy new user tokens from GitHub's OAuth endpoint; the API rejects them. */
export function isRefreshToken(token: string): boolean {
  return token.startsWith("ghr_");
}

/** Tokens whose rights GitHub reports as OAuth scopes in `X-OAuth-Scopes`. */
export function reportsScopes(type: GithubTokenType): boolean {
  return type === "classic_pat" || type === "oauth";
}
