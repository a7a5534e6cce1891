/**
 * The workspace the simulator serves: one organization with a few rows per entity, shaped like
 * Linear's objects (UUID ids, ISO timestamps, `archivedAt` null unless archived, references by id).
 * Each simulator gets its own copy, so tests can add or change rows without affecting others.
 */

export interface LinearRecord {
  id: string;
  createdAt: string;
  updatedAt: string;
  archivedAt: string | null;
  [field: string]: unknown;
}

// A type alias (not an interface) so it stays assignable to the executor's generic record shape.
export type LinearOrganization = {
  id: string;
  name: string;
  urlKey: string;
  createdAt: string;
  updatedAt: string;
};

/** The collections the mirrored streams read. */
export const linearCollections = ["users", "teams", "projects", "cycles", "issues", "comments"] as const;
export type LinearCollection = (typeof linearCollections)[number];

/** Every stored collection: the streams' and those only referenced from them (issue states, project statuses). */
export const storedCollections = [...linearCollections, "workflowStates", "projectStatuses"] as const;
export type StoredCollection = (typeof storedCollections)[number];

export interface LinearWorkspace extends Record<LinearCollection, LinearRecord[]> {
  organization: LinearOrganization;
  /** Issue workflow states of every team (Backlog, Todo, In Progress, Done, Canceled…). */
  workflowStates?: LinearRecord[];
  /** The workspace's project statuses. */
  projectStatuses?: LinearRecord[];
}

export const demoUserIds = {
  ada: "6b1d0b7e-3c1a-4f6e-9a53-0c6f2f6a1a01",
  grace: "6b1d0b7e-3c1a-4f6e-9a53-0c6f2f6a1a02",
  alan: "6b1d0b7e-3c1a-4f6e-9a53-0c6f2f6a1a03",
} as const;

const teamIds = { core: "0f5e7c2a-8d4b-4e1f-b6a9-3d2c1b0a9e01", growth: "0f5e7c2a-8d4b-4e1f-b6a9-3d2c1b0a9e02" };
const projectIds = { mirror: "a3c9e1f7-5b2d-4c8a-9e6f-1d3b5a7c9e01", onboarding: "a3c9e1f7-5b2d-4c8a-9e6f-1d3b5a7c9e02" };
const cycleIds = { one: "c7e2a4f6-1b3d-4e5f-8a9c-2b4d6f8a0c01", two: "c7e2a4f6-1b3d-4e5f-8a9c-2b4d6f8a0c02" };
const issueIds = [
  "e1a2b3c4-d5e6-4f70-8a91-b2c3d4e5f601",
  "e1a2b3c4-d5e6-4f70-8a91-b2c3d4e5f602",
  "e1a2b3c4-d5e6-4f70-8a91-b2c3d4e5f603",
  "e1a2b3c4-d5e6-4f70-8a91-b2c3d4e5f604",
  "e1a2b3c4-d5e6-4f70-8a91-b2c3d4e5f605",
] as const;

function stamps(created: string, updated = created, archived: string | null = null) {
  return { createdAt: `${created}T09:00:00.000Z`, updatedAt: `${updated}T17:30:00.000Z`, archivedAt: archived };
}

const stateIds = {
  coreTodo: "5a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c01",
  coreStarted: "5a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c02",
  coreDone: "5a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c03",
  groTodo: "5a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c04",
  groCanceled: "5a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c05",
};
const statusIds = { planned: "7b2c3d4e-5f6a-4b7c-9d8e-0f1a2b3c4d01", started: "7b2c3d4e-5f6a-4b7c-9d8e-0f1a2b3c4d02" };

/** Linear's issue priorities (0 none, 1 urgent … 4 low) and the label it shows for each. */
export const priorityLabels = ["No priority", "Urgent", "High", "Medium", "Low"] as const;

export function createDemoWorkspace(): LinearWorkspace {
  const workspace = demoRows();
  const stateOf: Record<string, string> = {
    "CORE-1": stateIds.coreDone,
    "CORE-2": stateIds.coreStarted,
    "CORE-3": stateIds.coreTodo,
    "GRO-1": stateIds.groTodo,
    "GRO-2": stateIds.groCanceled,
  };
  for (const issue of workspace.issues) {
    const identifier = String(issue.identifier);
    Object.assign(issue, {
      stateId: stateOf[identifier],
      priorityLabel: priorityLabels[Number(issue.priority)] ?? null,
      url: `https://linear.app/tributary-demo/issue/${identifier.toLowerCase()}`,
      branchName: `ada/${identifier.toLowerCase()}`,
      labelIds: [],
      parentId: null,
      startedAt: null,
      autoClosedAt: null,
      autoArchivedAt: null,
      trashed: false,
    });
  }
  for (const project of workspace.projects) {
    Object.assign(project, {
      statusId: project.state === "started" ? statusIds.started : statusIds.planned,
      creatorId: project.leadId,
      teamIds: [teamIds.core],
      priority: 0,
      progress: 0,
      trashed: false,
    });
  }
  for (const cycle of workspace.cycles) Object.assign(cycle, { progress: cycle.completedAt ? 1 : 0.4 });
  for (const comment of workspace.comments) {
    Object.assign(comment, { url: `https://linear.app/tributary-demo/comment/${comment.id}`, resolvedAt: null });
  }
  const state = (id: string, teamId: string, name: string, type: string, position: number): LinearRecord => ({
    id,
    teamId,
    name,
    type,
    position,
    color: "#5e6ad2",
    description: null,
    ...stamps("2024-01-08"),
  });
  workspace.workflowStates = [
    state(stateIds.coreTodo, teamIds.core, "Todo", "unstarted", 1),
    state(stateIds.coreStarted, teamIds.core, "In Progress", "started", 2),
    state(stateIds.coreDone, teamIds.core, "Done", "completed", 3),
    state(stateIds.groTodo, teamIds.growth, "Todo", "unstarted", 1),
    state(stateIds.groCanceled, teamIds.growth, "Canceled", "canceled", 4),
  ];
  workspace.projectStatuses = [
    { id: statusIds.planned, name: "Planned", type: "planned", color: "#bec2c8", position: 1, ...stamps("2024-01-08") },
    { id: statusIds.started, name: "In Progress", type: "started", color: "#f2c94c", position: 2, ...stamps("2024-01-08") },
  ];
  return workspace;
}

function demoRows(): LinearWorkspace {
  return {
    organization: {
      id: "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b01",
      name: "Tributary Demo",
      urlKey: "tributary-demo",
      ...stamps("2024-01-08"),
    },
    users: [
      { id: demoUserIds.ada, name: "Ada Lovelace", displayName: "ada", email: "ada@tributary.test", active: true, admin: true, guest: false, ...stamps("2024-01-08", "2025-03-02") },
      { id: demoUserIds.grace, name: "Grace Hopper", displayName: "grace", email: "grace@tributary.test", active: true, admin: false, guest: false, ...stamps("2024-01-09", "2025-02-11") },
      { id: demoUserIds.alan, name: "Alan Turing", displayName: "alan", email: "alan@tributary.test", active: false, admin: false, guest: true, ...stamps("2024-02-01", "2024-11-20") },
    ],
    teams: [
      { id: teamIds.core, key: "CORE", name: "Core", description: "Ingestion and storage", private: false, ...stamps("2024-01-08", "2025-01-15") },
      { id: teamIds.growth, key: "GRO", name: "Growth", description: null, private: false, ...stamps("2024-03-04", "2024-12-01") },
    ],
    projects: [
      { id: projectIds.mirror, name: "Mirror v1", description: "First incremental mirror", state: "started", leadId: demoUserIds.ada, startDate: "2025-01-06", targetDate: "2025-04-30", ...stamps("2024-12-02", "2025-03-01") },
      { id: projectIds.onboarding, name: "Onboarding", description: "", state: "planned", leadId: demoUserIds.grace, startDate: null, targetDate: null, ...stamps("2025-01-20", "2025-01-20") },
    ],
    cycles: [
      { id: cycleIds.one, number: 1, name: null, teamId: teamIds.core, startsAt: "2025-02-03T00:00:00.000Z", endsAt: "2025-02-17T00:00:00.000Z", completedAt: "2025-02-17T00:00:00.000Z", ...stamps("2025-01-27", "2025-02-17") },
      { id: cycleIds.two, number: 2, name: null, teamId: teamIds.core, startsAt: "2025-02-17T00:00:00.000Z", endsAt: "2025-03-03T00:00:00.000Z", completedAt: null, ...stamps("2025-01-27", "2025-02-28") },
    ],
    issues: [
      { id: issueIds[0], identifier: "CORE-1", number: 1, title: "Write Parquet with zstd", description: "Use DuckDB locally.", priority: 2, estimate: 3, teamId: teamIds.core, assigneeId: demoUserIds.ada, creatorId: demoUserIds.grace, projectId: projectIds.mirror, cycleId: cycleIds.one, completedAt: "2025-02-14T12:00:00.000Z", canceledAt: null, dueDate: null, ...stamps("2025-01-28", "2025-02-14") },
      { id: issueIds[1], identifier: "CORE-2", number: 2, title: "Commit manifests last", description: null, priority: 1, estimate: 2, teamId: teamIds.core, assigneeId: demoUserIds.grace, creatorId: demoUserIds.ada, projectId: projectIds.mirror, cycleId: cycleIds.two, completedAt: null, canceledAt: null, dueDate: "2025-03-01", ...stamps("2025-02-03", "2025-02-27") },
      { id: issueIds[2], identifier: "CORE-3", number: 3, title: "Retry 5xx with jitter", description: "Full jitter, capped.", priority: 3, estimate: 1, teamId: teamIds.core, assigneeId: null, creatorId: demoUserIds.ada, projectId: null, cycleId: cycleIds.two, completedAt: null, canceledAt: null, dueDate: null, ...stamps("2025-02-10", "2025-02-26") },
      { id: issueIds[3], identifier: "GRO-1", number: 1, title: "Demo workspace walkthrough", description: "", priority: 0, estimate: null, teamId: teamIds.growth, assigneeId: demoUserIds.grace, creatorId: demoUserIds.grace, projectId: projectIds.onboarding, cycleId: null, completedAt: null, canceledAt: null, dueDate: null, ...stamps("2025-01-21", "2025-02-02") },
      { id: issueIds[4], identifier: "GRO-2", number: 2, title: "Old experiment", description: null, priority: 4, estimate: null, teamId: teamIds.growth, assigneeId: null, creatorId: demoUserIds.alan, projectId: null, cycleId: null, completedAt: null, canceledAt: "2024-12-20T10:00:00.000Z", dueDate: null, ...stamps("2024-11-02", "2024-12-20", "2024-12-20T10:00:00.000Z") },
    ],
    comments: [
      { id: "f0e1d2c3-b4a5-4968-8776-a5b4c3d2e101", body: "DuckDB's COPY handles zstd.", issueId: issueIds[0], userId: demoUserIds.grace, parentId: null, editedAt: null, ...stamps("2025-01-29", "2025-01-29") },
      { id: "f0e1d2c3-b4a5-4968-8776-a5b4c3d2e102", body: "Agreed, shipping it.", issueId: issueIds[0], userId: demoUserIds.ada, parentId: "f0e1d2c3-b4a5-4968-8776-a5b4c3d2e101", editedAt: null, ...stamps("2025-01-30", "2025-01-30") },
      { id: "f0e1d2c3-b4a5-4968-8776-a5b4c3d2e103", body: "What about crashes mid-write?", issueId: issueIds[1], userId: demoUserIds.alan, parentId: null, editedAt: "2025-02-05T08:00:00.000Z", ...stamps("2025-02-04", "2025-02-05") },
      { id: "f0e1d2c3-b4a5-4968-8776-a5b4c3d2e104", body: "Covered by manifest-last.", issueId: issueIds[1], userId: demoUserIds.grace, parentId: null, editedAt: null, ...stamps("2025-02-06", "2025-02-06") },
    ],
  };
}
