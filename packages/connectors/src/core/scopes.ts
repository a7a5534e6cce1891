import type { ScopeRequirement, StreamDeclaration } from "./connector-types.js";

/** Requirement names not satisfied by the granted scopes, deduplicated, in declaration order. */
export function unmetScopes(granted: Iterable<string>, requirements: ScopeRequirement[]): string[] {
  const have = new Set([...granted].map((scope) => scope.trim()).filter(Boolean));
  const missing: string[] = [];
  for (const requirement of requirements) {
    const satisfiers = [requirement.scope, ...(requirement.anyOf ?? [])];
    if (!satisfiers.some((scope) => have.has(scope)) && !missing.includes(requirement.scope)) {
      missing.push(requirement.scope);
    }
  }
  return missing;
}

export function requiredScopesOf(streams: StreamDeclaration[]): ScopeRequirement[] {
  return streams.flatMap((stream) => stream.requiredScopes);
}

export function optionalScopesOf(streams: StreamDeclaration[]): ScopeRequirement[] {
  return streams.flatMap((stream) => stream.optionalScopes);
}

/** Splits a provider's comma- or space-separated scope header into names. */
export function parseScopeList(header: string | null | undefined): string[] {
  if (!header) return [];
  return header
    .split(/[,\s]+/)
    .map((scope) => scope.trim())
    .filter(Boolean);
}
