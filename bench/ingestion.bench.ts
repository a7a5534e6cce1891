/**
 * Ingestion figures (`npm run bench:ingestion`), all measured in one run:
 *  - the fetch floor: a bare HTTP client fetching and JSON-parsing every page of GitHub issues from the
 *    simulator, with the connector's concurrency; then connect's full run of the same issues into a
 *    real S3-compatible server (s3rver): records/s, MB/s, the ratio to the floor, connect's peak RSS;
 *  - a no-change incremental re-run of every GitHub stream: API calls per stream against the minimum;
 *  - a 100,000-message Slack workspace (50 channels × 2,000, 10% threaded, 5 replies each): calls of a
 *    full run and of a no-change re-run against the minimum.
 * BENCH_RECORDS sets the number of issues (default 1,000,000: 100 repositories of 10,000);
 * BENCH_ISSUES_ONLY=1 stops after the issues run (for profiling connect on it alone).
 */
import { startS3TestServer } from "@tributary/object-store";
import pLimit from "p-limit";
import { connectNodeFlags } from "../apps/connect/src/node-flags.js";
import { cpuSeconds, cpuSecondsByThread, peakRssMiB, repoRoot, spawnAndWait, stopProcess } from "./support/processes.js";

const records = Number(process.env.BENCH_RECORDS ?? "1000000");
const issuesOnly = process.env.BENCH_ISSUES_ONLY === "1";
const repositories = Math.max(1, Math.min(100, Math.round(records / 10_000)));
const issuesPerRepository = Math.round(records / repositories);
const concurrency = 4;
const token = "ghp_TributaryDemoClassicToken00000000001";
const serviceToken = "bench-ingestion-token";
const organization = "bench-org";

console.log(`dataset: ${repositories} repositories × ${issuesPerRepository} issues (~2 KB each)`);
const simulator = await spawnAndWait(
  ["--import", "tsx", "bench/support/simulator-process.ts", "github",
    JSON.stringify({ dataset: { seed: 7, organization, repositories, issuesPerRepository, pullRequestsPerRepository: 0, commentsPerIssue: 0, reviewsPerPullRequest: 0, commitsPerRepository: 10, releasesPerRepository: 2, members: 10 } })],
  /^READY (\S+)/,
);
const simulatorUrl = simulator.match;
const s3 = await startS3TestServer();
// connect runs as in production: the bundle, with its production Node flags (heap cap and GC pacing).
const connectNodeArgs = (process.env.BENCH_CONNECT_NODE_ARGS ?? connectNodeFlags.join(" ")).split(" ").filter(Boolean);
// BENCH_CONNECT_MAIN runs another bundle (an A/B comparison of two builds on the same machine).
const connectMain = process.env.BENCH_CONNECT_MAIN ?? `${repoRoot}apps/connect/dist/main.js`;
const connect = await spawnAndWait([...connectNodeArgs, connectMain], /Server listening at (http:\/\/127\.0\.0\.1:\d+)/, {
  CONNECT_SERVICE_TOKEN: serviceToken,
  PORT: "0",
  S3_ENDPOINT: s3.endpoint,
  LOG_LEVEL: "info",
});
const connectUrl = connect.match;

try {
  // 1. The floor: fetch and parse every page, nothing else.
  const repoNames = await listRepositories();
  const floorCpu = { simulator: cpuSeconds(simulator.child.pid!), client: process.cpuUsage() };
  const floorStarted = performance.now();
  let floorRecords = 0;
  let floorBytes = 0;
  const limit = pLimit(concurrency);
  await Promise.all(
    repoNames.map((name) =>
      limit(async () => {
        let url: string | undefined = `${simulatorUrl}/repos/${name}/issues?state=all&per_page=100&sort=updated&direction=asc`;
        while (url) {
          const response: Response = await fetch(url, { headers: { authorization: `Bearer ${token}`, accept: "application/vnd.github+json" } });
          const text = await response.text();
          floorBytes += Buffer.byteLength(text);
          floorRecords += (JSON.parse(text) as unknown[]).length;
          url = /<([^>]+)>;\s*rel="next"/.exec(response.headers.get("link") ?? "")?.[1];
        }
      }),
    ),
  );
  const floorSeconds = (performance.now() - floorStarted) / 1000;
  const floorClientCpu = (() => {
    const used = process.cpuUsage(floorCpu.client);
    return (used.user + used.system) / 1e6;
  })();
  const floorSimulatorCpu = cpuSeconds(simulator.child.pid!) - floorCpu.simulator;
  const runCpuBefore = { simulator: cpuSeconds(simulator.child.pid!), connect: cpuSeconds(connect.child.pid!) };
  const threadsBefore = cpuSecondsByThread(connect.child.pid!);

  // 2. connect's run of the same issues into S3.
  const runStarted = performance.now();
  const full = await ingest("bench-full", ["issues"]);
  const runSeconds = (performance.now() - runStarted) / 1000;
  const runSimulatorCpu = cpuSeconds(simulator.child.pid!) - runCpuBefore.simulator;
  const runConnectCpu = cpuSeconds(connect.child.pid!) - runCpuBefore.connect;
  const issues = full.committed.get("issues");
  const peak = peakRssMiB(connect.child.pid!);
  const threadsAfter = cpuSecondsByThread(connect.child.pid!);
  const threadCpu = [...threadsAfter]
    .map(([name, seconds]) => [name, seconds - (threadsBefore.get(name) ?? 0)] as const)
    .filter(([, seconds]) => seconds >= 0.05)
    .sort((a, b) => b[1] - a[1])
    .map(([name, seconds]) => `${name} ${seconds.toFixed(1)} s`)
    .join(", ");

  // 3. Every stream (issues continue incrementally from the run above), then a no-change re-run.
  const everything = issuesOnly ? undefined : await ingest("bench-all-1", undefined);
  const rerun = issuesOnly ? undefined : await ingest("bench-all-2", undefined);

  console.log("\n| measure | value |");
  console.log("|---|---|");
  console.log(`| issues fetched by the floor client | ${floorRecords} (${(floorBytes / 1e6).toFixed(0)} MB of JSON) |`);
  console.log(`| fetch floor: fetch + JSON.parse | ${floorSeconds.toFixed(1)} s, ${(floorRecords / floorSeconds).toFixed(0)} records/s, ${(floorBytes / 1e6 / floorSeconds).toFixed(1)} MB/s |`);
  console.log(`| connect run: issues into S3 as Parquet | ${runSeconds.toFixed(1)} s, ${(Number(issues?.records ?? 0) / runSeconds).toFixed(0)} records/s, ${(floorBytes / 1e6 / runSeconds).toFixed(1)} MB/s |`);
  console.log(`| run / floor | ${(runSeconds / floorSeconds).toFixed(2)}x (goal ≤ 1.25x) |`);
  console.log(`| Parquet written | ${issues?.files} files, ${(Number(issues?.bytes ?? 0) / 1e6).toFixed(0)} MB (${((Number(issues?.bytes ?? 0) / floorBytes) * 100).toFixed(1)}% of the JSON) |`);
  console.log(`| CPU during the floor: simulator + floor client | ${floorSimulatorCpu.toFixed(1)} s + ${floorClientCpu.toFixed(1)} s = ${(floorSimulatorCpu + floorClientCpu).toFixed(1)} s |`);
  console.log(`| CPU during the run: simulator + connect (DuckDB included; s3rver not counted) | ${runSimulatorCpu.toFixed(1)} s + ${runConnectCpu.toFixed(1)} s = ${(runSimulatorCpu + runConnectCpu).toFixed(1)} s |`);
  console.log(`| connect CPU by thread during the run | ${threadCpu} |`);
  console.log(`| connect peak RSS (VmHWM) during the run | ${peak.toFixed(0)} MiB (budget 384 MiB) |`);
  if (everything && rerun) {
    console.log("\nGitHub, API calls per stream: the all-streams run (issues already mirrored) and a no-change re-run:");
    console.log("| stream | all-streams run calls | no-change re-run calls | re-run records |");
    console.log("|---|---|---|---|");
    for (const [stream, stats] of rerun.committed) {
      console.log(`| ${stream} | ${everything.committed.get(stream)?.apiCalls ?? "?"} | ${stats.apiCalls} | ${stats.records} |`);
    }

    // 4. Slack: calls made against the minimum.
    await stopProcess(simulator.child);
    const slackChannels = 50;
    const messagesPerChannel = 2_000;
    const slack = await spawnAndWait(
      ["--import", "tsx", "bench/support/simulator-process.ts", "slack",
        JSON.stringify({ dataset: { seed: 5, channels: slackChannels, users: 200, messagesPerChannel, threadedRatio: 0.1, repliesPerThread: 5 } })],
      /^READY (\S+)/,
    );
    try {
      const slackConfig = { api_base_url: slack.match, include_private_channels: false };
      const threads = slackChannels * messagesPerChannel * 0.1;
      const pages = (items: number) => Math.max(1, Math.ceil(items / 999));
      const minimumFull: Record<string, number> = {
        channels: pages(slackChannels),
        users: pages(200),
        messages: slackChannels * pages(messagesPerChannel),
        thread_replies: threads * pages(6),
      };
      const minimumRerun: Record<string, number> = { channels: pages(slackChannels), users: pages(200), messages: slackChannels, thread_replies: 0 };
      const slackStarted = performance.now();
      const slackFull = await ingest("bench-slack-1", undefined, { connector: "slack", credentials: { token: "xoxb-tributary-demo-bot-token" }, config: slackConfig });
      const slackSeconds = (performance.now() - slackStarted) / 1000;
      const slackRerun = await ingest("bench-slack-2", undefined, { connector: "slack", credentials: { token: "xoxb-tributary-demo-bot-token" }, config: slackConfig });
      console.log(`\nSlack: ${slackChannels * messagesPerChannel} messages, ${threads} threads; full run ${slackSeconds.toFixed(1)} s`);
      console.log("| stream | full run calls | minimum | no-change re-run calls | minimum |");
      console.log("|---|---|---|---|---|");
      for (const [stream, stats] of slackFull.committed) {
        console.log(`| ${stream} | ${stats.apiCalls} | ${minimumFull[stream] ?? "?"} | ${slackRerun.committed.get(stream)?.apiCalls ?? "?"} | ${minimumRerun[stream] ?? "?"} |`);
      }
    } finally {
      await stopProcess(slack.child);
    }
  }
} finally {
  await stopProcess(connect.child);
  await stopProcess(simulator.child);
  await s3.close();
}

async function listRepositories(): Promise<string[]> {
  const names: string[] = [];
  let url: string | undefined = `${simulatorUrl}/orgs/${organization}/repos?per_page=100`;
  while (url) {
    const response: Response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    names.push(...((await response.json()) as Array<{ full_name: string }>).map((repo) => repo.full_name));
    url = /<([^>]+)>;\s*rel="next"/.exec(response.headers.get("link") ?? "")?.[1];
  }
  return names;
}

interface StreamFigures {
  records: number;
  apiCalls: number;
  files: number;
  bytes: number;
}

async function ingest(
  runId: string,
  streams: string[] | undefined,
  source: { connector: string; credentials: Record<string, unknown>; config: Record<string, unknown> } = {
    connector: "github",
    credentials: { token },
    config: { api_base_url: simulatorUrl, organization },
  },
): Promise<{ committed: Map<string, StreamFigures> }> {
  const response = await fetch(`${connectUrl}/internal/ingestion-runs`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-connect-service-token": serviceToken },
    body: JSON.stringify({
      run_id: runId,
      ...source,
      streams,
      storage: {
        kind: "s3",
        bucket: s3.bucket,
        region: s3.region,
        access_key_id: s3.accessKeyId,
        secret_access_key: s3.secretAccessKey,
        prefix: "bench/",
        workspace_id: "bench",
        // The GitHub runs share a connection: the all-streams run continues issues incrementally.
        connection_id: source.connector === "github" ? "bench-github" : `bench-${source.connector}`,
      },
    }),
  });
  const committed = new Map<string, StreamFigures>();
  const text = await response.text();
  for (const line of text.split("\n").filter(Boolean)) {
    const event = JSON.parse(line) as { type: string; stream?: string; stats?: Record<string, number>; files?: unknown[]; error?: unknown; status?: string };
    if (event.type === "stream_committed" && event.stream && event.stats) {
      committed.set(event.stream, {
        records: event.stats.records ?? 0,
        apiCalls: event.stats.api_calls ?? 0,
        files: event.stats.files_written ?? 0,
        bytes: event.stats.bytes_written ?? 0,
      });
    }
    if (event.type === "stream_failed" || event.type === "run_failed") throw new Error(`${runId}: ${JSON.stringify(event)}`);
  }
  return { committed };
}
