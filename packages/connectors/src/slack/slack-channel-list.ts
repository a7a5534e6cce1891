import { ConnectorError } from "../core/connector-errors.js";
import type { ReadContext } from "../core/connector-types.js";
import { sharedLookup } from "../core/read-helpers.js";
import { nextCursorOf, objectsOf, slackPageSize, type SlackReader } from "./slack-read-client.js";

export interface SlackChannelList {
  /** The channels the connection mirrors, as conversations.list returned them (config filters applied). */
  channels: Record<string, unknown>[];
}

/**
 * The workspace's channels, fetched once per run for every stream (conversations.list, 999 per page):
 * public channels, private ones when configured (falling back to public only, with a warning, when the
 * token lacks groups:read), archived ones only when configured, and only `channel_ids` when given.
 */
export function channelList(reader: SlackReader): Promise<SlackChannelList> {
  return sharedLookup(reader.context as ReadContext<unknown, unknown>, "slack:channels", () => loadChannels(reader));
}

async function loadChannels(reader: SlackReader): Promise<SlackChannelList> {
  const { config, logger } = reader.context;
  let channels: Record<string, unknown>[];
  try {
    channels = await listConversations(reader, config.include_private_channels ? "public_channel,private_channel" : "public_channel");
  } catch (error) {
    if (!(error instanceof ConnectorError && error.code === "missing_scopes" && config.include_private_channels)) throw error;
    logger.warn({ provider: "slack" }, "the token lacks groups:read: private channels are skipped");
    channels = await listConversations(reader, "public_channel");
  }
  if (config.channel_ids) {
    const wanted = new Set(config.channel_ids);
    channels = channels.filter((channel) => wanted.has(channel.id as string));
    const found = new Set(channels.map((channel) => channel.id as string));
    const missing = config.channel_ids.filter((id) => !found.has(id));
    if (missing.length > 0) {
      logger.warn({ provider: "slack", channels: missing }, "configured channels not visible to the token are skipped");
    }
  }
  return { channels };
}

async function listConversations(reader: SlackReader, types: string): Promise<Record<string, unknown>[]> {
  const { config } = reader.context;
  const channels: Record<string, unknown>[] = [];
  let cursor: string | undefined;
  do {
    const body = await reader.call("conversations.list", {
      types,
      exclude_archived: config.include_archived_channels ? "false" : "true",
      limit: slackPageSize,
      team_id: config.team_id,
      cursor,
    });
    for (const channel of objectsOf(body, "channels", "conversations.list")) {
      // Slack filters archived channels after cutting a page; filter again in case a proxy does not.
      if (typeof channel.id !== "string") continue;
      if (!config.include_archived_channels && channel.is_archived === true) continue;
      channels.push(channel);
    }
    cursor = nextCursorOf(body);
  } while (cursor);
  return channels;
}

/**
 * Channels whose history the token can read: a bot only where it is a member (elsewhere Slack answers
 * not_in_channel); a user token every public channel and the private ones it was listed.
 */
export function historyChannels(reader: SlackReader, list: SlackChannelList): Record<string, unknown>[] {
  return reader.isBot ? list.channels.filter((channel) => channel.is_member === true) : list.channels;
}
