/**
 * What kind of Slack token a string is, told by its prefix. Slack's prefixes are stable and documented,
 * so a wrong kind is caught before any request, with a message that names the token to use instead.
 */
export type SlackTokenType = "bot" | "user" | "bot_rotating" | "user_rotating";

interface AcceptedPrefix {
  prefix: string;
  type: SlackTokenType;
}

// Rotating access tokens carry an `xoxe.` in front of the usual prefix, so they are matched first.
const acceptedPrefixes: readonly AcceptedPrefix[] = [
  { prefix: "xoxe.xoxb-", type: "bot_rotating" },
  { prefix: "xoxe.xoxp-", type: "user_rotating" },
  { prefix: "xoxb-", type: "bot" },
  { prefix: "xoxp-", type: "user" },
];

const whereToFindOne =
  "paste the app's Bot User OAuth Token (xoxb-) or User OAuth Token (xoxp-) from its OAuth & Permissions page";

// Tokens people paste by mistake. Each message names our own prefix constant, never the pasted value.
const refusedPrefixes: readonly { prefix: string; why: string }[] = [
  { prefix: "xapp-", why: `is an app-level token (xapp-), which Slack accepts only for Socket Mode and app management; ${whereToFindOne}` },
  { prefix: "xoxe-", why: "is a refresh token (xoxe-); paste the access token issued with it (xoxe.xoxb- or xoxe.xoxp-)" },
  { prefix: "xoxc-", why: `is a browser session token (xoxc-), which only works together with the browser's cookie; ${whereToFindOne}` },
  { prefix: "xoxd-", why: `is a browser session cookie (xoxd-), not an API token; ${whereToFindOne}` },
  { prefix: "xoxa-", why: `is a token of a retired workspace app (xoxa-); ${whereToFindOne}` },
  { prefix: "xoxr-", why: `is a refresh token of a retired workspace app (xoxr-); ${whereToFindOne}` },
];

export function slackTokenType(token: string): SlackTokenType | undefined {
  return acceptedPrefixes.find((candidate) => token.startsWith(candidate.prefix))?.type;
}

/** Why the string cannot be used as a token, or undefined when its prefix is one the connector accepts. */
export function slackTokenProblem(token: string): string | undefined {
  if (slackTokenType(token)) return undefined;
  if (/^bearer\s/i.test(token)) return 'must be the token alone, without the "Bearer " in front';
  const refused = refusedPrefixes.find((candidate) => token.startsWith(candidate.prefix));
  if (refused) return refused.why;
  return `is not a Slack bot or user token: it should start with xoxb- (bot) or xoxp- (user); ${whereToFindOne}`;
}

export function isBotToken(type: SlackTokenType): boolean {
  return type === "bot" || type === "bot_rotating";
}

export function isRotatingToken(type: SlackTokenType): boolean {
  return type === "bot_rotating" || type === "user_rotating";
}
