import { slackChannels, slackMessages, type FixtureChannel, type FixtureMessage } from "./slack-fixtures.js";
import type { SlackTokenGrant } from "./slack-tokens.js";

/** The fixture channels and messages, with Slack's access rules for reading them. */

/** Why a token cannot read a channel's history, as the Web API error to answer; undefined when it can. */
export type HistoryRefusal =
  | { error: "channel_not_found" }
  | { error: "not_in_channel" }
  | { error: "missing_scope"; needed: string[] };

export function findChannel(id: unknown): FixtureChannel | undefined {
  return slackChannels.find((channel) => channel.id === id);
}

/**
 * Public channels need channels:history, and a bot must be a member; private channels need
 * groups:history and membership, and are invisible (channel_not_found) to anyone else.
 */
export function historyRefusal(channel: FixtureChannel, grant: SlackTokenGrant): HistoryRefusal | undefined {
  const isMember = channel.members.includes(grant.userId);
  if (channel.isPrivate) {
    if (!isMember) return { error: "channel_not_found" };
    if (!grant.scopes.includes("groups:history")) return { error: "missing_scope", needed: ["groups:history"] };
    return undefined;
  }
  if (!grant.scopes.includes("channels:history")) return { error: "missing_scope", needed: ["channels:history"] };
  if (grant.kind === "bot" && !isMember) return { error: "not_in_channel" };
  return undefined;
}

/** Channels conversations.list shows the token for the requested types. */
export function visibleChannels(grant: SlackTokenGrant, types: ReadonlySet<string>, excludeArchived: boolean): FixtureChannel[] {
  return slackChannels.filter((channel) => {
    if (excludeArchived && channel.isArchived) return false;
    if (channel.isPrivate) return types.has("private_channel") && channel.members.includes(grant.userId);
    return types.has("public_channel");
  });
}

export function topLevelMessages(channelId: string): FixtureMessage[] {
  return slackMessages.filter((message) => message.channelId === channelId && !message.threadTs);
}

export function threadOf(channelId: string, threadTs: string): { parent: FixtureMessage; replies: FixtureMessage[] } | undefined {
  const parent = topLevelMessages(channelId).find((message) => message.ts === threadTs);
  if (!parent) return undefined;
  const replies = slackMessages.filter((message) => message.channelId === channelId && message.threadTs === threadTs);
  return { parent, replies: sortByTs(replies, "ascending") };
}

/**
 * Timestamps compared exactly: "1704067200.000100" has 16 significant digits, past what a double
 * holds, so they are compared as integers of microseconds.
 */
export function tsMicros(ts: string): bigint {
  const [seconds = "0", fraction = ""] = ts.split(".");
  return BigInt(seconds) * 1_000_000n + BigInt(fraction.padEnd(6, "0").slice(0, 6) || "0");
}

export function sortByTs<T extends { ts: string }>(messages: readonly T[], order: "ascending" | "descending"): T[] {
  return [...messages].sort((a, b) => {
    const difference = tsMicros(a.ts) - tsMicros(b.ts);
    const ascending = difference < 0n ? -1 : difference > 0n ? 1 : 0;
    return order === "ascending" ? ascending : -ascending;
  });
}

/** Slack's `oldest`/`latest` window: bounds are exclusive unless `inclusive` is set. */
export function withinWindow(ts: string, oldest: string | undefined, latest: string | undefined, inclusive: boolean): boolean {
  const value = tsMicros(ts);
  if (oldest !== undefined) {
    const bound = tsMicros(oldest);
    if (inclusive ? value < bound : value <= bound) return false;
  }
  if (latest !== undefined) {
    const bound = tsMicros(latest);
    if (inclusive ? value > bound : value >= bound) return false;
  }
  return true;
}
