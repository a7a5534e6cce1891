import { SeededRandom, sentenceFromSeed } from "./slack-random.js";

/**
 * The simulator's workspace objects and how the Web API renders them. Models keep what changes (text,
 * edits, replies, membership); rendering produces the JSON Slack returns, field for field.
 */

export const slackTeam = { id: "T07TRIBDEMO", name: "Tributary Demo", url: "https://tributary-demo.slack.com/", domain: "tributary-demo" } as const;

export interface UserModel {
  id: string;
  name: string;
  realName: string;
  /** Empty for bots. */
  email: string;
  title: string;
  statusText: string;
  statusEmoji: string;
  tz: string;
  tzLabel: string;
  tzOffset: number;
  color: string;
  isBot: boolean;
  botId?: string;
  deleted: boolean;
  isAdmin: boolean;
  isOwner: boolean;
  /** Unix seconds of the last profile change. */
  updated: number;
}

export interface ChannelModel {
  id: string;
  name: string;
  isPrivate: boolean;
  isArchived: boolean;
  isGeneral: boolean;
  created: number;
  creator: string;
  topic: { value: string; creator: string; lastSet: number };
  purpose: { value: string; creator: string; lastSet: number };
  members: Set<string>;
  /** Milliseconds, as Slack's `updated` on conversation objects. */
  updated: number;
}

export interface MessageModel {
  channelId: string;
  /** The message's `ts` as integer microseconds: exact in a double (below 2^53) and cheap to compare. */
  micros: number;
  user: string;
  /** The text, `client_msg_id` and block id are regenerated from this seed unless set explicitly. */
  textSeed: number;
  clientMsgId?: string;
  blockId?: string;
  text?: string;
  /** Replies: the parent's ts. */
  threadMicros?: number;
  /** Parents: their replies, oldest first. */
  replies?: MessageModel[];
  edited?: { user: string; micros: number };
  reactions?: { name: string; users: string[] }[];
}

/** "1704067200.000100" → 1704067200000100; undefined when the string is not a Slack timestamp. */
export function parseTs(value: string | undefined): number | undefined {
  if (value === undefined || value === "") return undefined;
  const match = /^(\d{1,12})(?:\.(\d{1,6})\d*)?$/.exec(value.trim());
  if (!match?.[1]) return undefined;
  return Number(match[1]) * 1_000_000 + Number((match[2] ?? "").padEnd(6, "0"));
}

export function formatTs(micros: number): string {
  const seconds = Math.floor(micros / 1_000_000);
  return `${seconds}.${String(micros - seconds * 1_000_000).padStart(6, "0")}`;
}

export function messageText(message: MessageModel): string {
  return message.text ?? sentenceFromSeed(message.textSeed);
}

/** A message as conversations.history and conversations.replies return it. */
export function renderMessage(message: MessageModel, parentUser: string | undefined): Record<string, unknown> {
  const text = messageText(message);
  const ids = message.clientMsgId && message.blockId ? undefined : new SeededRandom(message.textSeed ^ 0x5bd1e995);
  const object: Record<string, unknown> = {
    user: message.user,
    type: "message",
    ts: formatTs(message.micros),
    client_msg_id: message.clientMsgId ?? ids?.uuid(),
    text,
    team: slackTeam.id,
  };
  if (message.edited) object.edited = { user: message.edited.user, ts: formatTs(message.edited.micros) };
  object.blocks = [
    {
      type: "rich_text",
      block_id: message.blockId ?? ids?.id("", 5),
      elements: [{ type: "rich_text_section", elements: [{ type: "text", text }] }],
    },
  ];
  if (message.threadMicros !== undefined) {
    object.thread_ts = formatTs(message.threadMicros);
    if (parentUser) object.parent_user_id = parentUser;
  } else if (message.replies && message.replies.length > 0) {
    const replyUsers = [...new Set(message.replies.map((reply) => reply.user))];
    const latest = message.replies[message.replies.length - 1];
    object.thread_ts = formatTs(message.micros);
    object.reply_count = message.replies.length;
    object.reply_users_count = replyUsers.length;
    object.latest_reply = latest ? formatTs(latest.micros) : undefined;
    // Slack lists at most five repliers.
    object.reply_users = replyUsers.slice(0, 5);
    object.is_locked = false;
    object.subscribed = false;
  }
  if (message.reactions && message.reactions.length > 0) {
    object.reactions = message.reactions.map((reaction) => ({ name: reaction.name, users: reaction.users, count: reaction.users.length }));
  }
  return object;
}

/** A user object as users.list returns it; the email only for tokens holding users:read.email. */
export function renderUser(user: UserModel, withEmail: boolean): Record<string, unknown> {
  const [firstName = "", ...rest] = user.realName.split(" ");
  const profile: Record<string, unknown> = {
    title: user.title,
    phone: "",
    skype: "",
    real_name: user.realName,
    real_name_normalized: user.realName,
    display_name: user.name,
    display_name_normalized: user.name,
    fields: null,
    status_text: user.statusText,
    status_emoji: user.statusEmoji,
    status_emoji_display_info: [],
    status_expiration: 0,
    avatar_hash: `g${user.id.slice(1, 12).toLowerCase()}`,
    first_name: firstName,
    last_name: rest.join(" "),
    image_24: `https://secure.gravatar.com/avatar/${user.id}.jpg?s=24`,
    image_32: `https://secure.gravatar.com/avatar/${user.id}.jpg?s=32`,
    image_48: `https://secure.gravatar.com/avatar/${user.id}.jpg?s=48`,
    image_72: `https://secure.gravatar.com/avatar/${user.id}.jpg?s=72`,
    image_192: `https://secure.gravatar.com/avatar/${user.id}.jpg?s=192`,
    image_512: `https://secure.gravatar.com/avatar/${user.id}.jpg?s=512`,
    status_text_canonical: "",
    team: slackTeam.id,
  };
  if (withEmail && user.email) profile.email = user.email;
  if (user.botId) {
    profile.bot_id = user.botId;
    profile.always_active = true;
  }
  return {
    id: user.id,
    team_id: slackTeam.id,
    name: user.name,
    deleted: user.deleted,
    color: user.color,
    real_name: user.realName,
    tz: user.tz,
    tz_label: user.tzLabel,
    tz_offset: user.tzOffset,
    profile,
    is_admin: user.isAdmin,
    is_owner: user.isOwner,
    is_primary_owner: false,
    is_restricted: false,
    is_ultra_restricted: false,
    is_bot: user.isBot,
    is_app_user: false,
    updated: user.updated,
    is_email_confirmed: !user.isBot,
    who_can_share_contact_card: "EVERYONE",
  };
}

/** A channel object as conversations.list returns it, `is_member` seen from the caller. */
export function renderChannel(channel: ChannelModel, callerId: string): Record<string, unknown> {
  return {
    id: channel.id,
    name: channel.name,
    is_channel: true,
    is_group: false,
    is_im: false,
    is_mpim: false,
    is_private: channel.isPrivate,
    created: channel.created,
    is_archived: channel.isArchived,
    is_general: channel.isGeneral,
    unlinked: 0,
    name_normalized: channel.name,
    is_shared: false,
    is_org_shared: false,
    is_pending_ext_shared: false,
    pending_shared: [],
    context_team_id: slackTeam.id,
    updated: channel.updated,
    parent_conversation: null,
    creator: channel.creator,
    is_ext_shared: false,
    shared_team_ids: [slackTeam.id],
    pending_connected_team_ids: [],
    is_member: channel.members.has(callerId),
    topic: { value: channel.topic.value, creator: channel.topic.creator, last_set: channel.topic.lastSet },
    purpose: { value: channel.purpose.value, creator: channel.purpose.creator, last_set: channel.purpose.lastSet },
    previous_names: [],
    num_members: channel.members.size,
  };
}
