import type { ReadMessage } from "../core/connector-types.js";
import { readChannelPartitions, type ChannelEvent } from "./slack-channel-partitions.js";
import { historyPages, noteScanPage, publishScan, windowStart, type ChannelScan } from "./slack-history.js";
import type { SlackReader } from "./slack-read-client.js";
import { laterMicros, tsMicros } from "./slack-ts.js";

/**
 * messages: conversations.history per channel (up to four channels at once), 999 per page. A full read
 * takes all history (or from `start_date`); an incremental one asks only for messages after the
 * channel's last seen ts minus `lookback_days` (Slack's `oldest` filter). Each record is the message as
 * Slack returns it plus `channel_id`. The partition (channel id → newest ts seen) advances when a channel
 * is read to the end, and a state follows each channel. Slack lists no deleted messages: deletions reach
 * the mirror only through a full refresh.
 */
export function readMessages(reader: SlackReader): AsyncGenerator<ReadMessage> {
  return readChannelPartitions(reader, (channelId, previous) => readChannel(reader, channelId, previous));
}

async function* readChannel(
  reader: SlackReader,
  channelId: string,
  previous: string | number | null | undefined,
): AsyncGenerator<ChannelEvent> {
  const scan: ChannelScan = { oldestMicros: windowStart(reader.context, previous), newestMicros: undefined, parents: [] };
  for await (const messages of historyPages(reader, channelId, scan.oldestMicros)) {
    noteScanPage(scan, messages);
    if (messages.length === 0) continue;
    for (const message of messages) message.channel_id = channelId;
    yield { kind: "records", records: messages };
  }
  // thread_replies of this run reuses the scan instead of reading the history again.
  publishScan(reader.context, channelId, scan);
  yield { kind: "done", newestMicros: laterMicros(tsMicros(previous), scan.newestMicros) };
}
