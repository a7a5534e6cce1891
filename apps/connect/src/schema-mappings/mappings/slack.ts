import { mapping } from "../mapping-types.js";

/** Slack `ts` values are epoch seconds with microseconds, as text. */
const tsToTimestamp = "to_timestamp(TRY_CAST(ts AS DOUBLE))";

/** Slack: users.list and conversations.history/replies objects (docs/connectors/slack.md). */
export const slackMappings = [
  mapping("people", "users", {
    source_id: "id",
    name: "coalesce(nullif(real_name, ''), json_extract_string(profile, '$.real_name'))",
    // Present with the users:read.email scope only.
    email: "json_extract_string(profile, '$.email')",
    handle: "name",
  }),
  mapping("conversations", "messages", {
    source_id: "channel_id || ':' || ts",
    channel: "channel_id",
    author: `"user"`,
    text: "text",
    created_at: tsToTimestamp,
  }),
  mapping("conversations", "thread_replies", {
    source_id: "channel_id || ':' || ts",
    channel: "channel_id",
    author: `"user"`,
    text: "text",
    created_at: tsToTimestamp,
  }),
];
