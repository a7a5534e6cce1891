import { slackBotUser, slackHumanUser } from "./slack-fixtures.js";

/** How Slack refuses a token it will not serve; each is answered as HTTP 200 `{"ok":false,"error":…}`. */
export type SlackTokenRefusal = "invalid_auth" | "token_revoked" | "token_expired" | "account_inactive";

/** What a token in the simulator's table stands for. */
export interface SlackTokenGrant {
  kind: "bot" | "user";
  /** Reported in `x-oauth-scopes` and enforced per method. */
  scopes: string[];
  /** The user the token acts as: the app's bot user for bot tokens. */
  userId: string;
  userName: string;
  /** Bot tokens only: the bot's B… ID, which auth.test reports as `bot_id`. */
  botId?: string;
  /** Set to make Slack refuse the token in this way. */
  refusal?: SlackTokenRefusal;
  /** Rotating tokens: seconds until expiry, which auth.test reports as `expires_in`. */
  expiresInSeconds?: number;
  /** An org-wide Enterprise Grid installation: auth.test reports `is_enterprise_install: true`. */
  enterpriseInstall?: boolean;
}

/** What a test supplies to add a token; the identity defaults to the fixture bot or human user. */
export type SlackTokenGrantInput = Pick<SlackTokenGrant, "kind" | "scopes"> & Partial<SlackTokenGrant>;

/** Every scope the connector's streams can use, private channels and emails included. */
export const slackAllReadScopes: readonly string[] = [
  "channels:read",
  "channels:history",
  "groups:read",
  "groups:history",
  "users:read",
  "users:read.email",
];

/**
 * The demo token `npm start` prints: a bot token granted every scope the streams use. Its shape is
 * deliberately not that of a real token (team and bot numbers, 24-character secret), so secret
 * scanners never mistake it for a leaked one.
 */
export const slackDemoCredentials = { token: "xoxb-tributary-demo-bot-token" } as const;

/** Demo user token with the same scopes, for trying the user-token path. */
export const slackDemoUserToken = "xoxp-tributary-demo-user-token";

/** Config for the demo: the caller adds `api_base_url` (the simulator's URL). */
export const slackDemoConfig: Record<string, unknown> = { include_private_channels: true };

export function completeGrant(input: SlackTokenGrantInput): SlackTokenGrant {
  const identity = input.kind === "bot" ? slackBotUser : slackHumanUser;
  return {
    userId: identity.id,
    userName: identity.name,
    ...(input.kind === "bot" ? { botId: slackBotUser.botId } : {}),
    ...input,
  };
}

export function defaultSlackTokens(): Map<string, SlackTokenGrant> {
  return new Map([
    [slackDemoCredentials.token, completeGrant({ kind: "bot", scopes: [...slackAllReadScopes] })],
    [slackDemoUserToken, completeGrant({ kind: "user", scopes: [...slackAllReadScopes] })],
  ]);
}
