import { z } from "zod";
import type { Account } from "@tributary/contracts";
import { ConnectorError } from "../core/connector-errors.js";
import type { CheckContext, CheckOutcome, StreamDeclaration } from "../core/connector-types.js";
import { requiredScopesOf, unmetScopes } from "../core/scopes.js";
import { linearAuthorization, type LinearAuthorization } from "./linear-authorization.js";
import { checkQuery, identityQuery } from "./linear-check-queries.js";
import type { LinearConfig } from "./linear-config.js";
import type { LinearCredentials } from "./linear-credentials.js";
import { createLinearHttpClient, postLinearQuery } from "./linear-graphql-client.js";
import { linearErrorKind, scopeNamedBy, type LinearGraphqlError } from "./linear-graphql-envelope.js";
import { rootFieldOf } from "./linear-streams.js";

const identitySchema = z.object({
  viewer: z.object({ id: z.string(), name: z.string(), email: z.string().nullable().optional() }),
  organization: z.object({ id: z.string(), name: z.string(), urlKey: z.string().optional() }),
});

type Identity = z.infer<typeof identitySchema>;

interface Probe {
  stream: StreamDeclaration;
  field: string;
}

/**
 * Linear does not report the scopes or permissions of a key or token, so access is probed: one
 * request asks who the credentials are and for one row of each selected stream's root connection.
 * A FORBIDDEN answer for a probe means the credentials lack the scope Linear names (`read`).
 */
export async function checkLinear(context: CheckContext<LinearCredentials, LinearConfig>): Promise<CheckOutcome> {
  const authorization = linearAuthorization(context.credentials);
  const client = createLinearHttpClient({
    apiBaseUrl: context.config.api_base_url,
    authorization,
    deadlineAt: context.deadlineAt,
    signal: context.signal,
    logger: context.logger,
    waitOnRateLimit: false,
  });
  const probes = context.streams.map((stream) => ({ stream, field: rootFieldOf(stream) }));
  const probeFields = [...new Set(probes.map((probe) => probe.field))];

  const answer = await postLinearQuery(client, checkQuery(probeFields));
  const refusals = answer.errors.filter((error) => linearErrorKind(error) === "forbidden");
  let identity = parseIdentity(answer.data);
  if (!identity) {
    if (refusals.length === 0) {
      throw new ConnectorError("provider_error", "Linear answered without the viewer and organization it was asked for");
    }
    // Linear's root fields are non-null, so one refused probe nulls the whole answer, identity included.
    const identityAnswer = await postLinearQuery(client, identityQuery());
    identity = parseIdentity(identityAnswer.data);
    if (!identity) {
      const identityRefusals = identityAnswer.errors.filter((error) => linearErrorKind(error) === "forbidden");
      throw missingScopes(authorization, namedScopes(identityRefusals) ?? ["read"], "see whom they belong to");
    }
  }

  const account = toAccount(identity);
  context.logger.debug(
    { provider: "Linear", tokenType: authorization.tokenType, organization: identity.organization.urlKey },
    "linear credentials resolved",
  );
  const refused = refusedProbes(refusals, probes);
  if (refused.length > 0) {
    const scopes = scopesForRefused(refused, refusals);
    const streams = [...new Set(refused.map((probe) => probe.stream.name))].join(", ");
    throw missingScopes(authorization, scopes, `read ${streams}`, account);
  }

  return {
    account,
    tokenType: authorization.tokenType,
    grantedScopes: null,
    missingRequiredScopes: [],
    missingOptionalScopes: [],
    warnings: [],
  };
}

function parseIdentity(data: Record<string, unknown> | null): Identity | undefined {
  const parsed = identitySchema.safeParse(data);
  return parsed.success ? parsed.data : undefined;
}

function toAccount({ viewer, organization }: Identity): Account {
  return {
    id: viewer.id,
    name: viewer.name,
    email: viewer.email ?? null,
    kind: "user",
    organization: { id: organization.id, name: organization.name },
  };
}

/** Probes a refusal points at by its path; a refusal without a path could be any of them. */
function refusedProbes(refusals: LinearGraphqlError[], probes: Probe[]): Probe[] {
  const identityFields = new Set(["viewer", "organization"]);
  const refusedFields = new Set<string>();
  for (const refusal of refusals) {
    const field = refusal.path?.[0];
    if (typeof field !== "string") return probes;
    if (!identityFields.has(field)) refusedFields.add(field);
  }
  return probes.filter((probe) => refusedFields.has(probe.field));
}

/** The scopes Linear named in its refusals, or else the refused streams' own requirements. */
function scopesForRefused(refused: Probe[], refusals: LinearGraphqlError[]): string[] {
  return namedScopes(refusals) ?? unmetScopes([], requiredScopesOf(refused.map((probe) => probe.stream)));
}

function namedScopes(refusals: LinearGraphqlError[]): string[] | undefined {
  const named = [...new Set(refusals.map(scopeNamedBy).filter((scope): scope is string => scope !== undefined))];
  return named.length > 0 ? named : undefined;
}

function missingScopes(
  authorization: LinearAuthorization,
  scopes: string[],
  attempted: string,
  account?: Account,
): ConnectorError {
  const list = scopes.map((scope) => `\`${scope}\``).join(", ");
  const remedy =
    authorization.tokenType === "api_key"
      ? "Create a key with Full access, or with the Read permission, under Settings → Account → Security & access in Linear."
      : `Authorize the Linear OAuth application again, requesting ${list} in its scope parameter.`;
  return new ConnectorError(
    "missing_scopes",
    `The Linear ${authorization.label} may not ${attempted}: Linear requires the scope ${list}. ${remedy}`,
    account ? { missingScopes: scopes, account } : { missingScopes: scopes },
  );
}
