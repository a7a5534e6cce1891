import { ConnectorError } from "../core/connector-errors.js";
import type { ResponseVerdict } from "../core/provider-http.js";
import { parseScopeList } from "../core/scopes.js";

/**
 * What each `{"ok":false,"error":"…"}` code of Slack's Web API means for a caller. Slack reports almost
 * every failure this way with HTTP 200, so the code, not the status, decides.
 */
const credentialErrors: Record<string, string> = {
  invalid_auth:
    "Slack did not accept the token (invalid_auth): it is mistyped or was regenerated, or the workspace only allows API calls from listed IP addresses. Copy the token again from the app's OAuth & Permissions page.",
  not_authed: "Slack received no token (not_authed). Paste the bot (xoxb-) or user (xoxp-) token into the token field.",
  account_inactive:
    "The token belongs to a deactivated user or a deleted workspace (account_inactive). Create a token as an active member of the workspace.",
  token_revoked:
    "The token was revoked, or the app was uninstalled from the workspace (token_revoked). Reinstall the app and paste the new token.",
  token_expired:
    "The token has expired (token_expired). Rotating tokens (xoxe.…) last 12 hours: paste a fresh one, or turn token rotation off for the app to get a token that does not expire.",
  not_allowed_token_type:
    "Slack does not accept this kind of token for this call (not_allowed_token_type). Use a bot (xoxb-) or user (xoxp-) token.",
  no_permission:
    "The token does not have permission for this call (no_permission). Use a bot (xoxb-) or user (xoxp-) token of an app installed in the workspace.",
  team_access_not_granted:
    "The token has not been granted access to this workspace (team_access_not_granted). Install the app in the workspace, or set team_id to a workspace it was granted.",
  two_factor_setup_required:
    "The token's user must set up two-factor authentication before Slack accepts the token (two_factor_setup_required).",
};

const providerErrors: Record<string, string> = {
  accesslimited: "Slack refuses this call from the network the request came from (accesslimited).",
  ekm_access_denied: "The workspace's administrators have suspended access to its data (ekm_access_denied).",
  org_login_required:
    "The workspace is being migrated to an Enterprise Grid organisation and is unavailable until that ends (org_login_required).",
  enterprise_is_restricted: "This call cannot be made on an Enterprise Grid organisation (enterprise_is_restricted).",
  method_deprecated: "Slack has retired this API method (method_deprecated).",
  deprecated_endpoint: "Slack has retired this API endpoint (deprecated_endpoint).",
  unknown_method: "Slack does not know this API method (unknown_method); check that api_base_url points at the Web API.",
};

// Slack documents these as transient failures on its side: the same call usually succeeds again.
const transientErrors = new Set(["fatal_error", "internal_error", "service_unavailable", "request_timeout", "team_added_to_org"]);

/** A code safe to put in a message: Slack's codes are short snake_case words; anything else is not echoed. */
export function sanitizedErrorCode(value: unknown): string | undefined {
  return typeof value === "string" && /^[a-z0-9_.]{1,64}$/.test(value) ? value : undefined;
}

export function classifyPlatformError(body: Record<string, unknown>, status: number): ResponseVerdict {
  const code = sanitizedErrorCode(body.error) ?? "unknown_error";
  if (transientErrors.has(code)) return { kind: "transient", reason: `Slack error ${code} (HTTP ${status})` };

  const credentialMessage = credentialErrors[code];
  if (credentialMessage) {
    return { kind: "error", error: new ConnectorError("invalid_credentials", credentialMessage, { providerStatus: status }) };
  }
  if (code === "missing_scope") return { kind: "error", error: missingScopeError(body, status) };

  const providerMessage = providerErrors[code] ?? `Slack answered with the error "${code}" (HTTP ${status}).`;
  return { kind: "error", error: new ConnectorError("provider_error", providerMessage, { providerStatus: status }) };
}

// `needed` lists the scopes any one of which would have allowed the call (for conversations.history:
// channels:history,groups:history,mpim:history,im:history), so the message offers them as alternatives.
function missingScopeError(body: Record<string, unknown>, status: number): ConnectorError {
  const needed = parseScopeList(typeof body.needed === "string" ? body.needed : undefined).filter((scope) =>
    /^[a-z0-9_.:-]{1,64}$/i.test(scope),
  );
  const what = needed.length === 0 ? "a scope" : needed.length === 1 ? needed[0] : `one of ${needed.join(", ")}`;
  return new ConnectorError(
    "missing_scopes",
    `The token lacks ${what}, which Slack requires for this call (missing_scope). Add it under the app's OAuth & Permissions, reinstall the app, and paste the new token.`,
    { missingScopes: needed, providerStatus: status },
  );
}
