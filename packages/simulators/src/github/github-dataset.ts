import type { ChangeSpec, ChangeSummary, DatasetControl } from "../core/dataset-types.js";
import { isoSeconds, parseIsoSeconds } from "./github-dataset-store.js";
import { itemFlag, reviewStates, RepoData } from "./github-dataset-repo.js";
import { DatasetRenderer, type DatasetAccount, type RenderSource } from "./github-dataset-render.js";
import { DatasetText } from "./github-dataset-text.js";
import { hashInts, randomInt, seededRandom } from "./github-random.js";
import type { GithubDatasetOptions, GithubOrganizationRecord, GithubRepositoryRecord } from "./github-types.js";
import type { GithubWorld } from "./github-world.js";

const daySeconds = 86_400;
/** Generated records spread over the year before the clock starts. */
const spanSeconds = 365 * daySeconds;
/** The demo user reads everything: admin of the dataset's organization. */
const demoUser = "octo-admin";

/** The streams of the GitHub connector, which `applyChanges` and `groundTruth` are keyed by. */
export const githubDatasetStreams = [
  "repositories",
  "users",
  "issues",
  "pull_requests",
  "issue_comments",
  "pull_request_reviews",
  "commits",
  "releases",
] as const;
export type GithubDatasetStream = (typeof githubDatasetStreams)[number];

export type ResolvedDatasetOptions = Required<Omit<GithubDatasetOptions, "clockStart">> & { clockStart: number };

export function resolveDatasetOptions(options: GithubDatasetOptions = {}): ResolvedDatasetOptions {
  const size = (value: number | undefined, fallback: number, name: string) => {
    const resolved = value ?? fallback;
    if (!Number.isInteger(resolved) || resolved < 0) throw new Error(`dataset.${name} must be a whole number ≥ 0`);
    return resolved;
  };
  const clockStart = parseIsoSeconds(options.clockStart ?? "2025-12-01T00:00:00Z");
  if (Number.isNaN(clockStart)) throw new Error("dataset.clockStart must be an ISO 8601 instant");
  const maxPerPage = size(options.maxPerPage, 100, "maxPerPage");
  if (maxPerPage < 1) throw new Error("dataset.maxPerPage must be at least 1");
  return {
    seed: size(options.seed, 1, "seed"),
    organization: options.organization ?? "tributary-demo",
    repositories: size(options.repositories, 3, "repositories"),
    issuesPerRepository: size(options.issuesPerRepository, 20, "issuesPerRepository"),
    pullRequestsPerRepository: size(options.pullRequestsPerRepository, 10, "pullRequestsPerRepository"),
    commentsPerIssue: size(options.commentsPerIssue, 2, "commentsPerIssue"),
    reviewsPerPullRequest: size(options.reviewsPerPullRequest, 2, "reviewsPerPullRequest"),
    commitsPerRepository: size(options.commitsPerRepository, 30, "commitsPerRepository"),
    releasesPerRepository: size(options.releasesPerRepository, 3, "releasesPerRepository"),
    members: size(options.members, 3, "members"),
    maxPerPage,
    clockStart,
  };
}

/** Identifier spaces, far apart so ids of different kinds never meet. */
const idBase = {
  repository: 800_000,
  user: 300_000,
  organization: 5_900,
  issue: 100_000_000,
  pullRequest: 400_000_000,
  comment: 700_000_000,
  review: 1_000_000_000,
  release: 1_500_000_000,
} as const;

class SummaryBuilder {
  private readonly streams = new Map<string, { inserted: Set<string>; updated: Set<string>; deleted: Set<string> }>();

  private entry(stream: GithubDatasetStream) {
    let entry = this.streams.get(stream);
    if (!entry) {
      entry = { inserted: new Set(), updated: new Set(), deleted: new Set() };
      this.streams.set(stream, entry);
    }
    return entry;
  }

  inserted(stream: GithubDatasetStream, key: Record<string, unknown>): void {
    this.entry(stream).inserted.add(JSON.stringify(key));
  }

  /** An update of a record inserted in the same batch stays an insert. */
  updated(stream: GithubDatasetStream, key: Record<string, unknown>): void {
    const entry = this.entry(stream);
    const text = JSON.stringify(key);
    if (!entry.inserted.has(text)) entry.updated.add(text);
  }

  deleted(stream: GithubDatasetStream, key: Record<string, unknown>): void {
    const entry = this.entry(stream);
    const text = JSON.stringify(key);
    entry.inserted.delete(text);
    entry.updated.delete(text);
    entry.deleted.add(text);
  }

  build(): ChangeSummary {
    const applied: ChangeSummary["applied"] = {};
    for (const [stream, entry] of this.streams) {
      applied[stream] = { inserted: [...entry.inserted], updated: [...entry.updated], deleted: [...entry.deleted] };
    }
    return { applied };
  }
}

/**
 * The seeded GitHub dataset: one organization's repositories with their issues, pull requests,
 * comments, reviews, commits and releases, plus the organization's members. Generated from the seed
 * and sizes alone, changed only through `applyChanges`, whose simulated clock only moves forward:
 * every change gets the next second, later than every timestamp before it.
 *
 * Representation rule: whenever a change alters how a record renders, its `updated_at` moves to the
 * change's instant (a new or deleted comment bumps its issue, a review bumps its pull request, a push
 * bumps the repository), so a reader filtering on `updated_at` never misses a change. The summary of a
 * change batch lists those side effects too.
 */
export class GithubDataset implements DatasetControl, RenderSource {
  readonly options: ResolvedDatasetOptions;
  readonly seed: number;
  readonly text: DatasetText;
  readonly users: DatasetAccount[] = [];
  private readonly organization: GithubOrganizationRecord;
  private readonly byRepositoryId = new Map<number, RepoData>();
  private readonly renderers = new Map<string, DatasetRenderer>();
  private clock: number;
  private apiUrl = "http://127.0.0.1";
  private readonly counters = { issue: 0, pullRequest: 0, comment: 0, review: 0, release: 0, repository: 0, user: 0 };

  constructor(
    private readonly world: GithubWorld,
    options: GithubDatasetOptions = {},
  ) {
    this.options = resolveDatasetOptions(options);
    this.seed = this.options.seed;
    this.text = new DatasetText(this.seed);
    this.organization = this.ensureOrganization();
    this.ensureMembers();
    this.refreshUsers();

    const existing = this.world.allRepositories().filter((repository) => this.ownedByOrganization(repository));
    const latest = Math.max(
      0,
      ...existing.flatMap((repository) => [parseIsoSeconds(repository.updatedAt), parseIsoSeconds(repository.pushedAt)]),
    );
    // The clock starts after every existing timestamp, so the first change sorts after everything.
    this.clock = Math.max(this.options.clockStart, latest + 1);
    const spanStart = this.options.clockStart - spanSeconds;

    for (let index = existing.length; index < this.options.repositories; index += 1) {
      existing.push(this.createRepository(index + 1, spanStart - (this.options.repositories - index) * daySeconds, false));
    }
    existing.forEach((repository, seq) => {
      const repo = new RepoData(seq, repository);
      this.generate(repo, spanStart);
      repo.reindex();
      this.byRepositoryId.set(repository.id, repo);
    });
  }

  /** The address URLs in records point at; ground truth is rendered for it. */
  setApiUrl(url: string): void {
    this.apiUrl = url.replace(/\/+$/, "");
  }

  get maxPerPage(): number {
    return this.options.maxPerPage;
  }

  get now(): number {
    return this.clock;
  }

  /** The dataset's rows for a repository of the world, or undefined for repositories outside the dataset. */
  repoData(repositoryId: number): RepoData | undefined {
    return this.byRepositoryId.get(repositoryId);
  }

  renderer(apiUrl: string): DatasetRenderer {
    let renderer = this.renderers.get(apiUrl);
    if (!renderer) {
      renderer = new DatasetRenderer(apiUrl, this);
      this.renderers.set(apiUrl, renderer);
    }
    return renderer;
  }

  ownerOf(repo: RepoData): DatasetAccount {
    return this.world.account(repo.repository.owner) ?? { id: 0, login: repo.repository.owner, type: "User" };
  }

  // ---- generation ---------------------------------------------------------------------------------

  private ensureOrganization(): GithubOrganizationRecord {
    const login = this.options.organization;
    const existing = this.world.organization(login);
    if (existing) return existing;
    const organization: GithubOrganizationRecord = {
      id: idBase.organization + (hashInts(this.seed, login.length, login.charCodeAt(0)) % 90_000),
      login,
      name: login,
      description: "Organization generated by the GitHub simulator's seeded dataset",
      members: [{ login: demoUser, role: "admin", public: true }],
    };
    this.world.addOrganization(organization);
    return organization;
  }

  private ensureMembers(): void {
    while (this.organization.members.length < this.options.members) this.addGeneratedMember(this.organization.members.length + 1);
  }

  private addGeneratedMember(position: number): string {
    this.counters.user += 1;
    const login = `dev-${String(position).padStart(4, "0")}`;
    let unique = login;
    for (let suffix = 2; this.world.user(unique); suffix += 1) unique = `${login}-${suffix}`;
    this.world.addUser({
      id: idBase.user + this.counters.user,
      login: unique,
      name: `Developer ${position}`,
      email: null,
      createdAt: "2023-01-01T00:00:00Z",
    });
    this.organization.members.push({ login: unique, role: "member", public: position % 2 === 0 });
    return unique;
  }

  /** The authors pool: the organization's members, in membership order. Removed members stay (their records do). */
  private refreshUsers(): void {
    for (const member of this.organization.members) {
      if (this.users.some((user) => user.login.toLowerCase() === member.login.toLowerCase())) continue;
      const account = this.world.account(member.login);
      if (account) this.users.push(account);
    }
    if (this.users.length === 0) this.users.push({ id: 0, login: "ghost", type: "User" });
  }

  private ownedByOrganization(repository: GithubRepositoryRecord): boolean {
    return repository.owner.toLowerCase() === this.organization.login.toLowerCase();
  }

  private createRepository(position: number, createdAt: number, empty: boolean): GithubRepositoryRecord {
    this.counters.repository += 1;
    const name = `repo-${String(position).padStart(4, "0")}`;
    let unique = name;
    for (let suffix = 2; this.world.repository(this.organization.login, unique); suffix += 1) unique = `${name}-${suffix}`;
    const stamp = isoSeconds(empty ? createdAt : this.options.clockStart - daySeconds);
    const repository: GithubRepositoryRecord = {
      id: idBase.repository + hashInts(this.seed, 0x4e90) % 100_000 + this.counters.repository,
      owner: this.organization.login,
      name: unique,
      private: position % 3 === 0,
      description: `Generated repository ${position}`,
      defaultBranch: "main",
      createdAt: isoSeconds(createdAt),
      updatedAt: stamp,
      pushedAt: stamp,
    };
    this.world.addRepository(repository);
    return repository;
  }

  private generate(repo: RepoData, spanStart: number): void {
    const random = seededRandom(hashInts(this.seed, repo.seq, 0x1551));
    const { issuesPerRepository: issues, pullRequestsPerRepository: prs, commentsPerIssue, reviewsPerPullRequest } = this.options;
    const total = issues + prs;
    repo.reserve({
      items: total,
      prs,
      comments: total * commentsPerIssue,
      reviews: prs * reviewsPerPullRequest,
      commits: this.options.commitsPerRepository,
    });
    const end = this.options.clockStart - 1;
    const users = this.users.length;
    for (let index = 0; index < total; index += 1) {
      const isPr = prs > 0 && Math.floor(((index + 1) * prs) / total) > Math.floor((index * prs) / total);
      const created = spanStart + Math.floor(((index + random()) * (spanSeconds - daySeconds)) / total);
      const room = Math.max(1, Math.min(end - created, 60 * daySeconds));
      const updated = random() < 0.35 ? created : Math.min(end, created + 1 + randomInt(random, room));
      const closed = random() < 0.55 ? updated : 0;
      const labels = random() < 0.5 ? (1 << randomInt(random, 8)) | (random() < 0.3 ? 1 << randomInt(random, 8) : 0) : 0;
      const item = repo.addItem({
        id: idBase.issue + ++this.counters.issue,
        created,
        updated,
        closed,
        user: randomInt(random, users),
        title: randomInt(random, 1 << 20),
        body: randomInt(random, 1 << 20),
        labels,
        flags: isPr ? itemFlag.pullRequest : 0,
      });
      let pr = -1;
      if (isPr) {
        pr = repo.addPullRequest(item, idBase.pullRequest + ++this.counters.pullRequest, closed > 0 && random() < 0.7 ? closed : 0);
      }
      for (let comment = 0; comment < commentsPerIssue; comment += 1) {
        repo.addComment({
          id: idBase.comment + ++this.counters.comment,
          item,
          created: created + Math.floor(((comment + 1) * (updated - created)) / (commentsPerIssue + 1)),
          user: randomInt(random, users),
          body: randomInt(random, 1 << 20),
        });
      }
      if (pr >= 0) {
        for (let review = 0; review < reviewsPerPullRequest; review += 1) {
          repo.addReview({
            id: idBase.review + ++this.counters.review,
            pr,
            user: randomInt(random, users),
            state: randomInt(random, reviewStates.length),
            submitted: created + Math.floor(((review + 1) * (updated - created)) / (reviewsPerPullRequest + 1)),
            body: randomInt(random, 1 << 20),
          });
        }
      }
    }
    const commits = this.options.commitsPerRepository;
    for (let commit = 0; commit < commits; commit += 1) {
      const committed = Math.min(end, spanStart + Math.floor(((commit + random()) * spanSeconds) / commits));
      repo.addCommit({ committed, authored: committed - randomInt(random, 3600), user: randomInt(random, users), message: randomInt(random, 1 << 20) });
    }
    const releases = this.options.releasesPerRepository;
    for (let index = 0; index < releases; index += 1) {
      const created = spanStart + Math.floor(((index + 0.5) * spanSeconds) / releases);
      const tagName = `v${1 + Math.floor(index / 10)}.${index % 10}.0`;
      repo.releases.push({
        id: idBase.release + ++this.counters.release,
        tagName,
        name: `Release ${tagName}`,
        author: randomInt(random, users),
        createdAt: created,
        updatedAt: created + 600,
        publishedAt: created + 600,
        prerelease: random() < 0.2,
        body: randomInt(random, 1 << 20),
        revision: 0,
        deleted: false,
      });
    }
  }

  // ---- changes ------------------------------------------------------------------------------------

  private tick(): number {
    this.clock += 1;
    return this.clock;
  }

  private repos(): RepoData[] {
    return [...this.byRepositoryId.values()];
  }

  /**
   * Applies a change batch. Streams are changed in a fixed order (repositories, users, issues, pull
   * requests, comments, reviews, commits, releases); targets are drawn from the batch's seed, so the
   * same batch on the same dataset makes the same changes. Deletions exist where GitHub has them:
   * issues (an admin can delete one), comments, releases and organization members; pull requests,
   * reviews, commits and repositories are never deleted here.
   */
  applyChanges(spec: ChangeSpec): ChangeSummary {
    const random = seededRandom(hashInts(this.seed, spec.seed, 0xc4a9));
    const summary = new SummaryBuilder();
    for (const stream of Object.keys(spec.changes)) {
      if (!(githubDatasetStreams as readonly string[]).includes(stream)) {
        throw new Error(`unknown GitHub stream "${stream}" in the change batch; known: ${githubDatasetStreams.join(", ")}`);
      }
    }
    const touched = new Set<RepoData>();
    for (const stream of githubDatasetStreams) {
      const change = spec.changes[stream];
      if (!change) continue;
      const counts = { inserts: change.inserts ?? 0, updates: change.updates ?? 0, deletes: change.deletes ?? 0 };
      for (let index = 0; index < counts.inserts; index += 1) this.change(stream, "insert", random, summary, touched);
      for (let index = 0; index < counts.updates; index += 1) this.change(stream, "update", random, summary, touched);
      for (let index = 0; index < counts.deletes; index += 1) this.change(stream, "delete", random, summary, touched);
    }
    for (const repo of touched) repo.reindex();
    return summary.build();
  }

  private change(
    stream: GithubDatasetStream,
    kind: "insert" | "update" | "delete",
    random: () => number,
    summary: SummaryBuilder,
    touched: Set<RepoData>,
  ): void {
    const unsupported = () => {
      throw new Error(`the GitHub simulator does not ${kind} ${stream.replace(/_/g, " ")}: GitHub offers no such change`);
    };
    switch (stream) {
      case "repositories":
        return kind === "insert" ? this.insertRepository(summary) : kind === "update" ? this.updateRepository(random, summary) : unsupported();
      case "users":
        return kind === "insert" ? this.insertMember(summary) : kind === "delete" ? this.deleteMember(random, summary) : unsupported();
      case "issues":
        return this.changeIssue(kind, random, summary, touched);
      case "pull_requests":
        return kind === "delete" ? unsupported() : this.changePullRequest(kind, random, summary, touched);
      case "issue_comments":
        return this.changeComment(kind, random, summary, touched);
      case "pull_request_reviews":
        return kind === "delete" ? unsupported() : this.changeReview(kind, random, summary, touched);
      case "commits":
        return kind === "insert" ? this.insertCommit(random, summary, touched) : unsupported();
      case "releases":
        return this.changeRelease(kind, random, summary);
    }
  }

  private pickRepo(random: () => number, accept: (repo: RepoData) => boolean = () => true): RepoData {
    const candidates = this.repos().filter(accept);
    const repo = candidates[randomInt(random, candidates.length)];
    if (!repo) throw new Error("the dataset has no repository to change");
    return repo;
  }

  /** A random row passing `accept`: a few random draws, then the first acceptable one from a random start. */
  private pickRow(random: () => number, count: number, accept: (row: number) => boolean, what: string): number {
    for (let attempt = 0; attempt < 32 && count > 0; attempt += 1) {
      const row = randomInt(random, count);
      if (accept(row)) return row;
    }
    const start = randomInt(random, Math.max(1, count));
    for (let offset = 0; offset < count; offset += 1) {
      const row = (start + offset) % count;
      if (accept(row)) return row;
    }
    throw new Error(`the dataset has no ${what} to change`);
  }

  private repositoryKey(repo: RepoData) {
    return { id: repo.repository.id };
  }

  private insertRepository(summary: SummaryBuilder): void {
    const now = this.tick();
    const repository = this.createRepository(this.byRepositoryId.size + 1, now, true);
    const repo = new RepoData(this.byRepositoryId.size, repository);
    repo.reindex();
    this.byRepositoryId.set(repository.id, repo);
    summary.inserted("repositories", this.repositoryKey(repo));
  }

  private updateRepository(random: () => number, summary: SummaryBuilder): void {
    const repo = this.pickRepo(random);
    const now = this.tick();
    const base = repo.repository.description?.replace(/ \(rev \d+\)$/, "") ?? "Repository";
    const revision = Number(/\(rev (\d+)\)$/.exec(repo.repository.description ?? "")?.[1] ?? 0) + 1;
    repo.repository.description = `${base} (rev ${revision})`;
    repo.repository.updatedAt = isoSeconds(now);
    summary.updated("repositories", this.repositoryKey(repo));
  }

  private bumpRepository(repo: RepoData, now: number, summary: SummaryBuilder): void {
    repo.repository.updatedAt = isoSeconds(now);
    repo.repository.pushedAt = isoSeconds(now);
    summary.updated("repositories", this.repositoryKey(repo));
  }

  private insertMember(summary: SummaryBuilder): void {
    this.tick();
    const login = this.addGeneratedMember(this.organization.members.length + 1);
    this.refreshUsers();
    const account = this.world.account(login);
    if (account) summary.inserted("users", { id: account.id });
  }

  private deleteMember(random: () => number, summary: SummaryBuilder): void {
    const removable = this.organization.members.filter((member) => member.login.toLowerCase() !== demoUser);
    const member = removable[randomInt(random, removable.length)];
    if (!member) throw new Error("the organization has no member to remove but the demo user");
    this.tick();
    this.organization.members.splice(this.organization.members.indexOf(member), 1);
    const account = this.world.account(member.login);
    if (account) summary.deleted("users", { id: account.id });
  }

  /** Marks an issue row changed now: what every change to an issue or pull request does. */
  private bumpItem(repo: RepoData, item: number, now: number, summary: SummaryBuilder): void {
    repo.itemUpdated.set(item, now);
    if (repo.isPullRequest(item)) summary.updated("pull_requests", { id: repo.prId.get(repo.itemPr.get(item)) });
    else summary.updated("issues", { id: repo.itemId.get(item) });
  }

  private newItem(repo: RepoData, now: number, random: () => number, flags: number): number {
    return repo.addItem({
      id: idBase.issue + ++this.counters.issue,
      created: now,
      updated: now,
      closed: 0,
      user: randomInt(random, this.users.length),
      title: randomInt(random, 1 << 20),
      body: randomInt(random, 1 << 20),
      labels: random() < 0.5 ? 1 << randomInt(random, 8) : 0,
      flags,
    });
  }

  private changeIssue(kind: "insert" | "update" | "delete", random: () => number, summary: SummaryBuilder, touched: Set<RepoData>): void {
    if (kind === "insert") {
      const repo = this.pickRepo(random);
      const item = this.newItem(repo, this.tick(), random, 0);
      summary.inserted("issues", { id: repo.itemId.get(item) });
      touched.add(repo);
      return;
    }
    const isLiveIssue = (repo: RepoData) => (item: number) => !repo.isPullRequest(item) && !repo.isDeleted(item);
    // Pull requests are never deleted, so live rows beyond them are live issues.
    const repo = this.pickRepo(random, (candidate) => candidate.liveItems.length > candidate.prItem.length);
    const item = this.pickRow(random, repo.itemId.length, isLiveIssue(repo), "issue");
    const now = this.tick();
    touched.add(repo);
    if (kind === "update") {
      repo.itemRevision.set(item, repo.itemRevision.get(item) + 1);
      // Every other edit also closes or reopens the issue.
      if (repo.itemRevision.get(item) % 2 === 0) repo.itemClosed.set(item, repo.itemClosed.get(item) > 0 ? 0 : now);
      this.bumpItem(repo, item, now, summary);
      return;
    }
    repo.itemFlags.set(item, repo.itemFlags.get(item) | itemFlag.deleted);
    summary.deleted("issues", { id: repo.itemId.get(item) });
    // Deleting an issue deletes its comments with it.
    for (let comment = 0; comment < repo.commentId.length; comment += 1) {
      if (repo.commentItem.get(comment) === item && repo.commentDeleted.get(comment) === 0) {
        summary.deleted("issue_comments", { id: repo.commentId.get(comment) });
      }
    }
  }

  private changePullRequest(kind: "insert" | "update", random: () => number, summary: SummaryBuilder, touched: Set<RepoData>): void {
    if (kind === "insert") {
      const repo = this.pickRepo(random);
      const item = this.newItem(repo, this.tick(), random, itemFlag.pullRequest);
      const pr = repo.addPullRequest(item, idBase.pullRequest + ++this.counters.pullRequest, 0);
      summary.inserted("pull_requests", { id: repo.prId.get(pr) });
      touched.add(repo);
      return;
    }
    const repo = this.pickRepo(random, (candidate) => candidate.prItem.length > 0);
    const pr = randomInt(random, repo.prItem.length);
    const item = repo.prItem.get(pr);
    const now = this.tick();
    repo.itemRevision.set(item, repo.itemRevision.get(item) + 1);
    // Every other edit of an open pull request merges it.
    if (repo.itemClosed.get(item) === 0 && repo.itemRevision.get(item) % 2 === 0) {
      repo.itemClosed.set(item, now);
      repo.prMerged.set(pr, now);
    }
    this.bumpItem(repo, item, now, summary);
    touched.add(repo);
  }

  private changeComment(kind: "insert" | "update" | "delete", random: () => number, summary: SummaryBuilder, touched: Set<RepoData>): void {
    if (kind === "insert") {
      const repo = this.pickRepo(random, (candidate) => candidate.liveItems.length > 0);
      const item = repo.liveItems[randomInt(random, repo.liveItems.length)] ?? 0;
      const now = this.tick();
      const comment = repo.addComment({
        id: idBase.comment + ++this.counters.comment,
        item,
        created: now,
        user: randomInt(random, this.users.length),
        body: randomInt(random, 1 << 20),
      });
      summary.inserted("issue_comments", { id: repo.commentId.get(comment) });
      this.bumpItem(repo, item, now, summary);
      touched.add(repo);
      return;
    }
    const repo = this.pickRepo(random, (candidate) => candidate.liveComments.length > 0);
    const comment = this.pickRow(random, repo.commentId.length, (row) => repo.isCommentLive(row), "comment");
    const now = this.tick();
    touched.add(repo);
    if (kind === "update") {
      repo.commentRevision.set(comment, repo.commentRevision.get(comment) + 1);
      repo.commentUpdated.set(comment, now);
      summary.updated("issue_comments", { id: repo.commentId.get(comment) });
      return;
    }
    repo.commentDeleted.set(comment, 1);
    const item = repo.commentItem.get(comment);
    repo.itemComments.set(item, repo.itemComments.get(item) - 1);
    summary.deleted("issue_comments", { id: repo.commentId.get(comment) });
    this.bumpItem(repo, item, now, summary);
  }

  private changeReview(kind: "insert" | "update", random: () => number, summary: SummaryBuilder, touched: Set<RepoData>): void {
    if (kind === "insert") {
      const repo = this.pickRepo(random, (candidate) => candidate.prItem.length > 0);
      const pr = randomInt(random, repo.prItem.length);
      const now = this.tick();
      const review = repo.addReview({
        id: idBase.review + ++this.counters.review,
        pr,
        user: randomInt(random, this.users.length),
        state: randomInt(random, reviewStates.length),
        submitted: now,
        body: randomInt(random, 1 << 20),
      });
      summary.inserted("pull_request_reviews", { id: repo.reviewId.get(review) });
      this.bumpItem(repo, repo.prItem.get(pr), now, summary);
      touched.add(repo);
      return;
    }
    const repo = this.pickRepo(random, (candidate) => candidate.reviewId.length > 0);
    const review = randomInt(random, repo.reviewId.length);
    const now = this.tick();
    repo.reviewRevision.set(review, repo.reviewRevision.get(review) + 1);
    summary.updated("pull_request_reviews", { id: repo.reviewId.get(review) });
    // An edited review shows as activity on its pull request.
    this.bumpItem(repo, repo.prItem.get(repo.reviewPr.get(review)), now, summary);
    touched.add(repo);
  }

  private insertCommit(random: () => number, summary: SummaryBuilder, touched: Set<RepoData>): void {
    const repo = this.pickRepo(random);
    const now = this.tick();
    const commit = repo.addCommit({ committed: now, authored: now, user: randomInt(random, this.users.length), message: randomInt(random, 1 << 20) });
    summary.inserted("commits", { repository: repo.fullName, sha: this.renderer(this.apiUrl).commitSha(repo, commit) });
    this.bumpRepository(repo, now, summary);
    touched.add(repo);
  }

  private changeRelease(kind: "insert" | "update" | "delete", random: () => number, summary: SummaryBuilder): void {
    if (kind === "insert") {
      const repo = this.pickRepo(random);
      const now = this.tick();
      const index = repo.releases.length;
      const tagName = `v${1 + Math.floor(index / 10)}.${index % 10}.0`;
      const release = {
        id: idBase.release + ++this.counters.release,
        tagName,
        name: `Release ${tagName}`,
        author: randomInt(random, this.users.length),
        createdAt: now,
        updatedAt: now,
        publishedAt: now,
        prerelease: false,
        body: randomInt(random, 1 << 20),
        revision: 0,
        deleted: false,
      };
      repo.releases.push(release);
      summary.inserted("releases", { id: release.id });
      return;
    }
    const repo = this.pickRepo(random, (candidate) => candidate.liveReleases().length > 0);
    const live = repo.liveReleases();
    const release = live[randomInt(random, live.length)];
    if (!release) throw new Error("the dataset has no release to change");
    const now = this.tick();
    if (kind === "update") {
      release.revision += 1;
      release.updatedAt = now;
      summary.updated("releases", { id: release.id });
      return;
    }
    release.deleted = true;
    summary.deleted("releases", { id: release.id });
  }

  // ---- ground truth -------------------------------------------------------------------------------

  /**
   * What a complete read by the demo token yields, in the connector's shape: the API's objects, with
   * the repository's full name added as `repository` to every record of a per-repository stream.
   * Repositories are those of the dataset's organization; members as a token with `read:org` sees them.
   */
  groundTruth(stream: string): Record<string, unknown>[] {
    const renderer = this.renderer(this.apiUrl);
    const records: Record<string, unknown>[] = [];
    const perRepo = (render: (repo: RepoData) => Iterable<string>) => {
      for (const repo of this.repos()) {
        for (const json of render(repo)) records.push({ ...(JSON.parse(json) as Record<string, unknown>), repository: repo.fullName });
      }
    };
    switch (stream as GithubDatasetStream) {
      case "repositories":
        for (const repo of this.repos()) records.push(renderer.repository(repo));
        break;
      case "users":
        for (const member of this.organization.members) {
          const account = this.world.account(member.login);
          if (account) records.push(renderer.account(account));
        }
        break;
      case "issues":
        perRepo(function* (repo) {
          for (const item of repo.liveItems) if (!repo.isPullRequest(item)) yield renderer.issue(repo, item);
        });
        break;
      case "pull_requests":
        perRepo(function* (repo) {
          for (let pr = 0; pr < repo.prItem.length; pr += 1) yield renderer.pullRequest(repo, pr);
        });
        break;
      case "issue_comments":
        perRepo(function* (repo) {
          for (const comment of repo.liveComments) yield renderer.comment(repo, comment);
        });
        break;
      case "pull_request_reviews":
        perRepo(function* (repo) {
          for (let review = 0; review < repo.reviewId.length; review += 1) yield renderer.review(repo, review);
        });
        break;
      case "commits":
        perRepo(function* (repo) {
          for (let commit = 0; commit < repo.commitCommitted.length; commit += 1) yield renderer.commit(repo, commit);
        });
        break;
      case "releases":
        perRepo(function* (repo) {
          for (const release of repo.liveReleases()) yield renderer.release(repo, release);
        });
        break;
      default:
        throw new Error(`unknown GitHub stream "${stream}"; known: ${githubDatasetStreams.join(", ")}`);
    }
    return records;
  }

  /** Sizes of what is served, for logs and benchmarks. */
  counts(): Record<GithubDatasetStream, number> {
    let issues = 0;
    let prs = 0;
    let comments = 0;
    let reviews = 0;
    let commits = 0;
    let releases = 0;
    for (const repo of this.repos()) {
      for (const item of repo.liveItems) if (!repo.isPullRequest(item)) issues += 1;
      prs += repo.prItem.length;
      comments += repo.liveComments.length;
      reviews += repo.reviewId.length;
      commits += repo.commitCommitted.length;
      releases += repo.liveReleases().length;
    }
    return {
      repositories: this.byRepositoryId.size,
      users: this.organization.members.length,
      issues,
      pull_requests: prs,
      issue_comments: comments,
      pull_request_reviews: reviews,
      commits,
      releases,
    };
  }
}
