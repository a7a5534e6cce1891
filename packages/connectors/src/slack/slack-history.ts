import { nextCursorOf, objectsOf, slackPageSize, type SlackReader, type SlackReadContext } from "./slack-read-client.js";
import { formatTs, laterMicros, microsPerDay, startDateMicros, tsMicros } from "./slack-ts.js";

/** A thread parent seen in a channel's history: `reply_count > 0`. */
export interface ThreadParent {
  ts: string;
  latestReplyMicros: number | undefined;
}

/**
 * What a scan of one channel's history found: the thread parents posted after `oldestMicros` (undefined:
 * the whole history) and the newest top-level ts. The messages stream publishes it in the run's shared
 * map once a channel is read, so thread_replies needs no second pass over the same history.
 */
export interface ChannelScan {
  oldestMicros: number | undefined;
  newestMicros: number | undefined;
  parents: ThreadParent[];
}

const scanKey = (channelId: string) => `slack:history-scan:${channelId}`;

export function publishScan(context: SlackReadContext, channelId: string, scan: ChannelScan): void {
  context.shared.set(scanKey(channelId), Promise.resolve(scan));
}

/** A scan published by this run that covers `oldestMicros` (went at least as far back), if any. */
export async function publishedScan(context: SlackReadContext, channelId: string, oldestMicros: number | undefined): Promise<ChannelScan | undefined> {
  const published = context.shared.get(scanKey(channelId)) as Promise<ChannelScan> | undefined;
  if (!published) return undefined;
  const scan = await published;
  const covers = scan.oldestMicros === undefined || (oldestMicros !== undefined && scan.oldestMicros <= oldestMicros);
  return covers ? scan : undefined;
}

/**
 * Where an incremental read of a channel starts (exclusive `oldest`): `lookback_days` before the
 * partition's last seen ts, never before `start_date`; a channel without state starts at `start_date`
 * (all history when unset).
 */
export function windowStart(context: SlackReadContext, previous: string | number | null | undefined): number | undefined {
  const start = startDateMicros(context.config.start_date);
  const last = tsMicros(previous);
  if (last === undefined) return start;
  return laterMicros(start, last - context.config.lookback_days * microsPerDay);
}

/** Records a scan page's thread parents and newest ts into `scan`. */
export function noteScanPage(scan: ChannelScan, messages: readonly Record<string, unknown>[]): void {
  for (const message of messages) {
    const micros = tsMicros(message.ts);
    scan.newestMicros = laterMicros(scan.newestMicros, micros);
    if (typeof message.reply_count === "number" && message.reply_count > 0 && typeof message.ts === "string") {
      scan.parents.push({ ts: message.ts, latestReplyMicros: tsMicros(message.latest_reply) });
    }
  }
}

/**
 * conversations.history of one channel after `oldestMicros`, newest first, 999 per page, following
 * `response_metadata.next_cursor`. Should Slack ever answer `has_more` without a cursor, the next page
 * is asked by time instead (`latest` = the oldest ts received), as the method's documentation offers.
 */
export async function* historyPages(
  reader: SlackReader,
  channelId: string,
  oldestMicros: number | undefined,
): AsyncGenerator<Record<string, unknown>[]> {
  const oldest = oldestMicros === undefined ? undefined : formatTs(oldestMicros);
  let cursor: string | undefined;
  let latest: string | undefined;
  for (;;) {
    const body = await reader.call("conversations.history", { channel: channelId, limit: slackPageSize, oldest, latest, cursor });
    const messages = objectsOf(body, "messages", "conversations.history");
    yield messages;
    cursor = nextCursorOf(body);
    if (cursor) continue;
    const last = messages[messages.length - 1]?.ts;
    if (body.has_more === true && typeof last === "string") {
      latest = last;
      continue;
    }
    return;
  }
}

/** Scans a channel's history for thread parents only (thread_replies read without messages before it). */
export async function scanChannel(reader: SlackReader, channelId: string, oldestMicros: number | undefined): Promise<ChannelScan> {
  const scan: ChannelScan = { oldestMicros, newestMicros: undefined, parents: [] };
  for await (const messages of historyPages(reader, channelId, oldestMicros)) noteScanPage(scan, messages);
  return scan;
}
