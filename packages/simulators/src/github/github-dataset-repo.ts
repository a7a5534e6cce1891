import { IntColumn, orderByTimestamp } from "./github-dataset-store.js";
import type { GithubRepositoryRecord } from "./github-types.js";

/** Bits of an issue row's `flags`. */
export const itemFlag = { pullRequest: 1, deleted: 2 } as const;

export const reviewStates = ["APPROVED", "CHANGES_REQUESTED", "COMMENTED"] as const;

export interface ReleaseRow {
  id: number;
  tagName: string;
  name: string;
  author: number;
  createdAt: number;
  updatedAt: number;
  publishedAt: number;
  prerelease: boolean;
  body: number;
  revision: number;
  deleted: boolean;
}

/**
 * One repository's data. Issues and pull requests share one numbering, as on GitHub: row `i` of the
 * issue columns is issue number `i + 1`, and a pull request is an issue row with the pull-request
 * flag plus a row in the pull-request columns. Timestamps are epoch seconds; text fields are indices
 * into the dataset's text pools; `revision` counts edits.
 */
export class RepoData {
  /** The repository as it was when its data was generated: what pull requests embed as head and base. */
  readonly snapshot: GithubRepositoryRecord;

  readonly itemId = new IntColumn();
  readonly itemCreated = new IntColumn();
  readonly itemUpdated = new IntColumn();
  readonly itemClosed = new IntColumn();
  readonly itemUser = new IntColumn();
  readonly itemTitle = new IntColumn();
  readonly itemBody = new IntColumn();
  readonly itemLabels = new IntColumn();
  readonly itemComments = new IntColumn();
  readonly itemFlags = new IntColumn();
  readonly itemRevision = new IntColumn();
  /** Row in the pull-request columns, or -1. */
  readonly itemPr = new IntColumn();

  readonly prItem = new IntColumn();
  readonly prId = new IntColumn();
  readonly prMerged = new IntColumn();

  readonly commentId = new IntColumn();
  readonly commentItem = new IntColumn();
  readonly commentCreated = new IntColumn();
  readonly commentUpdated = new IntColumn();
  readonly commentUser = new IntColumn();
  readonly commentBody = new IntColumn();
  readonly commentRevision = new IntColumn();
  readonly commentDeleted = new IntColumn();

  readonly reviewId = new IntColumn();
  readonly reviewPr = new IntColumn();
  readonly reviewUser = new IntColumn();
  readonly reviewState = new IntColumn();
  readonly reviewSubmitted = new IntColumn();
  readonly reviewBody = new IntColumn();
  readonly reviewRevision = new IntColumn();
  /** Review rows of each pull-request row, in submission order. */
  readonly reviewsByPr: number[][] = [];

  readonly commitCommitted = new IntColumn();
  readonly commitAuthored = new IntColumn();
  readonly commitUser = new IntColumn();
  readonly commitMessage = new IntColumn();

  readonly releases: ReleaseRow[] = [];

  /** Live issue rows (issues and pull requests) by (updated_at, number). */
  itemsByUpdated: Int32Array = new Int32Array(0);
  /** Live issue rows by number. */
  liveItems: Int32Array = new Int32Array(0);
  /** Pull-request rows by (updated_at, number). */
  prsByUpdated: Int32Array = new Int32Array(0);
  /** Live comment rows by (updated_at, id). */
  commentsByUpdated: Int32Array = new Int32Array(0);
  /** Live comment rows by id. */
  liveComments: Int32Array = new Int32Array(0);

  constructor(
    readonly seq: number,
    readonly repository: GithubRepositoryRecord,
  ) {
    this.snapshot = { ...repository };
  }

  /** Sizes the columns for a generated batch of rows. */
  reserve(sizes: { items: number; prs: number; comments: number; reviews: number; commits: number }): void {
    for (const [name, column] of Object.entries(this)) {
      if (!(column instanceof IntColumn)) continue;
      const kind = name.startsWith("item") ? "items" : name.startsWith("pr") ? "prs" : name.startsWith("comment") ? "comments" : name.startsWith("review") ? "reviews" : "commits";
      column.reserve(column.length + sizes[kind]);
    }
  }

  get fullName(): string {
    return `${this.repository.owner}/${this.repository.name}`;
  }

  isPullRequest(item: number): boolean {
    return (this.itemFlags.get(item) & itemFlag.pullRequest) !== 0;
  }

  isDeleted(item: number): boolean {
    return (this.itemFlags.get(item) & itemFlag.deleted) !== 0;
  }

  isCommentLive(comment: number): boolean {
    return this.commentDeleted.get(comment) === 0 && !this.isDeleted(this.commentItem.get(comment));
  }

  /** Rebuilds the orders after generation or a change batch. */
  reindex(): void {
    const liveItems: number[] = [];
    for (let item = 0; item < this.itemId.length; item += 1) if (!this.isDeleted(item)) liveItems.push(item);
    this.liveItems = Int32Array.from(liveItems);
    this.itemsByUpdated = orderByTimestamp(liveItems, (item) => this.itemUpdated.get(item), liveItems.length);
    const prs = Array.from({ length: this.prItem.length }, (_, pr) => pr);
    this.prsByUpdated = orderByTimestamp(prs, (pr) => this.itemUpdated.get(this.prItem.get(pr)), prs.length);
    const liveComments: number[] = [];
    for (let comment = 0; comment < this.commentId.length; comment += 1) if (this.isCommentLive(comment)) liveComments.push(comment);
    this.liveComments = Int32Array.from(liveComments);
    this.commentsByUpdated = orderByTimestamp(liveComments, (comment) => this.commentUpdated.get(comment), liveComments.length);
  }

  addItem(fields: {
    id: number;
    created: number;
    updated: number;
    closed: number;
    user: number;
    title: number;
    body: number;
    labels: number;
    flags: number;
  }): number {
    const row = this.itemId.push(fields.id);
    this.itemCreated.push(fields.created);
    this.itemUpdated.push(fields.updated);
    this.itemClosed.push(fields.closed);
    this.itemUser.push(fields.user);
    this.itemTitle.push(fields.title);
    this.itemBody.push(fields.body);
    this.itemLabels.push(fields.labels);
    this.itemComments.push(0);
    this.itemFlags.push(fields.flags);
    this.itemRevision.push(0);
    this.itemPr.push(-1);
    return row;
  }

  addPullRequest(item: number, id: number, merged: number): number {
    const pr = this.prItem.push(item);
    this.prId.push(id);
    this.prMerged.push(merged);
    this.itemPr.set(item, pr);
    this.reviewsByPr.push([]);
    return pr;
  }

  addComment(fields: { id: number; item: number; created: number; user: number; body: number }): number {
    const comment = this.commentId.push(fields.id);
    this.commentItem.push(fields.item);
    this.commentCreated.push(fields.created);
    this.commentUpdated.push(fields.created);
    this.commentUser.push(fields.user);
    this.commentBody.push(fields.body);
    this.commentRevision.push(0);
    this.commentDeleted.push(0);
    this.itemComments.set(fields.item, this.itemComments.get(fields.item) + 1);
    return comment;
  }

  addReview(fields: { id: number; pr: number; user: number; state: number; submitted: number; body: number }): number {
    const review = this.reviewId.push(fields.id);
    this.reviewPr.push(fields.pr);
    this.reviewUser.push(fields.user);
    this.reviewState.push(fields.state);
    this.reviewSubmitted.push(fields.submitted);
    this.reviewBody.push(fields.body);
    this.reviewRevision.push(0);
    this.reviewsByPr[fields.pr]?.push(review);
    return review;
  }

  addCommit(fields: { committed: number; authored: number; user: number; message: number }): number {
    const commit = this.commitCommitted.push(fields.committed);
    this.commitAuthored.push(fields.authored);
    this.commitUser.push(fields.user);
    this.commitMessage.push(fields.message);
    return commit;
  }

  liveReleases(): ReleaseRow[] {
    return this.releases.filter((release) => !release.deleted);
  }
}
