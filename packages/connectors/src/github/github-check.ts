import type { Account } from "@tributary/contracts";
import type { CheckContext, CheckOutcome } from "../core/connector-types.js";
import { optionalScopesOf, requiredScopesOf, unmetScopes } from "../core/scopes.js";
import { probeOrganization, probeRepositories, type AccessProblem } from "./github-access-probe.js";
import { GithubApi } from "./github-api.js";
import type { GithubConfig, GithubCredentials } from "./github-config.js";
import { resolveGithubIdentity, type GithubIdentity } from "./github-identity.js";
import { accessEntry, missingOptionalScopeConsequences, privateRepositoriesScope } from "./github-scopes.js";
import { readsOrganizationMembers, readsRepositories } from "./github-streams.js";
import { tokenTypeFromPrefix } from "./github-token-type.js";

/** Configured repositories probed one by one; beyond this, access is checked when each is read. */
export const maxProbedRepositories = 50;
/** How far ahead an expiring token is worth a warning. */
const expiryWarningMs = 7 * 24 * 60 * 60 * 1000;

/**
 * Classic and OAuth tokens are judged by the scopes GitHub reports; fine-grained and App tokens report
 * none, so access to what the configuration names (organization, repositories) is probed instead. Both
 * kinds get the probes: a classic token with every scope still cannot read a repository its user was
 * never given.
 */
export async function checkGithubConnection(
  context: CheckContext<GithubCredentials, GithubConfig>,
): Promise<CheckOutcome> {
  const { credentials, config, streams } = context;
  const api = new GithubApi({
    baseUrl: config.api_base_url,
    token: credentials.token,
    tokenType: tokenTypeFromPrefix(credentials.token),
    deadlineAt: context.deadlineAt,
    signal: context.signal,
    logger: context.logger,
    passThrough: [403, 404],
  });

  const identity = await resolveGithubIdentity(api, credentials.token);
  const granted = identity.grantedScopes;
  const missingRequired = granted ? unmetScopes(granted, requiredScopesOf(streams)) : [];
  const missingOptional = granted ? unmetScopes(granted, optionalScopesOf(streams)) : [];
  const warnings: string[] = [];
  const reportProblem = (problem: AccessProblem) => {
    if (!missingRequired.includes(problem.entry)) missingRequired.push(problem.entry);
    warnings.push(problem.explanation);
  };

  let organization: Account["organization"] = identity.account.organization;
  if (config.organization) {
    const probe = await probeOrganization(api, config.organization);
    if (probe.organization) organization = { id: probe.organization.id, name: probe.organization.login };
    if (probe.problem) reportProblem(probe.problem);
  }

  if (readsRepositories(streams)) {
    await checkRepositories(api, config, identity, { missingRequired, missingOptional, warnings, reportProblem });
  }

  if (readsOrganizationMembers(streams)) {
    const membersOf = config.organization ?? identity.account.organization?.name;
    if (!membersOf) {
      warnings.push(
        "The `users` stream reads the members of an organization, but no `organization` is configured: it will stay empty. Set `organization` to mirror its members.",
      );
    } else if (!granted) {
      warnings.push(
        `GitHub does not report the permissions of ${describeTokenType(identity)}: unless the token has the organization permission "Members: read", only the public members of "${membersOf}" will be mirrored.`,
      );
    }
  }

  for (const scope of missingOptional) {
    warnings.push(missingOptionalScopeConsequences[scope] ?? `The token lacks the optional \`${scope}\` scope.`);
  }
  const expiry = expiryWarning(identity.expiresAt);
  if (expiry) warnings.push(expiry);

  return {
    account: { ...identity.account, organization },
    tokenType: identity.tokenType,
    grantedScopes: granted,
    missingRequiredScopes: missingRequired,
    missingOptionalScopes: missingOptional,
    warnings,
  };
}

interface Findings {
  missingRequired: string[];
  missingOptional: string[];
  warnings: string[];
  reportProblem: (problem: AccessProblem) => void;
}

async function checkRepositories(
  api: GithubApi,
  config: GithubConfig,
  identity: GithubIdentity,
  findings: Findings,
): Promise<void> {
  const granted = identity.grantedScopes;
  const configured = config.repositories;

  if (!configured) {
    if (identity.installationRepositoryCount === 0) {
      findings.reportProblem({
        entry: accessEntry.anyRepository,
        notFound: false,
        explanation:
          "The GitHub App installation has access to no repository: add repositories to the installation (organization or user settings → GitHub Apps → Configure).",
      });
    } else if (!granted) {
      findings.warnings.push(
        "No `repositories` configured: the connection reads every repository the token can access, and checks each one when it is read.",
      );
    }
    return;
  }

  const probed = configured.slice(0, maxProbedRepositories);
  if (configured.length > probed.length) {
    findings.warnings.push(
      `Access was checked for the first ${probed.length} of ${configured.length} configured repositories; the others are checked when they are read.`,
    );
  }
  const probe = await probeRepositories(api, probed);
  const lacksPrivateScope = granted !== null && unmetScopes(granted, [privateRepositoriesScope]).length > 0;

  for (const problem of probe.problems) {
    // A classic token without `repo` gets a 404 for every private repository: the fix is the scope,
    // which then stops being optional for this configuration.
    if (problem.notFound && lacksPrivateScope) {
      const scope = privateRepositoriesScope.scope;
      if (!findings.missingRequired.includes(scope)) findings.missingRequired.push(scope);
      const optionalIndex = findings.missingOptional.indexOf(scope);
      if (optionalIndex !== -1) findings.missingOptional.splice(optionalIndex, 1);
      findings.warnings.push(`${problem.explanation} The token lacks the \`repo\` scope that private repositories need.`);
      continue;
    }
    findings.reportProblem(problem);
  }
  for (const { configured: name, current } of probe.renamed) {
    findings.warnings.push(`Repository "${name}" has been renamed or moved to "${current}": update \`repositories\`.`);
  }
}

function describeTokenType(identity: GithubIdentity): string {
  switch (identity.tokenType) {
    case "fine_grained_pat":
      return "fine-grained personal access tokens";
    case "app_installation":
      return "GitHub App installation tokens";
    case "app_user":
      return "GitHub App user tokens";
    default:
      return "this token";
  }
}

function expiryWarning(expiresAt: Date | undefined, now = Date.now()): string | undefined {
  if (!expiresAt || expiresAt.getTime() - now > expiryWarningMs) return undefined;
  const when = `${expiresAt.toISOString().slice(0, 16).replace("T", " ")} UTC`;
  return expiresAt.getTime() <= now
    ? `GitHub reports the token expired at ${when}; replace it.`
    : `The token expires at ${when}: create a replacement before then, or ingestion will stop.`;
}
