import type { z } from "zod";
import { ConnectorError } from "../core/connector-errors.js";
import type { ConnectorLogger } from "../core/logger-types.js";
import { ProviderHttpClient, type ProviderResponse } from "../core/provider-http.js";
import { createGithubClassifier } from "./github-classify.js";
import type { GithubTokenType } from "./github-token-type.js";

/** The REST API version the connector is written against; GitHub answers with the shapes of that version. */
export const githubApiVersion = "2022-11-28";
export const githubMediaType = "application/vnd.github+json";

export interface GithubApiOptions {
  baseUrl: string;
  token: string;
  tokenType: GithubTokenType;
  deadlineAt: number;
  signal?: AbortSignal;
  logger: ConnectorLogger;
  /** Statuses the caller interprets itself instead of failing (see createGithubClassifier). */
  passThrough?: readonly number[];
}

const renewalAdvice: Record<GithubTokenType, string> = {
  classic_pat: "Create a new personal access token (classic) and paste it again.",
  fine_grained_pat: "Create a new fine-grained personal access token and paste it again.",
  oauth: "Authorize the OAuth app again to get a new token.",
  app_user: "GitHub App user tokens expire after eight hours unless refreshed; paste a fresh one.",
  app_installation: "Installation tokens expire after one hour; generate a new one from the GitHub App and paste it.",
  unknown: "Create a new token and paste it again.",
};

/** GitHub's REST API as the connector calls it: versioned media type and header on every request. */
export class GithubApi {
  private readonly http: ProviderHttpClient;

  constructor(options: GithubApiOptions) {
    this.http = new ProviderHttpClient({
      provider: "GitHub",
      baseUrl: options.baseUrl,
      authHeaders: { authorization: `Bearer ${options.token}` },
      classify: createGithubClassifier({
        passThrough: options.passThrough,
        invalidCredentialsAdvice: renewalAdvice[options.tokenType],
      }),
      deadlineAt: options.deadlineAt,
      signal: options.signal,
      logger: options.logger,
      waitOnRateLimit: false,
    });
  }

  get(path: string, query?: Record<string, string | number | undefined>): Promise<ProviderResponse> {
    return this.http.request({
      path,
      query,
      headers: { accept: githubMediaType, "x-github-api-version": githubApiVersion },
    });
  }
}

/** Reads a 2xx body whose shape the check relies on; anything else means the base URL is not GitHub's API. */
export function parseGithubBody<T>(schema: z.ZodType<T>, response: ProviderResponse, what: string): T {
  const result = schema.safeParse(response.body);
  if (!result.success) {
    throw new ConnectorError(
      "provider_error",
      `The answer to ${what} does not look like GitHub's REST API; check that api_base_url is https://api.github.com or, for GitHub Enterprise Server, https://HOSTNAME/api/v3`,
      { providerStatus: response.status },
    );
  }
  return result.data;
}
