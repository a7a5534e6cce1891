import { isoSeconds, jsonTime } from "./github-dataset-store.js";
import { itemFlag, reviewStates, type ReleaseRow, type RepoData } from "./github-dataset-repo.js";
import { DatasetText } from "./github-dataset-text.js";
import { fakeSha } from "./github-random.js";
import { nodeId, renderRepository, renderSimpleAccount, type RenderContext } from "./github-render.js";

export interface DatasetAccount {
  id: number;
  login: string;
  type: "User" | "Organization";
}

/** What the renderer needs from the dataset besides a repository's rows. */
export interface RenderSource {
  seed: number;
  text: DatasetText;
  /** The authors pool: issue, comment, review and commit authors are indices into it. */
  users: readonly DatasetAccount[];
  /** The owner account of a repository, as its `owner` object describes it. */
  ownerOf(repository: RepoData): DatasetAccount;
}

interface RepoFragments {
  api: string;
  web: string;
  ownerJson: string;
  /** The repository object pull requests embed as `head.repo` and `base.repo` (frozen at generation). */
  snapshotJson: string;
  labels: Map<number, string>;
}

const labelPool = [
  { name: "bug", color: "d73a4a", description: "Something isn't working" },
  { name: "documentation", color: "0075ca", description: "Improvements or additions to documentation" },
  { name: "duplicate", color: "cfd3d7", description: "This issue or pull request already exists" },
  { name: "enhancement", color: "a2eeef", description: "New feature or request" },
  { name: "good first issue", color: "7057ff", description: "Good for newcomers" },
  { name: "help wanted", color: "008672", description: "Extra attention is needed" },
  { name: "question", color: "d876e3", description: "Further information is requested" },
  { name: "wontfix", color: "ffffff", description: "This will not be worked on" },
];

const noReactions = (url: string) =>
  `{"url":"${url}/reactions","total_count":0,"+1":0,"-1":0,"laugh":0,"hooray":0,"confused":0,"heart":0,"rocket":0,"eyes":0}`;

/**
 * Renders dataset rows to JSON text in the shapes of REST API version 2022-11-28. One renderer per
 * API address (URLs in bodies point back at the simulator); the parts many records share (user
 * objects, a repository's URL prefixes, label sets) are built once and spliced in.
 */
export class DatasetRenderer {
  private readonly context: RenderContext;
  private readonly userJson = new Map<number, string>();
  private readonly repoFragments = new Map<RepoData, RepoFragments>();

  constructor(
    readonly apiUrl: string,
    private readonly source: RenderSource,
  ) {
    this.context = { apiUrl, webUrl: apiUrl };
  }

  user(index: number): string {
    let json = this.userJson.get(index);
    if (json === undefined) {
      const account = this.source.users[index] ?? this.source.users[0] ?? { id: 0, login: "ghost", type: "User" as const };
      json = JSON.stringify(renderSimpleAccount(this.context, account));
      this.userJson.set(index, json);
    }
    return json;
  }

  account(account: DatasetAccount): Record<string, unknown> {
    return renderSimpleAccount(this.context, account);
  }

  repository(repo: RepoData): Record<string, unknown> {
    return renderRepository(this.context, repo.repository, this.source.ownerOf(repo));
  }

  private fragments(repo: RepoData): RepoFragments {
    let fragments = this.repoFragments.get(repo);
    if (!fragments) {
      const owner = this.source.ownerOf(repo);
      fragments = {
        api: `${this.apiUrl}/repos/${repo.fullName}`,
        web: `${this.apiUrl}/${repo.fullName}`,
        ownerJson: JSON.stringify(renderSimpleAccount(this.context, owner)),
        snapshotJson: JSON.stringify(renderRepository(this.context, repo.snapshot, owner)),
        labels: new Map(),
      };
      this.repoFragments.set(repo, fragments);
    }
    return fragments;
  }

  private labels(repo: RepoData, fragments: RepoFragments, mask: number): string {
    let json = fragments.labels.get(mask);
    if (json === undefined) {
      const parts: string[] = [];
      labelPool.forEach((label, index) => {
        if ((mask & (1 << index)) === 0) return;
        const id = 900_000_000 + repo.seq * 16 + index;
        parts.push(
          `{"id":${id},"node_id":"${nodeId("LA_", id)}","url":"${fragments.api}/labels/${encodeURIComponent(label.name)}","name":"${label.name}","color":"${label.color}","default":true,"description":${JSON.stringify(label.description)}}`,
        );
      });
      json = `[${parts.join(",")}]`;
      fragments.labels.set(mask, json);
    }
    return json;
  }

  /** An issue row as `GET /repos/{owner}/{repo}/issues` lists it; pull requests carry a `pull_request` key. */
  issue(repo: RepoData, item: number): string {
    const f = this.fragments(repo);
    const number = item + 1;
    const url = `${f.api}/issues/${number}`;
    const id = repo.itemId.get(item);
    const isPr = (repo.itemFlags.get(item) & itemFlag.pullRequest) !== 0;
    const closed = repo.itemClosed.get(item);
    const text = this.source.text;
    const body = DatasetText.revised(text.bodies[repo.itemBody.get(item) % text.bodies.length] ?? { raw: "", json: '""' }, repo.itemRevision.get(item));
    let json =
      `{"url":"${url}","repository_url":"${f.api}","labels_url":"${url}/labels{/name}","comments_url":"${url}/comments",` +
      `"events_url":"${url}/events","html_url":"${f.web}/${isPr ? "pull" : "issues"}/${number}","id":${id},"node_id":"${nodeId("I_", id)}",` +
      `"number":${number},"title":${text.title(repo.itemTitle.get(item)).json},"user":${this.user(repo.itemUser.get(item))},` +
      `"labels":${this.labels(repo, f, repo.itemLabels.get(item))},"state":"${closed > 0 ? "closed" : "open"}","locked":false,` +
      `"assignee":null,"assignees":[],"milestone":null,"comments":${repo.itemComments.get(item)},` +
      `"created_at":"${isoSeconds(repo.itemCreated.get(item))}","updated_at":"${isoSeconds(repo.itemUpdated.get(item))}",` +
      `"closed_at":${jsonTime(closed)},"author_association":"MEMBER","type":null,"active_lock_reason":null,` +
      `"sub_issues_summary":{"total":0,"completed":0,"percent_completed":0},"body":${body},"closed_by":null,` +
      `"reactions":${noReactions(url)},"timeline_url":"${url}/timeline","performed_via_github_app":null,` +
      `"state_reason":${closed > 0 ? '"completed"' : "null"}`;
    if (isPr) {
      const merged = repo.prMerged.get(repo.itemPr.get(item));
      json +=
        `,"draft":false,"pull_request":{"url":"${f.api}/pulls/${number}","html_url":"${f.web}/pull/${number}",` +
        `"diff_url":"${f.web}/pull/${number}.diff","patch_url":"${f.web}/pull/${number}.patch","merged_at":${jsonTime(merged)}}`;
    }
    return `${json}}`;
  }

  headSha(repo: RepoData, pr: number): string {
    return fakeSha(this.source.seed, repo.seq, 0x9e11, pr);
  }

  /** A pull request as `GET /repos/{owner}/{repo}/pulls` lists it (`pull-request-simple`). */
  pullRequest(repo: RepoData, pr: number): string {
    const f = this.fragments(repo);
    const item = repo.prItem.get(pr);
    const number = item + 1;
    const id = repo.prId.get(pr);
    const closed = repo.itemClosed.get(item);
    const merged = repo.prMerged.get(pr);
    const head = this.headSha(repo, pr);
    const baseSha = fakeSha(this.source.seed, repo.seq, 0xba5e, pr);
    const self = `${f.api}/pulls/${number}`;
    const html = `${f.web}/pull/${number}`;
    const issue = `${f.api}/issues/${number}`;
    const text = this.source.text;
    const body = DatasetText.revised(text.bodies[repo.itemBody.get(item) % text.bodies.length] ?? { raw: "", json: '""' }, repo.itemRevision.get(item));
    const owner = repo.repository.owner;
    return (
      `{"url":"${self}","id":${id},"node_id":"${nodeId("PR_", id)}","html_url":"${html}","diff_url":"${html}.diff","patch_url":"${html}.patch",` +
      `"issue_url":"${issue}","commits_url":"${self}/commits","review_comments_url":"${self}/comments",` +
      `"review_comment_url":"${f.api}/pulls/comments{/number}","comments_url":"${issue}/comments","statuses_url":"${f.api}/statuses/${head}",` +
      `"number":${number},"state":"${closed > 0 ? "closed" : "open"}","locked":false,"title":${text.title(repo.itemTitle.get(item)).json},` +
      `"user":${this.user(repo.itemUser.get(item))},"body":${body},"labels":${this.labels(repo, f, repo.itemLabels.get(item))},` +
      `"milestone":null,"active_lock_reason":null,"created_at":"${isoSeconds(repo.itemCreated.get(item))}",` +
      `"updated_at":"${isoSeconds(repo.itemUpdated.get(item))}","closed_at":${jsonTime(closed)},"merged_at":${jsonTime(merged)},` +
      `"merge_commit_sha":${merged > 0 ? `"${fakeSha(this.source.seed, repo.seq, 0x3e6e, pr)}"` : "null"},"assignee":null,"assignees":[],` +
      `"requested_reviewers":[],"requested_teams":[],` +
      `"head":{"label":"${owner}:feature-${number}","ref":"feature-${number}","sha":"${head}","user":${f.ownerJson},"repo":${f.snapshotJson}},` +
      `"base":{"label":"${owner}:${repo.snapshot.defaultBranch}","ref":"${repo.snapshot.defaultBranch}","sha":"${baseSha}","user":${f.ownerJson},"repo":${f.snapshotJson}},` +
      `"_links":{"self":{"href":"${self}"},"html":{"href":"${html}"},"issue":{"href":"${issue}"},"comments":{"href":"${issue}/comments"},` +
      `"review_comments":{"href":"${self}/comments"},"review_comment":{"href":"${f.api}/pulls/comments{/number}"},` +
      `"commits":{"href":"${self}/commits"},"statuses":{"href":"${f.api}/statuses/${head}"}},` +
      `"author_association":"MEMBER","auto_merge":null,"draft":false}`
    );
  }

  /** An issue comment as `GET /repos/{owner}/{repo}/issues/comments` lists it. */
  comment(repo: RepoData, comment: number): string {
    const f = this.fragments(repo);
    const id = repo.commentId.get(comment);
    const item = repo.commentItem.get(comment);
    const number = item + 1;
    const url = `${f.api}/issues/comments/${id}`;
    const isPr = repo.isPullRequest(item);
    const text = this.source.text;
    const body = DatasetText.revised(
      text.commentBodies[repo.commentBody.get(comment) % text.commentBodies.length] ?? { raw: "", json: '""' },
      repo.commentRevision.get(comment),
    );
    return (
      `{"url":"${url}","html_url":"${f.web}/${isPr ? "pull" : "issues"}/${number}#issuecomment-${id}","issue_url":"${f.api}/issues/${number}",` +
      `"id":${id},"node_id":"${nodeId("IC_", id)}","user":${this.user(repo.commentUser.get(comment))},` +
      `"created_at":"${isoSeconds(repo.commentCreated.get(comment))}","updated_at":"${isoSeconds(repo.commentUpdated.get(comment))}",` +
      `"author_association":"MEMBER","body":${body},"reactions":${noReactions(url)},"performed_via_github_app":null}`
    );
  }

  /** A review as `GET /repos/{owner}/{repo}/pulls/{number}/reviews` lists it. */
  review(repo: RepoData, review: number): string {
    const f = this.fragments(repo);
    const id = repo.reviewId.get(review);
    const pr = repo.reviewPr.get(review);
    const number = repo.prItem.get(pr) + 1;
    const text = this.source.text;
    const body = DatasetText.revised(
      text.reviewBodies[repo.reviewBody.get(review) % text.reviewBodies.length] ?? { raw: "", json: '""' },
      repo.reviewRevision.get(review),
    );
    const html = `${f.web}/pull/${number}#pullrequestreview-${id}`;
    const pull = `${f.api}/pulls/${number}`;
    return (
      `{"id":${id},"node_id":"${nodeId("PRR_", id)}","user":${this.user(repo.reviewUser.get(review))},"body":${body},` +
      `"state":"${reviewStates[repo.reviewState.get(review)] ?? "COMMENTED"}","html_url":"${html}","pull_request_url":"${pull}",` +
      `"author_association":"MEMBER","_links":{"html":{"href":"${html}"},"pull_request":{"href":"${pull}"}},` +
      `"submitted_at":"${isoSeconds(repo.reviewSubmitted.get(review))}","commit_id":"${this.headSha(repo, pr)}"}`
    );
  }

  commitSha(repo: RepoData, commit: number): string {
    return fakeSha(this.source.seed, repo.seq, 0xc0, commit);
  }

  /** A commit as `GET /repos/{owner}/{repo}/commits` lists it. */
  commit(repo: RepoData, commit: number): string {
    const f = this.fragments(repo);
    const sha = this.commitSha(repo, commit);
    const tree = fakeSha(this.source.seed, repo.seq, 0x7ee, commit);
    const userIndex = repo.commitUser.get(commit);
    const account = this.source.users[userIndex];
    const name = JSON.stringify(account?.login ?? "ghost");
    const email = JSON.stringify(`${account?.id ?? 0}+${account?.login ?? "ghost"}@users.noreply.github.com`);
    const user = this.user(userIndex);
    const parents =
      commit === 0
        ? "[]"
        : (() => {
            const parent = this.commitSha(repo, commit - 1);
            return `[{"sha":"${parent}","url":"${f.api}/commits/${parent}","html_url":"${f.web}/commit/${parent}"}]`;
          })();
    const text = this.source.text;
    return (
      `{"sha":"${sha}","node_id":"${nodeId("C_", repo.seq * 1_000_000 + commit)}","commit":{` +
      `"author":{"name":${name},"email":${email},"date":"${isoSeconds(repo.commitAuthored.get(commit))}"},` +
      `"committer":{"name":${name},"email":${email},"date":"${isoSeconds(repo.commitCommitted.get(commit))}"},` +
      `"message":${(text.commitMessages[repo.commitMessage.get(commit) % text.commitMessages.length] ?? { json: '""' }).json},` +
      `"tree":{"sha":"${tree}","url":"${f.api}/git/trees/${tree}"},"url":"${f.api}/git/commits/${sha}","comment_count":0,` +
      `"verification":{"verified":false,"reason":"unsigned","signature":null,"payload":null,"verified_at":null}},` +
      `"url":"${f.api}/commits/${sha}","html_url":"${f.web}/commit/${sha}","comments_url":"${f.api}/commits/${sha}/comments",` +
      `"author":${user},"committer":${user},"parents":${parents}}`
    );
  }

  /** A release as `GET /repos/{owner}/{repo}/releases` lists it. */
  release(repo: RepoData, release: ReleaseRow): string {
    const f = this.fragments(repo);
    const url = `${f.api}/releases/${release.id}`;
    const text = this.source.text;
    const body = DatasetText.revised(text.commentBodies[release.body % text.commentBodies.length] ?? { raw: "", json: '""' }, release.revision);
    const name = release.revision === 0 ? release.name : `${release.name} (update ${release.revision})`;
    return (
      `{"url":"${url}","assets_url":"${url}/assets","upload_url":"https://uploads.github.com/repos/${repo.fullName}/releases/${release.id}/assets{?name,label}",` +
      `"html_url":"${f.web}/releases/tag/${release.tagName}","id":${release.id},"author":${this.user(release.author)},` +
      `"node_id":"${nodeId("RE_", release.id)}","tag_name":"${release.tagName}","target_commitish":"${repo.snapshot.defaultBranch}",` +
      `"name":${JSON.stringify(name)},"draft":false,"prerelease":${release.prerelease},"immutable":false,` +
      `"created_at":"${isoSeconds(release.createdAt)}","updated_at":"${isoSeconds(release.updatedAt)}",` +
      `"published_at":"${isoSeconds(release.publishedAt)}","assets":[],"tarball_url":"${f.api}/tarball/${release.tagName}",` +
      `"zipball_url":"${f.api}/zipball/${release.tagName}","body":${body}}`
    );
  }
}
