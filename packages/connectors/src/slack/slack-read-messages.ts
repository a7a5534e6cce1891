import type { ReadMessage, StreamState } from "../core/connector-types.js";
import { channelList, historyChannels } from "./slack-channel-list.js";
import { historyPages, noteScanPage, publishScan, windowStart, type ChannelScan } from "./slack-history.js";
import { mergeBounded } from "./slack-merge.js";
import { SlackObjectUnavailableError, slackConcurrency, type SlackReader } from "./slack-read-client.js";
import { formatTs, laterMicros, tsMicros } from "./slack-ts.js";

type ChannelEvent =
  | { kind: "records"; records: Record<string, unknown>[] }
  | { kind: "done"; channelId: string; scan: ChannelScan }
  | { kind: "skipped"; channelId: string; reason: string };

/**
 * messages: conversations.history per channel (up to four channels at once), 999 per page. A full read
 * takes all history (or from `start_date`); an incremental one asks only for messages after the
 * channel's last seen ts minus `lookback_days` (Slack's `oldest` filter). Each record is the message as
 * Slack returns it plus `channel_id`. The partition (channel id → newest ts seen) advances when a channel
 * is read to the end, and a state follows each channel. Slack lists no deleted messages: deletions reach
 * the mirror only through a full refresh.
 */
export async function* readMessages(reader: SlackReader): AsyncGenerator<ReadMessage> {
  const { context } = reader;
  const channels = historyChannels(reader, await channelList(reader));
  const previous = context.syncMode === "incremental" ? (context.state?.partitions ?? {}) : {};
  const partitions: Record<string, string | number | null> = { ...previous };
  const snapshot = (): StreamState => ({ partitions: { ...partitions } });

  const sources = channels.map((channel) => () => readChannel(reader, channel.id as string, windowStart(context, previous[channel.id as string])));
  for await (const event of mergeBounded(sources, slackConcurrency)) {
    if (event.kind === "records") {
      yield { type: "records", records: event.records };
    } else if (event.kind === "skipped") {
      context.logger.warn({ provider: "slack", channel: event.channelId, reason: event.reason }, "channel skipped");
    } else {
      const newest = laterMicros(tsMicros(partitions[event.channelId]), event.scan.newestMicros);
      partitions[event.channelId] = newest === undefined ? null : formatTs(newest);
      publishScan(context, event.channelId, event.scan);
      yield { type: "state", state: snapshot() };
    }
  }
  yield { type: "state", state: snapshot() };
}

async function* readChannel(reader: SlackReader, channelId: string, oldestMicros: number | undefined): AsyncGenerator<ChannelEvent> {
  const scan: ChannelScan = { oldestMicros, newestMicros: undefined, parents: [] };
  try {
    for await (const messages of historyPages(reader, channelId, oldestMicros)) {
      noteScanPage(scan, messages);
      if (messages.length === 0) continue;
      for (const message of messages) message.channel_id = channelId;
      yield { kind: "records", records: messages };
    }
  } catch (error) {
    if (error instanceof SlackObjectUnavailableError) {
      yield { kind: "skipped", channelId, reason: error.slackError };
      return;
    }
    throw error;
  }
  yield { kind: "done", channelId, scan };
}
