/**
 * The documents validation sends. Field names are Linear's public schema; each probe asks for one id
 * so it costs about one complexity point (a connection's cost is its page size times its children).
 */
export const identitySelection = "viewer { id name email } organization { id name urlKey }";

export function identityQuery(): string {
  return `query TributaryIdentity { ${identitySelection} }`;
}

/** Who the credentials are plus one row of each root connection, in a single round trip. */
export function checkQuery(probeFields: readonly string[]): string {
  const probes = probeFields.map((field) => `${field}(first: 1) { nodes { id } }`).join(" ");
  return `query TributaryCheck { ${identitySelection} ${probes} }`;
}
