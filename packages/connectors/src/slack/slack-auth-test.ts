import { z } from "zod";
import { ConnectorError } from "../core/connector-errors.js";
import type { ProviderHttpClient } from "../core/provider-http.js";
import { parseScopeList } from "../core/scopes.js";

/** The fields of auth.test's success body the check relies on; Slack adds others freely. */
const authTestBodySchema = z.object({
  ok: z.literal(true),
  url: z.string().optional(),
  team: z.string().optional(),
  user: z.string().optional(),
  team_id: z.string().optional(),
  user_id: z.string().min(1),
  bot_id: z.string().optional(),
  enterprise_id: z.string().optional(),
  is_enterprise_install: z.boolean().optional(),
  // Present for rotating tokens: seconds until the token stops working.
  expires_in: z.number().optional(),
});

export type AuthTestIdentity = z.infer<typeof authTestBodySchema>;

export interface AuthTestResult {
  identity: AuthTestIdentity;
  /** The token's scopes from `x-oauth-scopes`; null when Slack sent no such header. */
  grantedScopes: string[] | null;
}

/** Asks Slack who the token acts as (auth.test needs no scope) and reads the granted scopes from its headers. */
export async function callAuthTest(client: ProviderHttpClient): Promise<AuthTestResult> {
  const response = await client.request({ method: "POST", path: "/auth.test" });
  const parsed = authTestBodySchema.safeParse(response.body);
  if (!parsed.success) {
    throw new ConnectorError(
      "provider_error",
      "Slack's auth.test answer lacks the user it authenticated; check that api_base_url points at the Slack Web API.",
      { providerStatus: response.status },
    );
  }
  const scopeHeader = response.headers.get("x-oauth-scopes");
  return { identity: parsed.data, grantedScopes: scopeHeader === null ? null : parseScopeList(scopeHeader) };
}
