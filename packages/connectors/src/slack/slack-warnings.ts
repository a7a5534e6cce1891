import type { StreamDeclaration } from "../core/connector-types.js";
import { historyStreamNames, privateChannelScopes, slackScopes } from "./slack-streams.js";
import { isBotToken, isRotatingToken, type SlackTokenType } from "./slack-token-kinds.js";

export interface SlackWarningInput {
  tokenType: SlackTokenType;
  streams: StreamDeclaration[];
  includePrivateChannels: boolean;
  /** Null when Slack did not report the scopes. */
  grantedScopes: string[] | null;
  missingOptionalScopes: string[];
  /** auth.test's `expires_in` for rotating tokens, in seconds. */
  expiresInSeconds: number | undefined;
}

/** What the person connecting should know will be left out or will stop working, in plain words. */
export function slackWarnings(input: SlackWarningInput): string[] {
  const warnings: string[] = [];
  const tokenKind = isBotToken(input.tokenType) ? "Bot Token Scopes" : "User Token Scopes";

  if (input.grantedScopes === null) {
    warnings.push(
      "Slack did not report this token's scopes (no x-oauth-scopes header), so they could not be checked; a missing scope will show up when a run reads the data.",
    );
  }

  const missingPrivate = input.missingOptionalScopes.filter((scope) => privateChannelScopes.has(scope));
  if (input.includePrivateChannels && missingPrivate.length > 0) {
    warnings.push(
      `Private channels will be skipped: the token lacks ${missingPrivate.join(" and ")}. Add ${missingPrivate.length > 1 ? "them" : "it"} under ${tokenKind} on the app's OAuth & Permissions page and reinstall the app, or set include_private_channels to false.`,
    );
  }

  if (input.missingOptionalScopes.includes(slackScopes.usersReadEmail)) {
    warnings.push(
      `User emails will be empty: the token lacks users:read.email. Add it under ${tokenKind} and reinstall the app to mirror them.`,
    );
  }

  const readsHistory = input.streams.some((stream) => historyStreamNames.has(stream.name));
  if (readsHistory && isBotToken(input.tokenType)) {
    warnings.push(
      "A bot token reads messages only in channels the bot is a member of: add the app to each channel to mirror (for example with /invite @your-app).",
    );
  }

  if (isRotatingToken(input.tokenType)) {
    const expiry =
      input.expiresInSeconds === undefined
        ? "within 12 hours"
        : `in about ${Math.max(1, Math.round(input.expiresInSeconds / 3600))} hour${input.expiresInSeconds < 5400 ? "" : "s"}`;
    warnings.push(
      `This token expires ${expiry} (token rotation is on) and connect is not given its refresh token: runs after that fail with invalid credentials. Turn token rotation off for the app to get a token that does not expire.`,
    );
  }
  return warnings;
}
