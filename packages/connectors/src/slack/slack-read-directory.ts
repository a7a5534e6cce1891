import type { ReadMessage } from "../core/connector-types.js";
import { channelList } from "./slack-channel-list.js";
import { nextCursorOf, objectsOf, slackPageSize, type SlackReader } from "./slack-read-client.js";

/**
 * channels: the run's shared channel list, in pages of the API's size. Slack has no changed-since filter
 * for conversations.list, so every run lists every channel (ceil(channels / 999) calls, shared with the
 * per-channel streams); archived or deleted channels leave the full-refresh snapshot.
 */
export async function* readChannels(reader: SlackReader): AsyncGenerator<ReadMessage> {
  const { channels } = await channelList(reader);
  for (let start = 0; start < channels.length; start += slackPageSize) {
    yield { type: "records", records: channels.slice(start, start + slackPageSize) };
  }
  yield { type: "state", state: {} };
}

/**
 * users: users.list, 999 per page, following `response_metadata.next_cursor`. No changed-since filter
 * exists (users carry `updated`, but the API cannot filter on it), so every run reads every user:
 * ceil(users / 999) calls. Deactivated users stay listed with `deleted: true`; Slack never removes users.
 */
export async function* readUsers(reader: SlackReader): AsyncGenerator<ReadMessage> {
  const { config } = reader.context;
  let cursor: string | undefined;
  do {
    const body = await reader.call("users.list", { limit: slackPageSize, team_id: config.team_id, cursor });
    const members = objectsOf(body, "members", "users.list");
    if (members.length > 0) yield { type: "records", records: members };
    cursor = nextCursorOf(body);
  } while (cursor);
  yield { type: "state", state: {} };
}
