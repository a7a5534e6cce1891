/**
 * A small workspace, shaped like what the Web API returns: enough for validation and a first read of
 * every stream. The ingestion work will swap in a seeded, larger generator behind the same shapes.
 */

export const slackTeam = { id: "T07TRIBDEMO", name: "Tributary Demo", url: "https://tributary-demo.slack.com/" } as const;

export interface FixtureUser {
  id: string;
  name: string;
  realName: string;
  email: string;
  isBot?: boolean;
  botId?: string;
  deleted?: boolean;
  isAdmin?: boolean;
}

export const slackBotUser = {
  id: "U07TRIBBOT",
  name: "tributary",
  realName: "Tributary",
  email: "",
  isBot: true,
  botId: "B07TRIBBOT",
} as const satisfies FixtureUser;

export const slackHumanUser = {
  id: "U07ADA",
  name: "ada",
  realName: "Ada Lovelace",
  email: "ada@tributary-demo.example",
  isAdmin: true,
} as const satisfies FixtureUser;

const fixtureUsers: readonly FixtureUser[] = [
  slackHumanUser,
  { id: "U07GRACE", name: "grace", realName: "Grace Hopper", email: "grace@tributary-demo.example" },
  { id: "U07ALAN", name: "alan", realName: "Alan Turing", email: "alan@tributary-demo.example", deleted: true },
  slackBotUser,
];

export interface FixtureChannel {
  id: string;
  name: string;
  isPrivate: boolean;
  isArchived: boolean;
  isGeneral: boolean;
  created: number;
  creator: string;
  topic: string;
  purpose: string;
  members: readonly string[];
}

const allMembers = fixtureUsers.filter((user) => !user.deleted).map((user) => user.id);

export const slackChannels: readonly FixtureChannel[] = [
  { id: "C07GENERAL", name: "general", isPrivate: false, isArchived: false, isGeneral: true, created: 1_700_000_000, creator: "U07ADA", topic: "Company-wide announcements", purpose: "Everyone, everything", members: allMembers },
  { id: "C07ENGINEER", name: "engineering", isPrivate: false, isArchived: false, isGeneral: false, created: 1_700_000_600, creator: "U07GRACE", topic: "Ship it", purpose: "Building things", members: ["U07ADA", "U07GRACE", "U07TRIBBOT"] },
  { id: "C07RANDOM", name: "random", isPrivate: false, isArchived: false, isGeneral: false, created: 1_700_001_200, creator: "U07ADA", topic: "", purpose: "Non-work banter", members: ["U07ADA", "U07GRACE"] },
  { id: "C07LEADS", name: "leads", isPrivate: true, isArchived: false, isGeneral: false, created: 1_700_001_800, creator: "U07ADA", topic: "", purpose: "Leads only", members: ["U07ADA", "U07TRIBBOT"] },
  { id: "C07OLDPROJ", name: "old-project", isPrivate: false, isArchived: true, isGeneral: false, created: 1_690_000_000, creator: "U07GRACE", topic: "", purpose: "Done and dusted", members: ["U07GRACE"] },
];

export interface FixtureMessage {
  channelId: string;
  ts: string;
  user: string;
  text: string;
  threadTs?: string;
}

// Slack timestamps are seconds with six decimals, unique per channel; threads point at their parent's ts.
function ts(offsetSeconds: number, sequence = 100): string {
  return `${1_704_067_200 + offsetSeconds}.${String(sequence).padStart(6, "0")}`;
}

export const slackMessages: readonly FixtureMessage[] = [
  { channelId: "C07GENERAL", ts: ts(0), user: "U07ADA", text: "Welcome to Tributary Demo!" },
  { channelId: "C07GENERAL", ts: ts(3_600), user: "U07GRACE", text: "Quarterly numbers are in the usual place." },
  { channelId: "C07GENERAL", ts: ts(3_660), user: "U07ADA", text: "Thanks! Any surprises?", threadTs: ts(3_600) },
  { channelId: "C07GENERAL", ts: ts(3_720), user: "U07GRACE", text: "Deals closed faster than planned.", threadTs: ts(3_600) },
  { channelId: "C07GENERAL", ts: ts(7_200), user: "U07ADA", text: "Offsite is booked for March." },
  { channelId: "C07ENGINEER", ts: ts(1_800), user: "U07GRACE", text: "Deploy at 3pm, freeze after." },
  { channelId: "C07ENGINEER", ts: ts(1_860), user: "U07ADA", text: "Ack.", threadTs: ts(1_800) },
  { channelId: "C07ENGINEER", ts: ts(5_400), user: "U07TRIBBOT", text: "Mirror run finished: 1,204 records." },
  { channelId: "C07RANDOM", ts: ts(900), user: "U07GRACE", text: "Who took the last coffee?" },
  { channelId: "C07LEADS", ts: ts(2_700), user: "U07ADA", text: "Hiring plan draft attached." },
  { channelId: "C07OLDPROJ", ts: ts(-86_400), user: "U07GRACE", text: "Closing this project channel." },
];

/** A user object as users.list returns it; the email only for tokens holding users:read.email. */
export function userObject(user: FixtureUser, withEmail: boolean): Record<string, unknown> {
  const profile: Record<string, unknown> = {
    title: "",
    phone: "",
    skype: "",
    real_name: user.realName,
    real_name_normalized: user.realName,
    display_name: user.name,
    display_name_normalized: user.name,
    status_text: "",
    status_emoji: "",
    avatar_hash: "g000000000aa",
    image_24: `https://secure.gravatar.com/avatar/${user.id}.jpg?s=24`,
    image_72: `https://secure.gravatar.com/avatar/${user.id}.jpg?s=72`,
    team: slackTeam.id,
  };
  if (withEmail && user.email) profile.email = user.email;
  if (user.botId) profile.bot_id = user.botId;
  return {
    id: user.id,
    team_id: slackTeam.id,
    name: user.name,
    deleted: user.deleted ?? false,
    color: "9f69e7",
    real_name: user.realName,
    tz: "Europe/London",
    tz_label: "Greenwich Mean Time",
    tz_offset: 0,
    profile,
    is_admin: user.isAdmin ?? false,
    is_owner: user.isAdmin ?? false,
    is_primary_owner: false,
    is_restricted: false,
    is_ultra_restricted: false,
    is_bot: user.isBot ?? false,
    is_app_user: false,
    updated: 1_704_067_200,
  };
}

export function allUsers(): readonly FixtureUser[] {
  return fixtureUsers;
}

/** A channel object as conversations.list returns it, `is_member` seen from the caller. */
export function channelObject(channel: FixtureChannel, callerId: string): Record<string, unknown> {
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
    updated: channel.created * 1000,
    parent_conversation: null,
    creator: channel.creator,
    is_ext_shared: false,
    shared_team_ids: [slackTeam.id],
    pending_connected_team_ids: [],
    is_member: channel.members.includes(callerId),
    topic: { value: channel.topic, creator: channel.topic ? channel.creator : "", last_set: channel.topic ? channel.created : 0 },
    purpose: { value: channel.purpose, creator: channel.creator, last_set: channel.created },
    previous_names: [],
    num_members: channel.members.length,
  };
}

/** A message object as conversations.history and conversations.replies return it. */
export function messageObject(message: FixtureMessage): Record<string, unknown> {
  const object: Record<string, unknown> = {
    type: "message",
    user: message.user,
    text: message.text,
    ts: message.ts,
    team: slackTeam.id,
  };
  const replies = slackMessages.filter((reply) => reply.channelId === message.channelId && reply.threadTs === message.ts);
  if (message.threadTs) {
    object.thread_ts = message.threadTs;
    object.parent_user_id = slackMessages.find((parent) => parent.channelId === message.channelId && parent.ts === message.threadTs)?.user;
  } else if (replies.length > 0) {
    const replyUsers = [...new Set(replies.map((reply) => reply.user))];
    object.thread_ts = message.ts;
    object.reply_count = replies.length;
    object.reply_users_count = replyUsers.length;
    object.latest_reply = replies[replies.length - 1]?.ts;
    object.reply_users = replyUsers;
    object.is_locked = false;
    object.subscribed = false;
  }
  return object;
}
