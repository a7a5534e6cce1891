import { slackTeam, type ChannelModel, type MessageModel, type UserModel } from "./slack-model.js";

/**
 * The workspace behind the simulator's routes: users, channels and each channel's messages, indexed so
 * that a page costs O(log n + page size) — the simulator shares the machine with the connector it serves.
 */
export class ChannelHistory {
  /** Top-level messages, oldest first (so new messages append). */
  readonly top: MessageModel[] = [];
  /** Every message of the channel, top-level and replies, by ts. */
  readonly byMicros = new Map<number, MessageModel>();

  /** Index of the first top-level message whose ts is at least `micros`. */
  lowerBound(micros: number): number {
    return lowerBound(this.top, micros);
  }

  appendTop(message: MessageModel): void {
    const last = this.top[this.top.length - 1];
    if (last && last.micros >= message.micros) {
      this.top.splice(this.lowerBound(message.micros), 0, message);
    } else {
      this.top.push(message);
    }
    this.byMicros.set(message.micros, message);
  }

  removeTop(message: MessageModel): void {
    const index = this.lowerBound(message.micros);
    if (this.top[index] === message) this.top.splice(index, 1);
    this.byMicros.delete(message.micros);
    for (const reply of message.replies ?? []) this.byMicros.delete(reply.micros);
  }

  addReply(parent: MessageModel, reply: MessageModel): void {
    const replies = (parent.replies ??= []);
    const last = replies[replies.length - 1];
    if (last && last.micros >= reply.micros) replies.splice(lowerBound(replies, reply.micros), 0, reply);
    else replies.push(reply);
    this.byMicros.set(reply.micros, reply);
  }

  removeReply(parent: MessageModel, reply: MessageModel): void {
    const replies = parent.replies ?? [];
    const index = lowerBound(replies, reply.micros);
    if (replies[index] === reply) replies.splice(index, 1);
    if (replies.length === 0) delete parent.replies;
    this.byMicros.delete(reply.micros);
  }

  /** A ts not used yet in this channel at or after `micros` (Slack's ts are unique per channel). */
  freeMicros(micros: number): number {
    let candidate = micros;
    while (this.byMicros.has(candidate)) candidate += 1;
    return candidate;
  }
}

export class SlackWorkspace {
  readonly team = slackTeam;
  readonly users: UserModel[] = [];
  readonly usersById = new Map<string, UserModel>();
  readonly channels: ChannelModel[] = [];
  readonly channelsById = new Map<string, ChannelModel>();
  readonly histories = new Map<string, ChannelHistory>();
  /** The simulated clock (microseconds): only moves forward; new messages and edits are stamped with it. */
  clockMicros = 0;

  addUser(user: UserModel): void {
    this.users.push(user);
    this.usersById.set(user.id, user);
  }

  addChannel(channel: ChannelModel): ChannelHistory {
    this.channels.push(channel);
    this.channelsById.set(channel.id, channel);
    const history = new ChannelHistory();
    this.histories.set(channel.id, history);
    return history;
  }

  history(channelId: string): ChannelHistory {
    const history = this.histories.get(channelId);
    if (!history) throw new Error(`no history for ${channelId}`);
    return history;
  }

  /** Moves the clock past every message, so later changes are stamped after all existing data. */
  settleClock(): void {
    let latest = this.clockMicros;
    for (const history of this.histories.values()) {
      for (const micros of history.byMicros.keys()) if (micros > latest) latest = micros;
    }
    this.clockMicros = Math.max(this.clockMicros, latest + 1_000_000);
  }

  /** Advances the clock by `seconds` (plus a sub-second step) and returns the new instant. */
  tick(seconds: number, subMicros = 100): number {
    this.clockMicros += seconds * 1_000_000 + subMicros;
    return this.clockMicros;
  }
}

export function lowerBound(items: readonly { micros: number }[], micros: number): number {
  let low = 0;
  let high = items.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((items[middle] as { micros: number }).micros < micros) low = middle + 1;
    else high = middle;
  }
  return low;
}
