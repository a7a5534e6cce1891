import type { ChangeSpec, ChangeSummary, DatasetControl } from "../core/dataset-types.js";
import { slackBotUser, slackHumanUser, tokenUsers } from "./slack-fixtures.js";
import { formatTs, renderChannel, renderMessage, renderUser, type ChannelModel, type MessageModel, type UserModel } from "./slack-model.js";
import { SeededRandom, sentenceFromSeed } from "./slack-random.js";
import { SlackWorkspace, type ChannelHistory } from "./slack-workspace.js";

/**
 * Sizes of a seeded workspace. The same options build the same workspace, byte for byte. Message counts:
 * `channels × messagesPerChannel` top-level messages, of which `threadedRatio` (rounded per channel) are
 * thread parents with exactly `repliesPerThread` replies each.
 */
export interface SlackDatasetOptions {
  seed: number;
  /** Channels the demo tokens can read (default 10), of which `privateChannels` are private (default 0). */
  channels?: number;
  privateChannels?: number;
  /** Extra archived channels, with messages; default reads leave them out (default 0). */
  archivedChannels?: number;
  /** People besides the demo tokens' bot and user (default 50); about 5% deactivated, 2% bots. */
  users?: number;
  /** Top-level messages per channel (default 100). */
  messagesPerChannel?: number;
  /** Share of top-level messages that start a thread (default 0.1). */
  threadedRatio?: number;
  /** Replies in each thread (default 5). */
  repliesPerThread?: number;
  /** Unix seconds of the first message (default 2024-01-01T00:00:00Z). */
  startTs?: number;
  /** Mean gap between two top-level messages of a channel, in seconds (default 1800). */
  messageIntervalSeconds?: number;
}

/** Picks the dataset a simulator serves: the streams are the connector's. */
export type SlackStreamName = "channels" | "users" | "messages" | "thread_replies";
const streamOrder: readonly SlackStreamName[] = ["users", "channels", "messages", "thread_replies"];

const firstNames = ["Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Margaret", "Ken", "Radia", "Linus", "Frances", "John", "Sophie", "Tim", "Hedy", "Dennis"];
const lastNames = ["Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Hamilton", "Thompson", "Perlman", "Torvalds", "Allen", "Backus", "Wilson", "Berners-Lee", "Lamarr", "Ritchie"];
const titles = ["Engineer", "Senior Engineer", "Product Manager", "Designer", "Account Executive", "Support Lead", "Data Analyst", "Recruiter", ""];
const timezones: readonly [string, string, number][] = [
  ["Europe/London", "Greenwich Mean Time", 0],
  ["Europe/Paris", "Central European Time", 3600],
  ["America/New_York", "Eastern Standard Time", -18000],
  ["America/Los_Angeles", "Pacific Standard Time", -28800],
  ["Asia/Tokyo", "Japan Standard Time", 32400],
];
const channelWords = ["eng", "design", "sales", "support", "ops", "data", "growth", "infra", "mobile", "web", "hiring", "finance", "legal", "marketing", "security", "platform"];
const reactionNames = ["thumbsup", "eyes", "white_check_mark", "tada", "heart", "raised_hands", "joy", "rocket"];

/** Builds a seeded workspace; the demo tokens' bot and user are members of every channel. */
export function buildSeededWorkspace(options: SlackDatasetOptions): SlackWorkspace {
  const random = new SeededRandom(options.seed);
  const workspace = new SlackWorkspace();
  const startTs = options.startTs ?? 1_704_067_200;
  const interval = options.messageIntervalSeconds ?? 1800;

  for (const tokenUser of tokenUsers()) workspace.addUser({ ...tokenUser, updated: startTs });
  const userCount = options.users ?? 50;
  for (let index = 0; index < userCount; index += 1) workspace.addUser(generatedUser(random, index, startTs));
  const people = workspace.users.filter((user) => !user.deleted && !user.isBot);

  const readable = options.channels ?? 10;
  const privateCount = Math.min(options.privateChannels ?? 0, readable);
  const archived = options.archivedChannels ?? 0;
  const total = readable + archived;
  for (let index = 0; index < total; index += 1) {
    const isPrivate = index >= readable - privateCount && index < readable;
    const channel = generatedChannel(random, index, people, startTs, { isPrivate, isArchived: index >= readable });
    const history = workspace.addChannel(channel);
    fillHistory(random, history, channel, options, startTs, interval);
  }
  workspace.settleClock();
  return workspace;
}

function generatedUser(random: SeededRandom, index: number, startTs: number): UserModel {
  const first = random.pick(firstNames);
  const last = random.pick(lastNames);
  const isBot = random.chance(0.02);
  const [tz, tzLabel, tzOffset] = random.pick(timezones);
  const name = isBot ? `${first.toLowerCase()}-bot-${index}` : `${first.toLowerCase()}.${last.toLowerCase()}${index}`;
  const user: UserModel = {
    id: random.id("U"),
    name,
    realName: isBot ? `${first} Bot` : `${first} ${last}`,
    email: isBot ? "" : `${name}@tributary-demo.example`,
    title: isBot ? "" : random.pick(titles),
    statusText: random.chance(0.3) ? random.pick(["In a meeting", "Out sick", "Vacationing", "Focus time", "Commuting"]) : "",
    statusEmoji: "",
    tz,
    tzLabel,
    tzOffset,
    color: random.pick(["9f69e7", "4bbe2e", "e7392d", "3c989f", "674b1b", "e96699"]),
    isBot,
    deleted: !isBot && random.chance(0.05),
    isAdmin: random.chance(0.05),
    isOwner: false,
    updated: startTs - random.int(0, 365 * 86_400),
  };
  if (isBot) user.botId = random.id("B");
  return user;
}

function generatedChannel(
  random: SeededRandom,
  index: number,
  people: readonly UserModel[],
  startTs: number,
  kind: { isPrivate: boolean; isArchived: boolean },
): ChannelModel {
  const created = startTs - random.int(86_400, 400 * 86_400);
  const creator = random.pick(people).id;
  const members = new Set<string>([slackHumanUser.id, slackBotUser.id]);
  for (const person of people) if (index === 0 || random.chance(0.4)) members.add(person.id);
  const topic = random.chance(0.6) ? sentenceFromSeed(random.seed(), 3, 10) : "";
  return {
    id: random.id("C"),
    name: index === 0 ? "general" : `${random.pick(channelWords)}-${random.pick(channelWords)}-${index}`,
    isPrivate: kind.isPrivate,
    isArchived: kind.isArchived,
    isGeneral: index === 0,
    created,
    creator,
    topic: { value: topic, creator: topic ? creator : "", lastSet: topic ? created : 0 },
    purpose: { value: sentenceFromSeed(random.seed(), 3, 14), creator, lastSet: created },
    members,
    updated: created * 1000,
  };
}

function fillHistory(
  random: SeededRandom,
  history: ChannelHistory,
  channel: ChannelModel,
  options: SlackDatasetOptions,
  startTs: number,
  interval: number,
): void {
  const count = options.messagesPerChannel ?? 100;
  const ratio = options.threadedRatio ?? 0.1;
  const repliesPerThread = options.repliesPerThread ?? 5;
  const authors = [...channel.members].filter((id) => id !== slackBotUser.id);
  // Selection sampling: exactly round(count × ratio) parents, spread at random.
  let threadsLeft = Math.round(count * ratio);
  let at = startTs * 1_000_000 + random.int(0, interval) * 1_000_000;
  for (let index = 0; index < count; index += 1) {
    at += Math.max(1, Math.round(-Math.log(1 - random.next()) * interval)) * 1_000_000;
    const message = newMessage(random, channel.id, history.freeMicros(at + random.int(0, 999_999)), random.pick(authors));
    if (random.chance(0.05)) message.edited = { user: message.user, micros: message.micros + random.int(30, 900) * 1_000_000 };
    if (random.chance(0.2)) message.reactions = reactionsFor(random, authors);
    history.appendTop(message);
    const isParent = threadsLeft > 0 && random.next() * (count - index) < threadsLeft;
    if (!isParent) continue;
    threadsLeft -= 1;
    let replyAt = message.micros;
    for (let reply = 0; reply < repliesPerThread; reply += 1) {
      replyAt += random.int(20, 1800) * 1_000_000;
      const replyMessage = newMessage(random, channel.id, history.freeMicros(replyAt), random.pick(authors));
      replyMessage.threadMicros = message.micros;
      history.addReply(message, replyMessage);
      replyAt = replyMessage.micros;
    }
  }
}

function newMessage(random: SeededRandom, channelId: string, micros: number, user: string): MessageModel {
  return { channelId, micros, user, textSeed: random.seed() };
}

function reactionsFor(random: SeededRandom, authors: readonly string[]): { name: string; users: string[] }[] {
  const count = random.int(1, 2);
  const reactions: { name: string; users: string[] }[] = [];
  for (let index = 0; index < count; index += 1) {
    const users = new Set<string>();
    const size = random.int(1, 3);
    for (let pick = 0; pick < size; pick += 1) users.add(random.pick(authors));
    const name = random.pick(reactionNames);
    if (!reactions.some((reaction) => reaction.name === name)) reactions.push({ name, users: [...users] });
  }
  return reactions;
}

const keyOf = {
  id: (id: string) => JSON.stringify({ id }),
  message: (channelId: string, micros: number) => JSON.stringify({ channel_id: channelId, ts: formatTs(micros) }),
};

/**
 * The dataset's control surface: changes as activity in a workspace makes them, and the ground truth a
 * complete read must mirror. Ground truth is what the demo bot token (every read scope, member of every
 * seeded channel) reads with the connector's default config: public and private channels, archived
 * ones left out, emails included.
 */
export class SlackDatasetControl implements DatasetControl {
  private batchStart = 0;

  constructor(private readonly workspace: SlackWorkspace) {}

  /**
   * Per stream: `users` inserts people, updates their profile, deletes = deactivates (Slack never removes
   * users: users.list keeps them with `deleted: true`); `channels` inserts public channels, updates
   * topics, deletes = archives; `messages` posts, edits (text and `edited`) and deletes top-level
   * messages (only ones without replies); `thread_replies` posts replies to random top-level messages
   * (old ones too, possibly starting a thread), edits and deletes replies. Posting or deleting a reply
   * changes its parent, which is then listed as updated in `messages`.
   */
  applyChanges(spec: ChangeSpec): ChangeSummary {
    for (const name of Object.keys(spec.changes)) {
      if (!streamOrder.includes(name as SlackStreamName)) {
        throw new Error(`unknown Slack stream "${name}" (known: ${streamOrder.join(", ")})`);
      }
    }
    const random = new SeededRandom(spec.seed);
    // Updates and deletes touch what existed before the batch, so no record is inserted and deleted at once.
    this.batchStart = this.workspace.clockMicros;
    const applied: ChangeSummary["applied"] = {};
    const summaryOf = (stream: SlackStreamName) => (applied[stream] ??= { inserted: [], updated: [], deleted: [] });
    for (const stream of streamOrder) {
      const change = spec.changes[stream];
      if (!change) continue;
      const summary = summaryOf(stream);
      for (let count = 0; count < (change.inserts ?? 0); count += 1) this.insert(stream, random, summary, summaryOf);
      for (let count = 0; count < (change.updates ?? 0); count += 1) this.update(stream, random, summary);
      for (let count = 0; count < (change.deletes ?? 0); count += 1) this.remove(stream, random, summary, summaryOf);
    }
    for (const summary of Object.values(applied)) {
      summary.updated = [...new Set(summary.updated)].filter((key) => !summary.inserted.includes(key) && !summary.deleted.includes(key));
    }
    return { applied };
  }

  groundTruth(stream: string): Record<string, unknown>[] {
    const workspace = this.workspace;
    switch (stream) {
      case "users":
        return workspace.users.map((user) => renderUser(user, true));
      case "channels":
        return this.listedChannels().map((channel) => renderChannel(channel, slackBotUser.id));
      case "messages":
        return this.readableChannels().flatMap((channel) =>
          workspace.history(channel.id).top.map((message) => ({ ...renderMessage(message, undefined), channel_id: channel.id })),
        );
      case "thread_replies":
        return this.readableChannels().flatMap((channel) =>
          workspace
            .history(channel.id)
            .top.flatMap((parent) => (parent.replies ?? []).map((reply) => ({ ...renderMessage(reply, parent.user), channel_id: channel.id }))),
        );
      default:
        throw new Error(`unknown Slack stream "${stream}" (known: ${streamOrder.join(", ")})`);
    }
  }

  /** Channels conversations.list shows the demo bot with the default config: not archived, private ones it is in. */
  private listedChannels(): ChannelModel[] {
    return this.workspace.channels.filter(
      (channel) => !channel.isArchived && (!channel.isPrivate || channel.members.has(slackBotUser.id)),
    );
  }

  /** Channels whose history the bot reads: listed ones it is a member of (a bot is refused elsewhere). */
  private readableChannels(): ChannelModel[] {
    return this.listedChannels().filter((channel) => channel.members.has(slackBotUser.id));
  }

  private activeChannels(): ChannelModel[] {
    return this.workspace.channels.filter((channel) => !channel.isArchived);
  }

  private insert(
    stream: SlackStreamName,
    random: SeededRandom,
    summary: ChangeSummary["applied"][string],
    summaryOf: (stream: SlackStreamName) => ChangeSummary["applied"][string],
  ): void {
    const workspace = this.workspace;
    const now = workspace.tick(random.int(1, 120));
    switch (stream) {
      case "users": {
        const user = generatedUser(random, workspace.users.length, Math.floor(now / 1_000_000));
        user.deleted = false;
        user.updated = Math.floor(now / 1_000_000);
        workspace.addUser(user);
        summary.inserted.push(keyOf.id(user.id));
        const general = workspace.channels.find((channel) => channel.isGeneral);
        if (general && !user.isBot) {
          general.members.add(user.id);
          summaryOf("channels").updated.push(keyOf.id(general.id));
        }
        return;
      }
      case "channels": {
        const people = workspace.users.filter((user) => !user.deleted && !user.isBot);
        const channel = generatedChannel(random, workspace.channels.length + 1, people, Math.floor(now / 1_000_000), { isPrivate: false, isArchived: false });
        channel.created = Math.floor(now / 1_000_000);
        channel.updated = Math.floor(now / 1000);
        workspace.addChannel(channel);
        summary.inserted.push(keyOf.id(channel.id));
        return;
      }
      case "messages": {
        const channel = random.pick(this.activeChannels());
        const history = workspace.history(channel.id);
        const message = newMessage(random, channel.id, history.freeMicros(now), authorIn(channel, random));
        history.appendTop(message);
        summary.inserted.push(keyOf.message(channel.id, message.micros));
        return;
      }
      case "thread_replies": {
        const parent = this.randomTopMessage(random, () => true);
        if (!parent) return;
        const history = workspace.history(parent.channelId);
        const channel = workspace.channelsById.get(parent.channelId) as ChannelModel;
        const reply = newMessage(random, parent.channelId, history.freeMicros(now), authorIn(channel, random));
        reply.threadMicros = parent.micros;
        history.addReply(parent, reply);
        summary.inserted.push(keyOf.message(parent.channelId, reply.micros));
        summaryOf("messages").updated.push(keyOf.message(parent.channelId, parent.micros));
        return;
      }
    }
  }

  private update(stream: SlackStreamName, random: SeededRandom, summary: ChangeSummary["applied"][string]): void {
    const workspace = this.workspace;
    const now = workspace.tick(random.int(1, 120));
    switch (stream) {
      case "users": {
        const candidates = workspace.users.filter((user) => !isTokenUser(user) && !user.deleted);
        if (candidates.length === 0) return;
        const user = random.pick(candidates);
        user.title = random.pick(titles.filter((title) => title !== user.title));
        user.statusText = random.pick(["In a meeting", "Out sick", "Vacationing", "Focus time", "Commuting", ""]);
        user.updated = Math.floor(now / 1_000_000);
        summary.updated.push(keyOf.id(user.id));
        return;
      }
      case "channels": {
        const channel = random.pick(this.activeChannels());
        const creator = random.pick([...channel.members]);
        channel.topic = { value: sentenceFromSeed(random.seed(), 3, 10), creator, lastSet: Math.floor(now / 1_000_000) };
        channel.updated = Math.floor(now / 1000);
        summary.updated.push(keyOf.id(channel.id));
        return;
      }
      case "messages": {
        const message = this.randomTopMessage(random, (candidate) => this.existed(candidate));
        if (!message) return;
        editMessage(message, random, now);
        summary.updated.push(keyOf.message(message.channelId, message.micros));
        return;
      }
      case "thread_replies": {
        const reply = this.randomReply(random);
        if (!reply) return;
        editMessage(reply, random, now);
        summary.updated.push(keyOf.message(reply.channelId, reply.micros));
        return;
      }
    }
  }

  private remove(
    stream: SlackStreamName,
    random: SeededRandom,
    summary: ChangeSummary["applied"][string],
    summaryOf: (stream: SlackStreamName) => ChangeSummary["applied"][string],
  ): void {
    const workspace = this.workspace;
    const now = workspace.tick(random.int(1, 120));
    switch (stream) {
      case "users": {
        const candidates = workspace.users.filter((user) => !isTokenUser(user) && !user.deleted);
        if (candidates.length === 0) return;
        const user = random.pick(candidates);
        user.deleted = true;
        user.updated = Math.floor(now / 1_000_000);
        summary.deleted.push(keyOf.id(user.id));
        return;
      }
      case "channels": {
        const candidates = this.activeChannels().filter((channel) => !channel.isGeneral);
        if (candidates.length === 0) return;
        const channel = random.pick(candidates);
        channel.isArchived = true;
        channel.updated = Math.floor(now / 1000);
        summary.deleted.push(keyOf.id(channel.id));
        return;
      }
      case "messages": {
        const message = this.randomTopMessage(random, (candidate) => !candidate.replies && this.existed(candidate));
        if (!message) return;
        workspace.history(message.channelId).removeTop(message);
        summary.deleted.push(keyOf.message(message.channelId, message.micros));
        return;
      }
      case "thread_replies": {
        const reply = this.randomReply(random);
        const parent = reply?.threadMicros === undefined ? undefined : workspace.history(reply.channelId).byMicros.get(reply.threadMicros);
        if (!reply || !parent) return;
        workspace.history(parent.channelId).removeReply(parent, reply);
        summary.deleted.push(keyOf.message(reply.channelId, reply.micros));
        summaryOf("messages").updated.push(keyOf.message(parent.channelId, parent.micros));
        return;
      }
    }
  }

  private existed(message: MessageModel): boolean {
    return message.micros <= this.batchStart;
  }

  /** A random reply that existed before the batch, in a thread of a non-archived channel. */
  private randomReply(random: SeededRandom): MessageModel | undefined {
    const parent = this.randomTopMessage(random, (candidate) => (candidate.replies ?? []).some((reply) => this.existed(reply)));
    const replies = (parent?.replies ?? []).filter((reply) => this.existed(reply));
    return replies.length === 0 ? undefined : random.pick(replies);
  }

  /**
   * A uniformly random top-level message of a non-archived channel that passes `accept`: a few weighted
   * draws first (cheap on large workspaces), then a scan when the accepted ones are rare.
   */
  private randomTopMessage(random: SeededRandom, accept: (message: MessageModel) => boolean): MessageModel | undefined {
    const histories = this.activeChannels().map((channel) => this.workspace.history(channel.id));
    const total = histories.reduce((sum, history) => sum + history.top.length, 0);
    if (total === 0) return undefined;
    for (let attempt = 0; attempt < 64; attempt += 1) {
      let index = Math.floor(random.next() * total);
      for (const history of histories) {
        if (index < history.top.length) {
          const message = history.top[index] as MessageModel;
          if (accept(message)) return message;
          break;
        }
        index -= history.top.length;
      }
    }
    const candidates = histories.flatMap((history) => history.top.filter(accept));
    return candidates.length === 0 ? undefined : random.pick(candidates);
  }
}

function editMessage(message: MessageModel, random: SeededRandom, now: number): void {
  message.text = `${sentenceFromSeed(random.seed(), 4, 30)} (edited)`;
  message.edited = { user: message.user, micros: now };
}

function authorIn(channel: ChannelModel, random: SeededRandom): string {
  const people = [...channel.members].filter((id) => id !== slackBotUser.id);
  return people.length > 0 ? random.pick(people) : slackHumanUser.id;
}

function isTokenUser(user: UserModel): boolean {
  return user.id === slackBotUser.id || user.id === slackHumanUser.id;
}
