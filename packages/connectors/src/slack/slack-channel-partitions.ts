import type { ReadMessage, StreamState } from "../core/connector-types.js";
import { channelList, historyChannels } from "./slack-channel-list.js";
import { mergeBounded } from "./slack-merge.js";
import { SlackObjectUnavailableError, slackConcurrency, type SlackReader } from "./slack-read-client.js";
import { formatTs } from "./slack-ts.js";

/** What a per-channel reader yields: pages of records, then the newest ts it has read in the channel. */
export type ChannelEvent =
  | { kind: "records"; records: Record<string, unknown>[] }
  | { kind: "done"; newestMicros: number | undefined };

type PartitionEvent = ChannelEvent | { kind: "skipped"; reason: string };

/**
 * Runs a per-channel reader over every channel whose history the token can read (up to four at once).
 * The partition (channel id → newest ts read) advances when a channel is read to the end, and a state
 * follows each channel; a channel that disappeared or that the token may no longer read is skipped.
 */
export async function* readChannelPartitions(
  reader: SlackReader,
  readChannel: (channelId: string, previous: string | number | null | undefined) => AsyncGenerator<ChannelEvent>,
): AsyncGenerator<ReadMessage> {
  const { context } = reader;
  const channels = historyChannels(reader, await channelList(reader));
  const previous = context.syncMode === "incremental" ? (context.state?.partitions ?? {}) : {};
  const partitions: Record<string, string | number | null> = { ...previous };
  const snapshot = (): StreamState => ({ partitions: { ...partitions } });

  const sources = channels.map((channel) => {
    const channelId = channel.id as string;
    return async function* (): AsyncGenerator<PartitionEvent & { channelId: string }> {
      try {
        for await (const event of readChannel(channelId, previous[channelId])) yield { ...event, channelId };
      } catch (error) {
        if (!(error instanceof SlackObjectUnavailableError)) throw error;
        yield { kind: "skipped", channelId, reason: error.slackError };
      }
    };
  });
  for await (const event of mergeBounded(sources, slackConcurrency)) {
    if (event.kind === "records") {
      yield { type: "records", records: event.records };
    } else if (event.kind === "skipped") {
      context.logger.warn({ provider: "slack", channel: event.channelId, reason: event.reason }, "channel skipped");
    } else {
      partitions[event.channelId] = event.newestMicros === undefined ? null : formatTs(event.newestMicros);
      yield { type: "state", state: snapshot() };
    }
  }
  yield { type: "state", state: snapshot() };
}
