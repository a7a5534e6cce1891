import type { ZodError } from "zod";
import { firstFieldIssue, type ValidateResponse } from "@tributary/contracts";
import type { AnyConnector, StreamDeclaration } from "./connector-types.js";
import { ConnectorError } from "./connector-errors.js";
import type { ConnectorLogger } from "./logger-types.js";

export interface ValidateConnectionInput {
  credentials: Record<string, unknown>;
  config: Record<string, unknown>;
  streams?: string[];
}

export interface ValidateConnectionOptions {
  deadlineMs: number;
  signal?: AbortSignal;
  logger: ConnectorLogger;
}

/** Picks the named streams, or all of them; an unknown name is a `bad_request` naming its position. */
export function selectStreams(connector: AnyConnector, names: string[] | undefined): StreamDeclaration[] {
  if (!names) return connector.streams;
  return names.map((name, index) => {
    const stream = connector.streams.find((candidate) => candidate.name === name);
    if (!stream) {
      const known = connector.streams.map((candidate) => candidate.name).join(", ");
      throw new ConnectorError("bad_request", `streams.${index}: unknown stream "${name}" (known: ${known})`, {
        field: `streams.${index}`,
      });
    }
    return stream;
  });
}

/** Parses a connector-specific part of a request, turning schema failures into a `bad_request` naming the field. */
export function parseConnectorInput<T>(
  schema: { safeParse(value: unknown): { success: true; data: T } | { success: false; error: ZodError } },
  value: unknown,
  field: "credentials" | "config",
): T {
  const result = schema.safeParse(value);
  if (!result.success) {
    const issue = firstFieldIssue(result.error, field);
    throw new ConnectorError("bad_request", issue.message, { field: issue.field });
  }
  return result.data;
}

/**
 * Checks credentials against the provider: who they act as and whether they can read the selected
 * streams. Missing required scopes fail with `missing_scopes`; missing optional ones pass with warnings.
 */
export async function validateConnection(
  connector: AnyConnector,
  input: ValidateConnectionInput,
  options: ValidateConnectionOptions,
): Promise<ValidateResponse> {
  const credentials = parseConnectorInput(connector.credentialsSchema, input.credentials, "credentials");
  const config = parseConnectorInput(connector.configSchema, input.config, "config");
  const streams = selectStreams(connector, input.streams);

  const outcome = await connector.check({
    credentials,
    config,
    streams,
    deadlineAt: Date.now() + options.deadlineMs,
    signal: options.signal,
    logger: options.logger,
  });

  if (outcome.missingRequiredScopes.length > 0) {
    throw new ConnectorError(
      "missing_scopes",
      `The ${connector.name} credentials lack the scopes the selected streams need: ${outcome.missingRequiredScopes.join(", ")}`,
      { missingScopes: outcome.missingRequiredScopes, account: outcome.account, warnings: outcome.warnings },
    );
  }

  return {
    status: "ok",
    connector: connector.id,
    account: outcome.account,
    token_type: outcome.tokenType,
    granted_scopes: outcome.grantedScopes,
    missing_scopes: outcome.missingOptionalScopes,
    warnings: outcome.warnings,
    streams: streams.map((stream) => stream.name),
  };
}
