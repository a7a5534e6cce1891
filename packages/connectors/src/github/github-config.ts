import { z } from "zod";
import { apiBaseUrlField, secretField } from "../core/config-fields.js";
import { isRefreshToken } from "./github-token-type.js";

export const githubDefaultApiBaseUrl = "https://api.github.com";

/**
 * Every GitHub token format is made of letters, digits and underscores (`ghp_…`, `github_pat_…`, the
 * 40-hex legacy tokens); the retired `v1.` installation tokens also had a dot. Anything else is a
 * paste accident (a `Bearer ` prefix, a line break, quotes) worth naming before GitHub is asked.
 */
const tokenCharacters = /^[A-Za-z0-9_.]+$/;

export const githubCredentialsSchema = z.strictObject({
  token: secretField(
    "A GitHub token: personal access token (classic `ghp_…` or fine-grained `github_pat_…`), OAuth token " +
      "(`gho_…`), GitHub App user token (`ghu_…`) or GitHub App installation token (`ghs_…`).",
  )
    .refine((token) => !/^(bearer|token)\s/i.test(token), {
      error: "paste the token alone, without the `Bearer ` or `token ` prefix",
      abort: true,
    })
    .refine((token) => tokenCharacters.test(token), {
      error: "must contain only letters, digits and underscores (check for spaces, quotes or line breaks)",
      abort: true,
    })
    .refine((token) => !isRefreshToken(token), {
      error: "is a GitHub App refresh token (`ghr_…`), which the API does not accept; paste the user access token (`ghu_…`) it renews",
    }),
});

export type GithubCredentials = z.infer<typeof githubCredentialsSchema>;

/** GitHub's login rule for users and organizations: alphanumerics and single inner hyphens, 39 at most. */
const loginPattern = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/;
/** Enterprise Managed Users carry an `_shortcode` suffix, so owners of repositories may contain underscores. */
const ownerPattern = /^[A-Za-z0-9](?:[A-Za-z0-9_]|-(?=[A-Za-z0-9_])){0,99}$/;
const repositoryNamePattern = /^[A-Za-z0-9._-]{1,100}$/;

const organizationField = z
  .string({ error: "must be a string" })
  .trim()
  .regex(loginPattern, {
    error: "must be a GitHub organization login (letters, digits and single hyphens, 39 characters at most), not a URL",
  })
  .describe("Organization login whose repositories and members are read, e.g. `octo-org`.");

const repositoryField = z
  .string({ error: "must be a string" })
  .trim()
  .refine(
    (value) => {
      const [owner, name, ...rest] = value.split("/");
      return (
        rest.length === 0 &&
        owner !== undefined &&
        name !== undefined &&
        ownerPattern.test(owner) &&
        repositoryNamePattern.test(name) &&
        name !== "." &&
        name !== ".."
      );
    },
    { error: 'must be "owner/name", e.g. "octo-org/octo-repo"' },
  );

const repositoriesField = z
  .array(repositoryField, { error: "must be an array of \"owner/name\" strings" })
  .min(1, { error: "must list at least one repository, or be left out to read every accessible repository" })
  .max(1000, { error: "lists more than 1000 repositories; use `organization` to read a whole organization" })
  .refine((names) => new Set(names.map((name) => name.toLowerCase())).size === names.length, {
    error: "lists a repository twice (names are case-insensitive)",
  })
  .describe('Repositories to read, as "owner/name". Left out: every repository the token can access.');

const apiBaseUrl = apiBaseUrlField(
  githubDefaultApiBaseUrl,
  "GitHub REST API root: https://api.github.com, or https://HOSTNAME/api/v3 for GitHub Enterprise Server.",
).refine((value) => !isWebsiteUrl(value), {
  error: "is the GitHub website; use the API address https://api.github.com (or https://HOSTNAME/api/v3 for GitHub Enterprise Server)",
}).refine((value) => {
  const url = URL.canParse(value) ? new URL(value) : undefined;
  return !url || (url.username === "" && url.password === "" && url.search === "" && url.hash === "");
}, { error: "must not contain credentials, a query string or a fragment" });

export const githubConfigSchema = z.strictObject({
  api_base_url: apiBaseUrl,
  organization: organizationField.optional(),
  repositories: repositoriesField.optional(),
});

export type GithubConfig = z.infer<typeof githubConfigSchema>;

function isWebsiteUrl(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const host = new URL(value).hostname.toLowerCase();
  return host === "github.com" || host === "www.github.com";
}

/** Splits a validated "owner/name" into its parts. */
export function splitRepositoryName(fullName: string): { owner: string; name: string } {
  const [owner = "", name = ""] = fullName.split("/");
  return { owner, name };
}
