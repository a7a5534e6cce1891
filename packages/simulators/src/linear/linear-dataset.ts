import type { ChangeSpec, ChangeSummary, DatasetControl } from "../core/dataset-types.js";
import { renderRecord } from "./linear-executor.js";
import {
  demoUserIds,
  linearCollections,
  priorityLabels,
  type LinearCollection,
  type LinearRecord,
  type LinearWorkspace,
} from "./linear-fixtures.js";
import { parseOperation, type FieldNode } from "./linear-query-parser.js";
import { SeededRandom } from "./linear-random.js";
import type { EntityName } from "./linear-schema.js";
import type { LinearStore } from "./linear-store.js";

/** Sizes of a seeded workspace; the same options build the same workspace, byte for byte. */
export interface LinearDatasetOptions {
  seed: number;
  /** Teams (default 4). */
  teams?: number;
  /** Users, the three demo users included (default 25, at least 3). */
  users?: number;
  /** Projects (default 12); the first one spans every team. */
  projects?: number;
  /** Cycles of each team (default 6), two weeks each, the last ones still running or upcoming. */
  cyclesPerTeam?: number;
  /** Issues (default 1,000), about 1.5 KB of JSON each as the connector reads them. */
  issues?: number;
  /** Comments per issue on average (default 2), spread unevenly over the issues. */
  commentsPerIssue?: number;
}

/** The fields each stream's records carry, as the connector selects them (and `groundTruth` renders them). */
export const linearStreamSelections: Readonly<Record<LinearCollection, string>> = {
  teams:
    "id key name displayName description color icon private timezone cyclesEnabled cycleDuration cycleStartDay issueEstimationType triageEnabled autoArchivePeriod createdAt updatedAt archivedAt",
  users:
    "id name displayName email avatarUrl description timezone active admin guest app url lastSeen createdAt updatedAt archivedAt",
  projects:
    "id name description slugId url icon color priority progress health startDate targetDate startedAt completedAt canceledAt autoArchivedAt trashed createdAt updatedAt archivedAt status { id name type } lead { id } creator { id } teams(first: 1000000, includeArchived: true) { nodes { id } }",
  cycles:
    "id number name description startsAt endsAt completedAt progress autoArchivedAt createdAt updatedAt archivedAt team { id }",
  issues:
    "id identifier number title description priority priorityLabel estimate url branchName dueDate startedAt completedAt canceledAt autoClosedAt autoArchivedAt trashed labelIds createdAt updatedAt archivedAt state { id name type } team { id } assignee { id } creator { id } project { id } cycle { id } parent { id }",
  comments: "id body url editedAt resolvedAt createdAt updatedAt archivedAt issue { id } user { id } parent { id }",
};

const entityOf: Record<LinearCollection, EntityName> = {
  teams: "Team",
  users: "User",
  projects: "Project",
  cycles: "Cycle",
  issues: "Issue",
  comments: "Comment",
};

/** Streams whose Linear deletion is a move to the trash, which the API shows (`trashed: true`). */
const trashable = new Set<LinearCollection>(["issues", "projects"]);

const day = 24 * 60 * 60 * 1000;
const historyStart = Date.parse("2023-01-02T00:00:00.000Z");
/** The simulated "now" of a fresh dataset: every generated timestamp is before it. */
const historyEnd = Date.parse("2025-06-02T00:00:00.000Z");

const organization = {
  id: "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b01",
  name: "Tributary Demo",
  urlKey: "tributary-demo",
  createdAt: "2023-01-02T09:00:00.000Z",
  updatedAt: "2023-01-02T09:00:00.000Z",
};

const teamNames: Array<[string, string]> = [
  ["Core", "CORE"], ["Growth", "GRO"], ["Platform", "PLAT"], ["Mobile", "MOB"], ["Data", "DATA"],
  ["Design", "DES"], ["Infrastructure", "INF"], ["Billing", "BIL"], ["Search", "SRCH"], ["Support", "SUP"],
  ["Security", "SEC"], ["Integrations", "INT"],
];
const firstNames = ["Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken", "Radia", "Niklaus", "Margaret", "John", "Katherine", "Tim", "Hedy", "Linus", "Sophie", "Guido", "Anita", "Dennis"];
const lastNames = ["Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen", "Thompson", "Perlman", "Wirth", "Hamilton", "Backus", "Johnson", "Berners-Lee", "Lamarr", "Torvalds", "Wilson", "van Rossum", "Borg", "Ritchie"];
const timezones = ["Europe/Paris", "Europe/London", "America/New_York", "America/Los_Angeles", "Asia/Tokyo", "Europe/Berlin"];
const colors = ["#5e6ad2", "#26b5ce", "#f2c94c", "#eb5757", "#4cb782", "#bb87fc", "#f2994a"];
const icons = ["Rocket", "Cube", "Chart", "Bolt", "Globe", "Leaf", null];
const workflow: Array<[string, string, number]> = [
  ["Backlog", "backlog", 0.12], ["Todo", "unstarted", 0.2], ["In Progress", "started", 0.15],
  ["In Review", "started", 0.08], ["Done", "completed", 0.38], ["Canceled", "canceled", 0.07],
];
const projectStatusTypes: Array<[string, string]> = [
  ["Backlog", "backlog"], ["Planned", "planned"], ["In Progress", "started"], ["Completed", "completed"], ["Canceled", "canceled"],
];
const estimates = [null, 1, 2, 3, 5, 8];

function iso(ms: number): string {
  return new Date(Math.round(ms)).toISOString();
}

function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "").slice(0, 40);
}

/** Builds the rows of a seeded workspace (the demo organization and users included). */
export function generateLinearWorkspace(options: LinearDatasetOptions): LinearWorkspace {
  const rng = new SeededRandom(options.seed);
  const builder = new WorkspaceBuilder(rng, organization.urlKey);
  const sizes = {
    teams: Math.max(1, options.teams ?? 4),
    users: Math.max(3, options.users ?? 25),
    projects: Math.max(0, options.projects ?? 12),
    cyclesPerTeam: Math.max(0, options.cyclesPerTeam ?? 6),
    issues: Math.max(0, options.issues ?? 1000),
    commentsPerIssue: Math.max(0, options.commentsPerIssue ?? 2),
  };

  for (let index = 0; index < sizes.users; index += 1) builder.addUser(undefined, index);
  for (let index = 0; index < sizes.teams; index += 1) builder.addTeam(undefined, index);
  for (const status of projectStatusTypes) builder.addProjectStatus(status);
  for (const team of builder.teams) {
    for (let index = 0; index < sizes.cyclesPerTeam; index += 1) builder.addCycle(undefined, team, sizes.cyclesPerTeam);
  }
  for (let index = 0; index < sizes.projects; index += 1) builder.addProject(undefined, index);
  for (let index = 0; index < sizes.issues; index += 1) builder.addIssue(undefined, index);
  const comments = Math.round(sizes.issues * sizes.commentsPerIssue);
  for (let index = 0; index < comments; index += 1) builder.addComment(undefined);

  return {
    organization: { ...organization },
    users: builder.users,
    teams: builder.teams,
    projects: builder.projects,
    cycles: builder.cycles,
    issues: builder.issues,
    comments: builder.comments,
    workflowStates: builder.states,
    projectStatuses: builder.statuses,
  };
}

/**
 * Makes rows shaped like Linear's objects. With `now` undefined a row gets a random past history (the
 * seeded dataset); with `now` set it is created at that instant (an insert of a change batch).
 */
class WorkspaceBuilder {
  readonly users: LinearRecord[] = [];
  readonly teams: LinearRecord[] = [];
  readonly projects: LinearRecord[] = [];
  readonly cycles: LinearRecord[] = [];
  readonly issues: LinearRecord[] = [];
  readonly comments: LinearRecord[] = [];
  readonly states: LinearRecord[] = [];
  readonly statuses: LinearRecord[] = [];
  private readonly labelsOf = new Map<string, string[]>();
  private readonly statesOf = new Map<string, LinearRecord[]>();
  private readonly issueNumbers = new Map<string, number>();
  private readonly cycleNumbers = new Map<string, number>();
  private readonly commentsOf = new Map<string, string[]>();
  private readonly issuesOf = new Map<string, LinearRecord[]>();
  private activeUsers: LinearRecord[] | undefined;

  constructor(
    private readonly rng: SeededRandom,
    private readonly urlKey: string,
  ) {}

  /** Registers rows that already exist (the store's), so inserts reference and number them correctly. */
  adopt(workspace: LinearWorkspace): void {
    this.users.push(...workspace.users);
    this.teams.push(...workspace.teams);
    this.projects.push(...workspace.projects);
    this.cycles.push(...workspace.cycles);
    this.issues.push(...workspace.issues);
    this.comments.push(...workspace.comments);
    this.states.push(...(workspace.workflowStates ?? []));
    this.statuses.push(...(workspace.projectStatuses ?? []));
    for (const state of this.states) this.statesOf.set(String(state.teamId), [...(this.statesOf.get(String(state.teamId)) ?? []), state]);
    for (const issue of this.issues) {
      const team = String(issue.teamId);
      this.issueNumbers.set(team, Math.max(this.issueNumbers.get(team) ?? 0, Number(issue.number) || 0));
      this.teamIssues(team).push(issue);
    }
    for (const cycle of this.cycles) {
      const team = String(cycle.teamId);
      this.cycleNumbers.set(team, Math.max(this.cycleNumbers.get(team) ?? 0, Number(cycle.number) || 0));
    }
    for (const comment of this.comments) {
      const issue = String(comment.issueId);
      this.commentsOf.set(issue, [...(this.commentsOf.get(issue) ?? []), comment.id]);
    }
  }

  private teamIssues(teamId: string): LinearRecord[] {
    let issues = this.issuesOf.get(teamId);
    if (!issues) {
      issues = [];
      this.issuesOf.set(teamId, issues);
    }
    return issues;
  }

  /** Members who can author and be assigned: deactivated users only appear in old rows. */
  private people(): LinearRecord[] {
    if (!this.activeUsers) {
      const active = this.users.filter((user) => user.active !== false);
      this.activeUsers = active.length > 0 ? active : this.users;
    }
    return this.activeUsers;
  }

  addUser(now: number | undefined, index: number): LinearRecord {
    const { rng } = this;
    const demo = [
      { id: demoUserIds.ada, name: "Ada Lovelace", displayName: "ada", email: "ada@tributary.test", admin: true, guest: false, active: true },
      { id: demoUserIds.grace, name: "Grace Hopper", displayName: "grace", email: "grace@tributary.test", admin: false, guest: false, active: true },
      { id: demoUserIds.alan, name: "Alan Turing", displayName: "alan", email: "alan@tributary.test", admin: false, guest: true, active: false },
    ][now === undefined ? index : -1];
    const first = rng.pick(firstNames);
    const last = rng.pick(lastNames);
    const handle = `${first.toLowerCase()}.${slug(last)}${this.users.length + 1}`;
    const created = now ?? rng.int(historyStart, historyStart + 400 * day);
    const updated = now ?? rng.int(created, historyEnd - day);
    const identity = demo ?? {
      id: rng.uuid(),
      name: `${first} ${last}`,
      displayName: handle,
      email: `${handle}@tributary.test`,
      admin: rng.chance(0.08),
      guest: rng.chance(0.08),
      active: now !== undefined || !rng.chance(0.05),
    };
    const user: LinearRecord = {
      ...identity,
      avatarUrl: `https://public.linear.app/avatars/${identity.id}.png`,
      description: rng.chance(0.4) ? rng.sentence() : null,
      timezone: rng.pick(timezones),
      app: false,
      url: `https://linear.app/${this.urlKey}/profiles/${identity.displayName}`,
      lastSeen: identity.active ? iso(updated) : null,
      createdAt: iso(created),
      updatedAt: iso(updated),
      archivedAt: null,
    };
    this.users.push(user);
    this.activeUsers = undefined;
    return user;
  }

  addTeam(now: number | undefined, index: number): LinearRecord {
    const { rng } = this;
    const position = this.teams.length;
    const [baseName, baseKey] = teamNames[(now === undefined ? index : position) % teamNames.length] as [string, string];
    const round = Math.floor(position / teamNames.length);
    const name = round === 0 ? baseName : `${baseName} ${round + 1}`;
    const key = round === 0 ? baseKey : `${baseKey}${round + 1}`;
    const created = now ?? historyStart + position * day + rng.int(0, day);
    const updated = now ?? rng.int(created, historyEnd - day);
    const team: LinearRecord = {
      id: rng.uuid(),
      key,
      name,
      displayName: name,
      description: rng.chance(0.7) ? rng.sentence() : null,
      color: rng.pick(colors),
      icon: rng.pick(icons),
      private: rng.chance(0.1),
      timezone: rng.pick(timezones),
      cyclesEnabled: true,
      cycleDuration: 2,
      cycleStartDay: 1,
      issueEstimationType: rng.pick(["fibonacci", "linear", "exponential", "notUsed"]),
      triageEnabled: rng.chance(0.3),
      autoArchivePeriod: 6,
      createdAt: iso(created),
      updatedAt: iso(updated),
      archivedAt: null,
    };
    this.teams.push(team);
    const states = workflow.map(([stateName, type], order) => {
      const state: LinearRecord = {
        id: rng.uuid(),
        teamId: team.id,
        name: stateName,
        type,
        color: rng.pick(colors),
        position: order,
        description: null,
        createdAt: team.createdAt,
        updatedAt: team.createdAt,
        archivedAt: null,
      };
      this.states.push(state);
      return state;
    });
    this.statesOf.set(team.id, states);
    this.labelsOf.set(team.id, Array.from({ length: 5 }, () => rng.uuid()));
    return team;
  }

  addProjectStatus([name, type]: [string, string]): void {
    this.statuses.push({
      id: this.rng.uuid(),
      name,
      type,
      color: this.rng.pick(colors),
      position: this.statuses.length,
      createdAt: organization.createdAt,
      updatedAt: organization.createdAt,
      archivedAt: null,
    });
  }

  addCycle(now: number | undefined, team: LinearRecord, perTeam: number): LinearRecord {
    const { rng } = this;
    const number = (this.cycleNumbers.get(team.id) ?? 0) + 1;
    this.cycleNumbers.set(team.id, number);
    // Seeded cycles end around "now": the last one is current, the earlier ones two weeks apart before it.
    const starts = now ?? historyEnd - (perTeam - number + 1) * 14 * day + 2 * day;
    const ends = starts + 14 * day;
    const past = now === undefined && ends < historyEnd;
    const created = now ?? starts - 21 * day;
    const archived = past && historyEnd - ends > 60 * day ? iso(ends + 45 * day) : null;
    const cycle: LinearRecord = {
      id: rng.uuid(),
      teamId: team.id,
      number,
      name: rng.chance(0.3) ? rng.title(2, 4) : null,
      description: rng.chance(0.2) ? rng.sentence() : null,
      startsAt: iso(starts),
      endsAt: iso(ends),
      completedAt: past ? iso(ends) : null,
      progress: past ? Math.round(rng.next() * 100) / 100 : Math.round(rng.next() * 60) / 100,
      autoArchivedAt: archived,
      createdAt: iso(created),
      updatedAt: archived ?? iso(past ? ends : now ?? Math.min(historyEnd - day, starts + 3 * day)),
      archivedAt: archived,
    };
    this.cycles.push(cycle);
    return cycle;
  }

  addProject(now: number | undefined, index: number): LinearRecord {
    const { rng } = this;
    const liveTeams = this.teams.filter((team) => team.archivedAt === null);
    // The first seeded project spans every team, as company-wide projects do.
    const teams = now === undefined && index === 0 ? this.teams : rng.sample(liveTeams.length > 0 ? liveTeams : this.teams, rng.int(1, 3));
    const status = rng.pick(this.statuses);
    const created = now ?? rng.int(historyStart, historyEnd - 30 * day);
    const updated = now ?? rng.int(created, historyEnd - day);
    const name = rng.title(2, 5);
    const id = rng.uuid();
    const slugId = id.replace(/-/g, "").slice(0, 12);
    const type = String(status.type);
    const archived = now === undefined && type === "completed" && rng.chance(0.5) ? iso(updated) : null;
    const trashed = now === undefined && index % 9 === 8;
    const lead = rng.pick(this.users);
    const project: LinearRecord = {
      id,
      name,
      description: rng.chance(0.8) ? rng.markdown(80, 600) : "",
      slugId,
      url: `https://linear.app/${this.urlKey}/project/${slug(name)}-${slugId}`,
      icon: rng.pick(icons),
      color: rng.pick(colors),
      state: type,
      priority: rng.int(0, 4),
      progress: type === "completed" ? 1 : Math.round(rng.next() * 100) / 100,
      health: type === "started" ? rng.pick(["onTrack", "atRisk", "offTrack"]) : null,
      startDate: type === "backlog" ? null : iso(created + 7 * day).slice(0, 10),
      targetDate: rng.chance(0.6) ? iso(created + rng.int(30, 180) * day).slice(0, 10) : null,
      startedAt: ["started", "completed"].includes(type) ? iso(created + 7 * day) : null,
      completedAt: type === "completed" ? iso(updated) : null,
      canceledAt: type === "canceled" ? iso(updated) : null,
      autoArchivedAt: archived,
      trashed,
      statusId: status.id,
      leadId: lead.id,
      creatorId: rng.pick(this.users).id,
      teamIds: teams.map((team) => team.id),
      createdAt: iso(created),
      updatedAt: iso(updated),
      archivedAt: trashed ? iso(updated) : archived,
    };
    this.projects.push(project);
    return project;
  }

  /** `index` of a seeded issue: every 50th is in the trash (deleted, not yet purged). */
  addIssue(now: number | undefined, index = 0): LinearRecord {
    const { rng } = this;
    const liveTeams = this.teams.filter((team) => team.archivedAt === null);
    const team = rng.pick(liveTeams.length > 0 ? liveTeams : this.teams);
    const number = (this.issueNumbers.get(team.id) ?? 0) + 1;
    this.issueNumbers.set(team.id, number);
    const identifier = `${team.key}-${number}`;
    const states = this.statesOf.get(team.id) ?? [];
    const state = now === undefined ? weightedState(rng, states) : states.find((candidate) => candidate.type === "unstarted") ?? states[0];
    const type = String(state?.type ?? "unstarted");
    const created = now ?? rng.int(historyStart + 30 * day, historyEnd - day);
    const finished = now === undefined && (type === "completed" || type === "canceled") ? rng.int(created, Math.max(created, historyEnd - day)) : null;
    const started = ["started", "completed"].includes(type) ? (finished ?? now ?? created) - rng.int(0, 10 * day) : null;
    const autoArchivedMs = finished !== null && historyEnd - finished > 200 * day ? finished + 180 * day : null;
    const autoArchived = autoArchivedMs === null ? null : iso(autoArchivedMs);
    const updated = now ?? autoArchivedMs ?? Math.min(historyEnd - 1, (finished ?? created) + rng.int(0, 20 * day));
    const trashed = now === undefined && index % 50 === 25;
    const title = rng.title();
    const people = this.people();
    const assignee = rng.chance(0.8) ? rng.pick(people) : undefined;
    const teamProjects = this.projects.filter((project) => Array.isArray(project.teamIds) && project.teamIds.includes(team.id));
    const teamCycles = this.cycles.filter((cycle) => cycle.teamId === team.id);
    const siblings = rng.chance(0.1) ? this.teamIssues(team.id) : [];
    const priority = rng.int(0, 4);
    const issue: LinearRecord = {
      id: rng.uuid(),
      identifier,
      number,
      title,
      description: rng.chance(0.9) ? rng.markdown(200, 1600) : null,
      priority,
      priorityLabel: priorityLabels[priority] ?? null,
      estimate: rng.pick(estimates),
      url: `https://linear.app/${this.urlKey}/issue/${identifier.toLowerCase()}/${slug(title)}`,
      branchName: `${String(assignee?.displayName ?? "linear")}/${identifier.toLowerCase()}-${slug(title)}`,
      dueDate: rng.chance(0.15) ? iso(created + rng.int(3, 60) * day).slice(0, 10) : null,
      startedAt: started === null ? null : iso(Math.max(created, started)),
      completedAt: type === "completed" && finished !== null ? iso(finished) : null,
      canceledAt: type === "canceled" && finished !== null ? iso(finished) : null,
      autoClosedAt: null,
      autoArchivedAt: autoArchived,
      trashed,
      labelIds: rng.sample(this.labelsOf.get(team.id) ?? [], rng.int(0, 3)),
      stateId: state?.id ?? null,
      teamId: team.id,
      assigneeId: assignee?.id ?? null,
      creatorId: rng.pick(people).id,
      projectId: teamProjects.length > 0 && rng.chance(0.5) ? rng.pick(teamProjects).id : null,
      cycleId: teamCycles.length > 0 && rng.chance(0.4) ? rng.pick(teamCycles).id : null,
      parentId: siblings.length > 0 ? rng.pick(siblings).id : null,
      createdAt: iso(created),
      updatedAt: iso(updated),
      archivedAt: trashed ? iso(updated) : autoArchived,
    };
    this.issues.push(issue);
    this.teamIssues(team.id).push(issue);
    return issue;
  }

  addComment(now: number | undefined): LinearRecord | undefined {
    const { rng } = this;
    const candidates = now === undefined ? this.issues : this.issues.filter((issue) => issue.trashed !== true);
    if (candidates.length === 0) return undefined;
    const issue = rng.pick(candidates);
    const created = now ?? rng.int(Date.parse(issue.createdAt), Math.max(Date.parse(issue.createdAt), historyEnd - 1));
    const edited = now === undefined && rng.chance(0.1) ? rng.int(created, historyEnd - 1) : null;
    const thread = this.commentsOf.get(issue.id) ?? [];
    const parentId = thread.length > 0 && rng.chance(0.3) ? rng.pick(thread) : null;
    const id = rng.uuid();
    const comment: LinearRecord = {
      id,
      body: rng.markdown(40, 600),
      url: `${String(issue.url)}#comment-${id.slice(0, 8)}`,
      editedAt: edited === null ? null : iso(edited),
      resolvedAt: parentId === null && rng.chance(0.05) ? iso(edited ?? created) : null,
      issueId: issue.id,
      userId: rng.pick(this.people()).id,
      parentId,
      createdAt: iso(created),
      updatedAt: iso(edited ?? created),
      archivedAt: null,
    };
    this.commentsOf.set(issue.id, [...thread, id]);
    this.comments.push(comment);
    return comment;
  }
}

function weightedState(rng: SeededRandom, states: LinearRecord[]): LinearRecord | undefined {
  let roll = rng.next();
  for (const [index, [, , weight]] of workflow.entries()) {
    roll -= weight;
    if (roll < 0) return states[index];
  }
  return states.at(-1);
}

/** The dataset behind a simulator: changes with a simulated clock, and the truth a complete read must give. */
export interface LinearDatasetControl extends DatasetControl {
  /** The simulated instant of the latest change (ISO 8601). */
  now(): string;
}

/**
 * Changes the store as activity in Linear would, on a simulated clock that only moves forward (an
 * hour between batches, a few seconds between changes, every timestamp distinct). How each stream's
 * records are deleted follows Linear: issues and projects go to the trash (`trashed: true`, archived,
 * still listed with `includeArchived`: the mirror deletes them); comments are deleted for good, with
 * their replies (the API stops returning them and says nothing); teams and cycles are archived and users deactivated, which
 * the mirror keeps as updates (`archivedAt`, `active: false`).
 */
export function createLinearDataset(store: LinearStore): LinearDatasetControl {
  let clock = Math.max(historyEnd, latestTimestamp(store) + 60_000);
  const selections = new Map<LinearCollection, FieldNode[]>();
  const selectionOf = (collection: LinearCollection): FieldNode[] => {
    let parsed = selections.get(collection);
    if (!parsed) {
      parsed = parseOperation(`{ ${linearStreamSelections[collection]} }`).selections;
      selections.set(collection, parsed);
    }
    return parsed;
  };

  return {
    now: () => iso(clock),
    groundTruth(stream) {
      if (!(linearCollections as readonly string[]).includes(stream)) {
        throw new Error(`Unknown Linear stream "${stream}"; expected one of ${linearCollections.join(", ")}`);
      }
      const collection = stream as LinearCollection;
      return store
        .table(collection)
        .all()
        .filter((record) => !(trashable.has(collection) && record.trashed === true))
        .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
        .map((record) => renderRecord(store, record, selectionOf(collection), entityOf[collection]));
    },
    applyChanges(spec: ChangeSpec): ChangeSummary {
      for (const name of Object.keys(spec.changes)) {
        if (!(linearCollections as readonly string[]).includes(name)) {
          throw new Error(`Unknown Linear stream "${name}" in changes; expected one of ${linearCollections.join(", ")}`);
        }
      }
      const rng = new SeededRandom(spec.seed * 7919 + 17);
      clock += 60 * 60 * 1000;
      const tick = () => {
        clock += rng.int(1, 5000);
        return clock;
      };
      const builder = new WorkspaceBuilder(rng, store.organization.urlKey);
      builder.adopt(store.snapshot());
      const applied: ChangeSummary["applied"] = {};
      const key = (id: string) => JSON.stringify({ id });

      for (const collection of linearCollections) {
        const change = spec.changes[collection];
        if (!change) continue;
        const summary = { inserted: [] as string[], updated: [] as string[], deleted: [] as string[] };
        applied[collection] = summary;
        const existing = store
          .table(collection)
          .all()
          .filter((record) => record.trashed !== true && record.archivedAt === null && record.active !== false)
          // The demo credentials act as Ada: she stays in the workspace.
          .filter((record) => record.id !== demoUserIds.ada);
        const targets = rng.sample(existing, (change.updates ?? 0) + (change.deletes ?? 0));
        const updates = targets.slice(0, change.updates ?? 0);
        const deletes = targets.slice(change.updates ?? 0);

        for (let index = 0; index < (change.inserts ?? 0); index += 1) {
          const record = insert(builder, collection, tick(), rng);
          if (!record) continue;
          store.put(collection, record);
          summary.inserted.push(key(record.id));
          if (collection === "teams") {
            for (const state of builder.states.filter((candidate) => candidate.teamId === record.id)) store.put("workflowStates", state);
          }
        }
        for (const record of updates) {
          const updatedAt = iso(tick());
          const edited = collection === "comments" ? { editedAt: updatedAt } : {};
          store.put(collection, { ...record, ...updateOf(collection, record, rng, builder), ...edited, updatedAt });
          summary.updated.push(key(record.id));
        }
        for (const record of deletes) {
          const now = iso(tick());
          if (collection === "comments") {
            // Deleting a comment deletes its thread: the replies go with it.
            const replies = store.table("comments").all().filter((reply) => reply.parentId === record.id);
            for (const gone of [record, ...replies]) {
              if (!store.get("comments", gone.id)) continue;
              store.remove(collection, gone.id);
              summary.deleted.push(key(gone.id));
            }
          } else if (trashable.has(collection)) {
            store.put(collection, { ...record, trashed: true, archivedAt: now, updatedAt: now });
            summary.deleted.push(key(record.id));
          } else if (collection === "users") {
            store.put(collection, { ...record, active: false, lastSeen: record.lastSeen ?? null, updatedAt: now });
            summary.updated.push(key(record.id));
          } else {
            store.put(collection, {
              ...record,
              archivedAt: now,
              ...(collection === "cycles" ? { autoArchivedAt: now } : {}),
              updatedAt: now,
            });
            summary.updated.push(key(record.id));
          }
        }
        // A reply inserted or edited in this batch may have gone with its deleted thread.
        const deleted = new Set(summary.deleted);
        summary.inserted = summary.inserted.filter((id) => !deleted.has(id));
        summary.updated = summary.updated.filter((id) => !deleted.has(id));
      }
      return { applied };
    },
  };
}

function insert(builder: WorkspaceBuilder, collection: LinearCollection, now: number, rng: SeededRandom): LinearRecord | undefined {
  switch (collection) {
    case "users":
      return builder.addUser(now, 0);
    case "teams":
      return builder.addTeam(now, 0);
    case "projects":
      return builder.addProject(now, 0);
    case "cycles": {
      const teams = builder.teams.filter((team) => team.archivedAt === null);
      return teams.length > 0 ? builder.addCycle(now, rng.pick(teams), 1) : undefined;
    }
    case "issues":
      return builder.teams.length > 0 ? builder.addIssue(now) : undefined;
    case "comments":
      return builder.addComment(now);
  }
}

function updateOf(collection: LinearCollection, record: LinearRecord, rng: SeededRandom, builder: WorkspaceBuilder): Partial<LinearRecord> {
  switch (collection) {
    case "users":
      return { displayName: `${String(record.displayName)}-${rng.int(1, 99)}`, timezone: rng.pick(timezones) };
    case "teams":
      return { description: rng.sentence(), color: rng.pick(colors) };
    case "projects":
      return { progress: Math.round(rng.next() * 100) / 100, health: rng.pick(["onTrack", "atRisk", "offTrack"]) };
    case "cycles":
      return { progress: Math.round(rng.next() * 100) / 100, description: rng.sentence() };
    case "issues": {
      const states = builder.states.filter((state) => state.teamId === record.teamId);
      const priority = rng.int(0, 4);
      return {
        title: rng.title(),
        priority,
        priorityLabel: priorityLabels[priority] ?? null,
        estimate: rng.pick(estimates),
        stateId: states.length > 0 ? rng.pick(states).id : record.stateId,
      };
    }
    case "comments":
      return { body: rng.markdown(40, 600) };
  }
}

function latestTimestamp(store: LinearStore): number {
  let latest = 0;
  for (const collection of linearCollections) {
    for (const record of store.table(collection).all()) {
      const updated = Date.parse(record.updatedAt);
      if (updated > latest) latest = updated;
    }
  }
  return latest;
}
