import type { ReadMessage } from "../core/connector-types.js";
import { readChannelPartitions, type ChannelEvent } from "./slack-channel-partitions.js";
import { publishedScan, scanChannel, windowStart, type ThreadParent } from "./slack-history.js";
import { mergeBounded } from "./slack-merge.js";
import {
  SlackObjectUnavailableError,
  nextCursorOf,
  objectsOf,
  slackConcurrency,
  slackPageSize,
  type SlackReader,
} from "./slack-read-client.js";
import { formatTs, laterMicros, tsMicros } from "./slack-ts.js";

/**
 * thread_replies: one conversations.replies call (999 per page) per thread that has something to read,
 * and no call for any other message.
 *
 * The threads come from a scan of the channel's history — the messages stream's scan of this run when it
 * went back far enough (no extra call), otherwise a scan of our own. The partition (channel id → newest
 * ts seen in the channel, top-level or reply) marks what was read: a thread is fetched only when its
 * parent's `latest_reply` is newer, and then with `oldest` set to it, so only the new replies come back.
 * The scan covers parents posted from `lookback_days` before that mark: a reply to an older thread moves
 * the parent's `latest_reply` but not its `ts`, so Slack's `oldest` filter cannot find it, and it is
 * missed until a full refresh (or a larger `lookback_days`).
 */
export function readThreadReplies(reader: SlackReader): AsyncGenerator<ReadMessage> {
  return readChannelPartitions(reader, (channelId, previous) => readChannelThreads(reader, channelId, previous));
}

async function* readChannelThreads(
  reader: SlackReader,
  channelId: string,
  previous: string | number | null | undefined,
): AsyncGenerator<ChannelEvent> {
  const { context } = reader;
  const readUpTo = tsMicros(previous);
  const oldestMicros = windowStart(context, previous);
  const scan = (await publishedScan(context, channelId, oldestMicros)) ?? (await scanChannel(reader, channelId, oldestMicros));

  const changed = scan.parents.filter(
    (parent) => readUpTo === undefined || parent.latestReplyMicros === undefined || parent.latestReplyMicros > readUpTo,
  );
  let batch: Record<string, unknown>[] = [];
  const threads = changed.map((parent) => () => threadReplies(reader, channelId, parent, readUpTo));
  for await (const replies of mergeBounded(threads, slackConcurrency)) {
    batch.push(...replies);
    if (batch.length >= slackPageSize) {
      yield { kind: "records", records: batch };
      batch = [];
    }
  }
  if (batch.length > 0) yield { kind: "records", records: batch };

  let newest = laterMicros(readUpTo, scan.newestMicros);
  for (const parent of scan.parents) newest = laterMicros(newest, parent.latestReplyMicros);
  yield { kind: "done", newestMicros: newest };
}

/**
 * The replies of one thread after `afterMicros` (all of them when undefined), page by page. Slack puts
 * the parent first in the answer (whatever `oldest` says); it belongs to messages and is dropped here.
 */
async function* threadReplies(
  reader: SlackReader,
  channelId: string,
  parent: ThreadParent,
  afterMicros: number | undefined,
): AsyncGenerator<Record<string, unknown>[]> {
  let oldest = afterMicros === undefined ? undefined : formatTs(afterMicros);
  let cursor: string | undefined;
  try {
    for (;;) {
      const body = await reader.call("conversations.replies", { channel: channelId, ts: parent.ts, limit: slackPageSize, oldest, cursor });
      const messages = objectsOf(body, "messages", "conversations.replies");
      const replies = messages.filter((message) => message.ts !== parent.ts);
      for (const reply of replies) reply.channel_id = channelId;
      if (replies.length > 0) yield replies;
      cursor = nextCursorOf(body);
      if (cursor) continue;
      const last = messages[messages.length - 1]?.ts;
      if (body.has_more === true && typeof last === "string" && last !== oldest) {
        oldest = last;
        continue;
      }
      return;
    }
  } catch (error) {
    // The parent was deleted since the scan: nothing left to read in this thread.
    if (error instanceof SlackObjectUnavailableError) {
      reader.context.logger.warn({ provider: "slack", channel: channelId, thread: parent.ts, reason: error.slackError }, "thread skipped");
      return;
    }
    throw error;
  }
}
