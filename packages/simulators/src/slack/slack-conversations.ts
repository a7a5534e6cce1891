import type { ChannelModel } from "./slack-model.js";
import type { SlackTokenGrant } from "./slack-tokens.js";
import type { SlackWorkspace } from "./slack-workspace.js";

/** Slack's access rules for listing channels and reading their history. */

/** Why a token cannot read a channel's history, as the Web API error to answer; undefined when it can. */
export type HistoryRefusal =
  | { error: "channel_not_found" }
  | { error: "not_in_channel" }
  | { error: "missing_scope"; needed: string[] };

/**
 * Public channels need channels:history, and a bot must be a member; private channels need
 * groups:history and membership, and are invisible (channel_not_found) to anyone else.
 */
export function historyRefusal(channel: ChannelModel, grant: SlackTokenGrant): HistoryRefusal | undefined {
  const isMember = channel.members.has(grant.userId);
  if (channel.isPrivate) {
    if (!isMember) return { error: "channel_not_found" };
    if (!grant.scopes.includes("groups:history")) return { error: "missing_scope", needed: ["groups:history"] };
    return undefined;
  }
  if (!grant.scopes.includes("channels:history")) return { error: "missing_scope", needed: ["channels:history"] };
  if (grant.kind === "bot" && !isMember) return { error: "not_in_channel" };
  return undefined;
}

/**
 * Channels of the requested types the token may see, archived ones included: Slack applies
 * `exclude_archived` after cutting a page, so the route filters each page, not this list.
 */
export function visibleChannels(workspace: SlackWorkspace, grant: SlackTokenGrant, types: ReadonlySet<string>): ChannelModel[] {
  return workspace.channels.filter((channel) => {
    if (channel.isPrivate) return types.has("private_channel") && channel.members.has(grant.userId);
    return types.has("public_channel");
  });
}

/** Slack's `oldest`/`latest` window over a list sorted by ts: [from, to) indexes; bounds exclusive unless `inclusive`. */
export function windowBounds(
  lowerBound: (micros: number) => number,
  length: number,
  oldest: number | undefined,
  latest: number | undefined,
  inclusive: boolean,
): { from: number; to: number } {
  const from = oldest === undefined ? 0 : lowerBound(inclusive ? oldest : oldest + 1);
  const to = latest === undefined ? length : lowerBound(inclusive ? latest + 1 : latest);
  return { from, to: Math.max(from, to) };
}
