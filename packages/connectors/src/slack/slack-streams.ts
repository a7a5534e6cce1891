import type { StreamDeclaration } from "../core/connector-types.js";

/** Scope names as Slack spells them; the same names apply to bot and user tokens. */
export const slackScopes = {
  channelsRead: "channels:read",
  channelsHistory: "channels:history",
  groupsRead: "groups:read",
  groupsHistory: "groups:history",
  usersRead: "users:read",
  usersReadEmail: "users:read.email",
} as const;

/** Scopes that only widen reading to private channels; irrelevant when the connection leaves those out. */
export const privateChannelScopes: ReadonlySet<string> = new Set([slackScopes.groupsRead, slackScopes.groupsHistory]);

/** Streams whose data is read from channel history, where a bot only sees the channels it is a member of. */
export const historyStreamNames: ReadonlySet<string> = new Set(["messages", "thread_replies"]);

const channels: StreamDeclaration = {
  name: "channels",
  description:
    "Public channels, and the private channels the token can see (conversations.list). Read in full each run: Slack offers no changed-since filter for channels.",
  primaryKey: ["id"],
  cursorField: null,
  syncModes: ["full_refresh"],
  partitionedBy: null,
  requiredScopes: [{ scope: slackScopes.channelsRead }],
  optionalScopes: [{ scope: slackScopes.groupsRead }],
};

const users: StreamDeclaration = {
  name: "users",
  description:
    "Members of the workspace, deactivated ones included (users.list). Read in full each run: Slack offers no changed-since filter for users. Emails need users:read.email.",
  primaryKey: ["id"],
  cursorField: null,
  syncModes: ["full_refresh"],
  partitionedBy: null,
  requiredScopes: [{ scope: slackScopes.usersRead }],
  optionalScopes: [{ scope: slackScopes.usersReadEmail }],
};

// Listing channels is how the per-channel streams find their partitions, hence channels:read on them too.
const messages: StreamDeclaration = {
  name: "messages",
  description:
    "Top-level messages of each channel (conversations.history), each record carrying its channel_id. Read per channel with the API's `oldest` filter, from the channel's last seen ts minus config.lookback_days (so edits, reactions and reply counts of recent messages are refreshed); thread replies are in thread_replies.",
  primaryKey: ["channel_id", "ts"],
  cursorField: ["ts"],
  syncModes: ["full_refresh", "incremental"],
  partitionedBy: "channel",
  requiredScopes: [{ scope: slackScopes.channelsRead }, { scope: slackScopes.channelsHistory }],
  optionalScopes: [{ scope: slackScopes.groupsRead }, { scope: slackScopes.groupsHistory }],
};

const threadReplies: StreamDeclaration = {
  name: "thread_replies",
  description:
    "Replies in threads (conversations.replies), one call per thread, only for messages with replies (reply_count > 0) and, incrementally, only for threads whose latest_reply is newer than the channel's last seen ts, asking with the API's `oldest` filter for the new replies alone. Threads are found among the parents posted from config.lookback_days before the channel's last seen ts: replies to older threads are missed until a full refresh. Each record carries its channel_id; the parent message itself is in messages.",
  primaryKey: ["channel_id", "ts"],
  cursorField: ["ts"],
  syncModes: ["full_refresh", "incremental"],
  partitionedBy: "channel",
  requiredScopes: [{ scope: slackScopes.channelsRead }, { scope: slackScopes.channelsHistory }],
  optionalScopes: [{ scope: slackScopes.groupsRead }, { scope: slackScopes.groupsHistory }],
};

export const slackStreams: StreamDeclaration[] = [channels, users, messages, threadReplies];
