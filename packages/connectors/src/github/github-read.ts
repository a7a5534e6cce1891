import { ConnectorError } from "../core/connector-errors.js";
import type { ReadMessage } from "../core/connector-types.js";
import { GithubReadClient, type GithubReadContext } from "./github-read-client.js";
import { readKeyset } from "./github-read-keyset.js";
import { readCommits, readMembers, readPullRequestReviews, readPullRequests, readWholeListing } from "./github-read-lists.js";
import { listPartitions, readRepositories } from "./github-read-repositories.js";
import { readPartitioned, type PartitionEvent, type PartitionStart } from "./github-read-state.js";

type PartitionReader = (context: GithubReadContext, client: GithubReadClient, partition: string, start: PartitionStart) => AsyncGenerator<PartitionEvent>;

/** Readers of the per-repository streams; see docs/connectors/github.md, "Streams and incremental reading". */
const partitionReaders: Record<string, PartitionReader> = {
  issues: (context, client, partition, start) =>
    readKeyset(context, client, partition, start, {
      path: "/issues",
      query: { state: "all", sort: "updated", direction: "asc" },
      // The issues listing returns pull requests too, recognisable by their `pull_request` key.
      dropWhenPresent: "pull_request",
    }),
  issue_comments: (context, client, partition, start) =>
    readKeyset(context, client, partition, start, {
      path: "/issues/comments",
      query: { sort: "updated", direction: "asc" },
    }),
  pull_requests: readPullRequests,
  pull_request_reviews: readPullRequestReviews,
  commits: readCommits,
  releases: (context, client, partition) => readWholeListing(context, client, partition, "/releases"),
};

/** `read()` of the GitHub connector: one stream, from its saved state. */
export async function* readGithubStream(context: GithubReadContext): AsyncGenerator<ReadMessage> {
  const client = new GithubReadClient(context);
  const name = context.stream.name;
  if (name === "repositories") {
    yield* readRepositories(context, client);
    return;
  }
  if (name === "users") {
    yield* readMembers(context, client);
    return;
  }
  const reader = partitionReaders[name];
  if (!reader) throw new ConnectorError("bad_request", `The GitHub connector has no stream "${name}"`, { field: "streams" });
  const partitions = await listPartitions(context, client);
  yield* readPartitioned(context, partitions, (partition, start) => reader(context, client, partition, start));
}
