import { ConnectorError } from "../core/connector-errors.js";
import type { ProviderResponse, ResponseVerdict } from "../core/provider-http.js";
import { githubErrorMessage } from "./github-error-body.js";
import { githubRateLimitVerdict } from "./github-rate-limit.js";

export interface GithubClassifierOptions {
  /**
   * Statuses handed back to the caller instead of failing: a 404 on a probed repository or the 403 an
   * installation token gets from `GET /user` are answers the check reads, not failures.
   */
  passThrough?: readonly number[];
  /** Appended to the invalid-credentials message: how to get a working token of this kind. */
  invalidCredentialsAdvice?: string;
  now?: () => number;
}

/**
 * Maps GitHub's answers to the client's verdicts. Rate limits come first because GitHub sends them as
 * 403s too, and a spent window must never read as "permission denied".
 */
export function createGithubClassifier(options: GithubClassifierOptions = {}): (response: ProviderResponse) => ResponseVerdict {
  const passThrough = new Set(options.passThrough ?? []);
  const now = options.now ?? Date.now;

  return (response) => {
    const { status, body } = response;
    if (status >= 200 && status < 300) return { kind: "ok" };

    const rateLimit = githubRateLimitVerdict(response, now());
    if (rateLimit) return rateLimit;

    if (status >= 500 || status === 408) return { kind: "transient", reason: `HTTP ${status}` };
    if (passThrough.has(status)) return { kind: "ok" };

    const said = githubErrorMessage(body);
    if (status === 401) {
      const advice = options.invalidCredentialsAdvice ?? "Create a new token and paste it again.";
      return {
        kind: "error",
        error: new ConnectorError(
          "invalid_credentials",
          `GitHub rejected the token (HTTP 401${said ? `: ${said}` : ""}): it is mistyped, expired or revoked. ${advice}`,
          { providerStatus: status },
        ),
      };
    }
    return {
      kind: "error",
      error: new ConnectorError("provider_error", `GitHub refused the request (HTTP ${status}${said ? `: ${said}` : ""})`, {
        providerStatus: status,
      }),
    };
  };
}
