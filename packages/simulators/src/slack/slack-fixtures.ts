import type { ChannelModel, MessageModel, UserModel } from "./slack-model.js";
import { SlackWorkspace } from "./slack-workspace.js";

/**
 * The demo workspace `npm start` serves when no seeded dataset is asked for: a handful of people,
 * channels and messages, shaped like the Web API's, enough to validate a token and read every stream.
 * The demo tokens act as the bot and the human user below, in seeded datasets too.
 */

const demoEpoch = 1_704_067_200;

function user(input: Partial<UserModel> & Pick<UserModel, "id" | "name" | "realName">): UserModel {
  return {
    email: "",
    title: "",
    statusText: "",
    statusEmoji: "",
    tz: "Europe/London",
    tzLabel: "Greenwich Mean Time",
    tzOffset: 0,
    color: "9f69e7",
    isBot: false,
    deleted: false,
    isAdmin: false,
    isOwner: false,
    updated: demoEpoch,
    ...input,
  };
}

export const slackBotUser = {
  id: "U07TRIBBOT",
  name: "tributary",
  realName: "Tributary",
  botId: "B07TRIBBOT",
} as const;

export const slackHumanUser = {
  id: "U07ADA",
  name: "ada",
  realName: "Ada Lovelace",
} as const;

/** The bot and the human user the demo tokens act as; every seeded dataset contains them too. */
export function tokenUsers(): UserModel[] {
  return [
    user({ ...slackHumanUser, email: "ada@tributary-demo.example", isAdmin: true, isOwner: true, title: "Founder" }),
    user({ ...slackBotUser, isBot: true }),
  ];
}

function channel(input: Omit<ChannelModel, "topic" | "purpose" | "updated" | "members"> & { topic: string; purpose: string; members: string[] }): ChannelModel {
  return {
    ...input,
    topic: { value: input.topic, creator: input.topic ? input.creator : "", lastSet: input.topic ? input.created : 0 },
    purpose: { value: input.purpose, creator: input.creator, lastSet: input.created },
    members: new Set(input.members),
    updated: input.created * 1000,
  };
}

// Slack timestamps are seconds with six decimals, unique per channel; threads point at their parent's ts.
function micros(offsetSeconds: number, sequence = 100): number {
  return (demoEpoch + offsetSeconds) * 1_000_000 + sequence;
}

interface DemoMessage {
  channelId: string;
  at: number;
  user: string;
  text: string;
  thread?: number;
}

const demoMessages: readonly DemoMessage[] = [
  { channelId: "C07GENERAL", at: 0, user: "U07ADA", text: "Welcome to Tributary Demo!" },
  { channelId: "C07GENERAL", at: 3_600, user: "U07GRACE", text: "Quarterly numbers are in the usual place." },
  { channelId: "C07GENERAL", at: 3_660, user: "U07ADA", text: "Thanks! Any surprises?", thread: 3_600 },
  { channelId: "C07GENERAL", at: 3_720, user: "U07GRACE", text: "Deals closed faster than planned.", thread: 3_600 },
  { channelId: "C07GENERAL", at: 7_200, user: "U07ADA", text: "Offsite is booked for March." },
  { channelId: "C07ENGINEER", at: 1_800, user: "U07GRACE", text: "Deploy at 3pm, freeze after." },
  { channelId: "C07ENGINEER", at: 1_860, user: "U07ADA", text: "Ack.", thread: 1_800 },
  { channelId: "C07ENGINEER", at: 5_400, user: "U07TRIBBOT", text: "Mirror run finished: 1,204 records." },
  { channelId: "C07RANDOM", at: 900, user: "U07GRACE", text: "Who took the last coffee?" },
  { channelId: "C07LEADS", at: 2_700, user: "U07ADA", text: "Hiring plan draft attached." },
  { channelId: "C07OLDPROJ", at: -86_400, user: "U07GRACE", text: "Closing this project channel." },
];

export function buildDemoWorkspace(): SlackWorkspace {
  const workspace = new SlackWorkspace();
  const [ada, bot] = tokenUsers() as [UserModel, UserModel];
  workspace.addUser(ada);
  workspace.addUser(user({ id: "U07GRACE", name: "grace", realName: "Grace Hopper", email: "grace@tributary-demo.example" }));
  workspace.addUser(user({ id: "U07ALAN", name: "alan", realName: "Alan Turing", email: "alan@tributary-demo.example", deleted: true }));
  workspace.addUser(bot);

  const allMembers = workspace.users.filter((member) => !member.deleted).map((member) => member.id);
  const channels = [
    channel({ id: "C07GENERAL", name: "general", isPrivate: false, isArchived: false, isGeneral: true, created: 1_700_000_000, creator: "U07ADA", topic: "Company-wide announcements", purpose: "Everyone, everything", members: allMembers }),
    channel({ id: "C07ENGINEER", name: "engineering", isPrivate: false, isArchived: false, isGeneral: false, created: 1_700_000_600, creator: "U07GRACE", topic: "Ship it", purpose: "Building things", members: ["U07ADA", "U07GRACE", "U07TRIBBOT"] }),
    channel({ id: "C07RANDOM", name: "random", isPrivate: false, isArchived: false, isGeneral: false, created: 1_700_001_200, creator: "U07ADA", topic: "", purpose: "Non-work banter", members: ["U07ADA", "U07GRACE"] }),
    channel({ id: "C07LEADS", name: "leads", isPrivate: true, isArchived: false, isGeneral: false, created: 1_700_001_800, creator: "U07ADA", topic: "", purpose: "Leads only", members: ["U07ADA", "U07TRIBBOT"] }),
    channel({ id: "C07OLDPROJ", name: "old-project", isPrivate: false, isArchived: true, isGeneral: false, created: 1_690_000_000, creator: "U07GRACE", topic: "", purpose: "Done and dusted", members: ["U07GRACE"] }),
  ];
  for (const entry of channels) workspace.addChannel(entry);

  demoMessages.forEach((demo, index) => {
    const history = workspace.history(demo.channelId);
    const message: MessageModel = {
      channelId: demo.channelId,
      micros: micros(demo.at),
      user: demo.user,
      clientMsgId: `0d3f1c2a-5b7e-4c19-9a1d-${String(index).padStart(12, "0")}`,
      blockId: `dm${String(index).padStart(3, "0")}`,
      textSeed: index,
      text: demo.text,
    };
    if (demo.thread === undefined) {
      history.appendTop(message);
      return;
    }
    const parent = history.byMicros.get(micros(demo.thread));
    if (!parent) throw new Error(`demo reply ${demo.at} has no parent`);
    message.threadMicros = parent.micros;
    history.addReply(parent, message);
  });
  workspace.settleClock();
  return workspace;
}
