import { parseGithubBody, type GithubApi } from "./github-api.js";
import { githubOrganizationSchema, githubRepositorySchema } from "./github-api-shapes.js";
import { splitRepositoryName } from "./github-config.js";
import { githubErrorMessage, isSingleSignOnRefusal } from "./github-error-body.js";
import { accessEntry } from "./github-scopes.js";

/** Something configured that the token cannot reach: the `missing_scopes` entry and why, in words. */
export interface AccessProblem {
  entry: string;
  explanation: string;
  /** A 404: GitHub hides private resources from tokens that may not read them, so this may be either. */
  notFound: boolean;
}

export interface OrganizationProbe {
  organization?: { id: string; login: string };
  problem?: AccessProblem;
}

export interface RepositoryProbe {
  problems: AccessProblem[];
  /** Repositories GitHub redirected to another name: configured name -> current name. */
  renamed: Array<{ configured: string; current: string }>;
}

/** Repositories probed at once: enough to keep a long list quick, few enough to stay clear of secondary limits. */
const probeConcurrency = 4;

export async function probeOrganization(api: GithubApi, login: string): Promise<OrganizationProbe> {
  const response = await api.get(`/orgs/${encodeURIComponent(login)}`);
  if (response.status === 200) {
    const organization = parseGithubBody(githubOrganizationSchema, response, `GET /orgs/${login}`);
    return { organization: { id: String(organization.id), login: organization.login } };
  }
  if (response.status === 403 && isSingleSignOnRefusal(response.headers, response.body)) {
    return { problem: singleSignOnProblem(login) };
  }
  const said = githubErrorMessage(response.body);
  return {
    problem: {
      entry: accessEntry.organization(login),
      notFound: response.status === 404,
      explanation:
        response.status === 404
          ? `Organization "${login}" was not found: check the login in \`organization\`.`
          : `GitHub refused access to organization "${login}" (HTTP ${response.status}${said ? `: ${said}` : ""}).`,
    },
  };
}

/** Asks for each repository (a few at a time); every one that does not answer 200 is a problem. */
export async function probeRepositories(api: GithubApi, fullNames: readonly string[]): Promise<RepositoryProbe> {
  const answers: RepositoryAnswer[] = new Array(fullNames.length);
  let next = 0;
  const worker = async () => {
    for (let index = next++; index < fullNames.length; index = next++) {
      answers[index] = await probeRepository(api, fullNames[index] ?? "");
    }
  };
  await Promise.all(Array.from({ length: Math.min(probeConcurrency, fullNames.length) }, worker));

  // Assembled in configuration order, whatever order the workers finished in.
  const outcome: RepositoryProbe = { problems: [], renamed: [] };
  for (const answer of answers) {
    if (answer?.renamedTo) outcome.renamed.push(answer.renamedTo);
    const problem = answer?.problem;
    if (problem && !outcome.problems.some((known) => known.entry === problem.entry)) outcome.problems.push(problem);
  }
  return outcome;
}

interface RepositoryAnswer {
  problem?: AccessProblem;
  renamedTo?: { configured: string; current: string };
}

async function probeRepository(api: GithubApi, fullName: string): Promise<RepositoryAnswer> {
  const { owner, name } = splitRepositoryName(fullName);
  const response = await api.get(`/repos/${encodeURIComponent(owner)}/${encodeURIComponent(name)}`);
  if (response.status === 200) {
    const repository = parseGithubBody(githubRepositorySchema, response, `GET /repos/${fullName}`);
    return repository.full_name.toLowerCase() === fullName.toLowerCase()
      ? {}
      : { renamedTo: { configured: fullName, current: repository.full_name } };
  }
  // One SSO refusal per organization: every repository behind it is fixed by the same authorization.
  if (response.status === 403 && isSingleSignOnRefusal(response.headers, response.body)) {
    return { problem: singleSignOnProblem(owner) };
  }
  const said = githubErrorMessage(response.body);
  return {
    problem: {
      entry: accessEntry.repository(fullName),
      notFound: response.status === 404,
      explanation:
        response.status === 404
          ? `Repository "${fullName}" was not found: it does not exist, or it is private and the token may not read it.`
          : `GitHub refused access to repository "${fullName}" (HTTP ${response.status}${said ? `: ${said}` : ""}).`,
    },
  };
}

function singleSignOnProblem(login: string): AccessProblem {
  return {
    entry: accessEntry.singleSignOn(login),
    notFound: false,
    explanation: `Organization "${login}" enforces SAML single sign-on and the token is not authorized for it: in the token's settings choose "Configure SSO" and authorize "${login}".`,
  };
}
