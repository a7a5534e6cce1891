/**
 * SQL over the mirror (`npm run bench:query`): analytical queries through the backend's query API
 * (`POST /api/workspaces/:id/query`) next to raw DuckDB on the same local Parquet files, measured in the
 * same run.
 *
 * 1. A realistic mirror of BENCH_QUERY_ROWS rows (default 10,000,000) is generated with DuckDB straight
 *    into a local store: github.issues, github.issue_comments, slack.users, slack.messages,
 *    hubspot.contacts, zstd Parquet parts of up to 1M rows written as connect writes them, with their
 *    manifests (bench/support/query-mirror.ts). BENCH_QUERY_DATA_DIR keeps the generated files between
 *    runs (reused when the size matches).
 * 2. The backend runs in this process (embedded PGlite, or PostgreSQL when TEST_DATABASE_URL is set) on
 *    that folder; the workspace, its data sources and their committed snapshots are written straight
 *    into the core database, as a finished run would have left them.
 * 3. Warm: each query through the API and on a fresh raw DuckDB instance (same QUERY_THREADS and
 *    QUERY_MEMORY_LIMIT, views `SELECT CAST(col AS type)… FROM read_parquet([files])` over the same
 *    files, the plain scan the backend uses for a snapshot with one row per key), interleaved, after
 *    warm-up rounds; medians of BENCH_QUERY_RUNS (default 15) runs each. Results are compared once, and
 *    a difference stops the bench.
 * 4. Cold: a backend on S3 (s3rver, the objects uploaded with the object store's putFile) with an empty
 *    QUERY_CACHE_DIR, restarted for every query: its first answer, GET/HEAD requests and bytes fetched,
 *    next to the same backend's warm median, to a fresh embedded backend's first answer (new sandbox,
 *    no download), and to a bare download of the same objects (the floor of the fetch).
 * 5. Throughput: 16 members of the workspace each run the query mix in a loop for BENCH_SECONDS
 *    (default 20) against the embedded backend; baseline: 16 loops on separate connections of one raw
 *    DuckDB instance for the same time. Two windows per side, API, raw, raw, API; the queries running
 *    when a window closes finish, and the rate is answers over the time to the last answer.
 */
import { randomUUID } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { cpus, loadavg, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import { quoteIdentifier, quoteLiteral } from "@tributary/mirror";
import { createObjectStore, startS3TestServer } from "@tributary/object-store";
import { loadConfig } from "../apps/backend/src/config.js";
import { migrateToLatest } from "../apps/backend/src/db/migrator.js";
import { createTestDatabases } from "../apps/backend/test/support/test-databases.js";
import { addAnalyst, apiQuery, createWorkspace, signUp, startBackend, type BenchUser, type RunningBackend } from "./support/bench-backend.js";
import { generateMirror, placeMirror, type PlacedStream, type SourceName } from "./support/query-mirror.js";

const totalRows = Number(process.env.BENCH_QUERY_ROWS ?? "10000000");
const runs = Number(process.env.BENCH_QUERY_RUNS ?? "15");
const warmUpRounds = 2;
const throughputSeconds = Number(process.env.BENCH_SECONDS ?? "20");
const concurrentUsers = 16;
const coldWarmRuns = 5;
const threads = process.env.QUERY_THREADS ?? "2";
const memoryLimit = process.env.QUERY_MEMORY_LIMIT ?? "1GB";

interface BenchQuery {
  name: string;
  /** The stream views it reads. */
  reads: string[];
  sql: string;
}

const queries: BenchQuery[] = [
  {
    name: "filter + count",
    reads: ["github.issues"],
    sql: `SELECT count(*) AS open_issues FROM github.issues
WHERE author_login = 'user0042' AND state = 'open' AND created_at >= TIMESTAMPTZ '2025-01-01 00:00:00+00'`,
  },
  {
    name: "group by + aggregates",
    reads: ["github.issues"],
    sql: `SELECT repository, count(*) AS issues, count(*) FILTER (WHERE state = 'open') AS open_issues,
  round(avg(comments), 2) AS avg_comments,
  round(median(epoch(closed_at) - epoch(created_at)) / 3600, 1) AS median_hours_to_close
FROM github.issues
GROUP BY repository
ORDER BY issues DESC, repository
LIMIT 50`,
  },
  {
    name: "join comments × issues",
    reads: ["github.issue_comments", "github.issues"],
    sql: `SELECT i.repository, count(*) AS comments, count(DISTINCT c.author_login) AS commenters,
  round(avg(epoch(c.created_at) - epoch(i.created_at)) / 3600, 1) AS avg_hours_to_comment
FROM github.issue_comments AS c
JOIN github.issues AS i ON i.id = c.issue_id
WHERE i.state = 'open'
GROUP BY i.repository
ORDER BY comments DESC, i.repository
LIMIT 20`,
  },
  {
    name: "join messages × users",
    reads: ["slack.messages", "slack.users"],
    sql: `SELECT u.tz, count(*) AS messages, count(DISTINCT m."user") AS authors, count(DISTINCT m.channel_id) AS channels
FROM slack.messages AS m
JOIN slack.users AS u ON u.id = m."user"
WHERE NOT u.is_bot AND NOT u.deleted AND m.subtype IS NULL
GROUP BY u.tz
ORDER BY messages DESC, u.tz`,
  },
  {
    name: "window: top 3 per group (rank)",
    reads: ["github.issues"],
    sql: `SELECT repository, number, title, comments, issue_rank
FROM (
  SELECT repository, number, title, comments,
    rank() OVER (PARTITION BY repository ORDER BY comments DESC, number) AS issue_rank
  FROM github.issues
  WHERE state = 'open'
)
WHERE issue_rank <= 3
ORDER BY repository, issue_rank`,
  },
  {
    name: "window: running total",
    reads: ["slack.messages"],
    sql: `SELECT channel_id, week, messages, sum(messages) OVER (PARTITION BY channel_id ORDER BY week) AS running_total
FROM (
  SELECT channel_id, date_trunc('week', to_timestamp(CAST(ts AS DOUBLE))) AS week, count(*) AS messages
  FROM slack.messages
  WHERE to_timestamp(CAST(ts AS DOUBLE)) >= TIMESTAMPTZ '2026-01-01 00:00:00+00'
  GROUP BY ALL
)
ORDER BY channel_id, week
LIMIT 1000`,
  },
  {
    name: "top-N order by",
    reads: ["hubspot.contacts"],
    sql: `SELECT id, email, company, country, annualrevenue, createdate
FROM hubspot.contacts
WHERE lifecyclestage = 'customer' AND NOT hs_email_optout
ORDER BY annualrevenue DESC NULLS LAST, id
LIMIT 100`,
  },
  {
    name: "time buckets (date_trunc)",
    reads: ["github.issue_comments"],
    sql: `SELECT date_trunc('month', created_at) AS month, count(*) AS comments, count(DISTINCT author_login) AS authors
FROM github.issue_comments
WHERE created_at >= TIMESTAMPTZ '2024-01-01 00:00:00+00'
GROUP BY month
ORDER BY month`,
  },
];

// --------------------------------------------------------------------------------------------------
// Small helpers

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function quantile(values: number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

const ms = (value: number) => (!Number.isFinite(value) ? "n/a" : value >= 100 ? `${value.toFixed(0)} ms` : `${value.toFixed(1)} ms`);
const mib = (bytes: number) => `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
const count = (value: number) => value.toLocaleString("en-US");
const log = (line: string) => console.log(line);
/** The machine's 1- and 5-minute load averages: other work on the two cores shows here. */
const loadText = () => loadavg().slice(0, 2).map((value) => value.toFixed(2)).join(" / ");

function folderBytes(path: string): number {
  let total = 0;
  for (const entry of readdirSync(path, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += statSync(join(entry.parentPath, entry.name)).size;
  }
  return total;
}

/** A JSON value of the API next to the same cell from raw DuckDB (`getRowsJson`): equal up to float rounding. */
function sameCell(api: unknown, raw: unknown): boolean {
  if (api === raw) return true;
  if (api === null || raw === null) return false;
  const asNumber = (value: unknown) => (typeof value === "number" ? value : typeof value === "string" && /^-?\d+(\.\d+)?(e[+-]?\d+)?$/i.test(value) ? Number(value) : undefined);
  const a = asNumber(api);
  const b = asNumber(raw);
  if (a !== undefined && b !== undefined) return a === b || Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));
  return JSON.stringify(api) === JSON.stringify(raw);
}

function compareResults(query: BenchQuery, apiRows: unknown[][], rawRows: unknown[][]): void {
  if (apiRows.length !== rawRows.length) {
    throw new Error(`RESULTS DIFFER for "${query.name}": the API answered ${apiRows.length} rows, raw DuckDB ${rawRows.length}`);
  }
  for (let row = 0; row < apiRows.length; row += 1) {
    const a = apiRows[row]!;
    const b = rawRows[row]!;
    if (a.length !== b.length || a.some((cell, index) => !sameCell(cell, b[index]))) {
      throw new Error(`RESULTS DIFFER for "${query.name}" at row ${row}: API ${JSON.stringify(a)}, raw ${JSON.stringify(b)}`);
    }
  }
}

/** Raw DuckDB: a fresh instance with the backend's thread count and memory limit, views over the same files. */
async function openRawDuckDb(placed: PlacedStream[]): Promise<DuckDBInstance> {
  const instance = await DuckDBInstance.create(":memory:", { threads, memory_limit: memoryLimit });
  const connection = await instance.connect();
  try {
    for (const stream of placed) {
      await connection.run(`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(stream.spec.source)}`);
      const casts = stream.spec.columns.map((column) => `CAST(${quoteIdentifier(column.name)} AS ${column.type}) AS ${quoteIdentifier(column.name)}`);
      const files = stream.localFiles.map(quoteLiteral).join(", ");
      await connection.run(
        `CREATE VIEW ${quoteIdentifier(stream.spec.source)}.${quoteIdentifier(stream.spec.stream)} AS SELECT ${casts.join(", ")} FROM read_parquet([${files}], union_by_name = true)`,
      );
    }
  } finally {
    connection.closeSync();
  }
  return instance;
}

async function rawQuery(connection: DuckDBConnection, sql: string): Promise<{ ms: number; rows: unknown[][] }> {
  const started = performance.now();
  const reader = await connection.runAndReadAll(sql);
  const rows = reader.getRowsJson() as unknown[][];
  return { ms: performance.now() - started, rows };
}

// --------------------------------------------------------------------------------------------------
// Set-up: the mirror, the databases, the backend, the workspace

const scratch = mkdtempSync(join(tmpdir(), "tributary-bench-query-"));
const staging = process.env.BENCH_QUERY_DATA_DIR ?? join(scratch, "generated");
const storeRoot = join(scratch, "object-store");
const backendData = join(scratch, "backend");
mkdirSync(storeRoot, { recursive: true });

const cleanups: Array<() => Promise<unknown> | unknown> = [];
let failed = false;
try {
  log(`machine: ${cpus().length} cores, ${(totalmem() / 1024 ** 3).toFixed(0)} GiB, Node.js ${process.versions.node}; QUERY_THREADS=${threads}, QUERY_MEMORY_LIMIT=${memoryLimit}; load average ${loadText()}`);
  log(`generating a mirror of ${count(totalRows)} rows${process.env.BENCH_QUERY_DATA_DIR ? ` (kept in ${staging})` : ""}…`);
  const generationStarted = performance.now();
  const generated = await generateMirror({ staging, totalRows, threads: 2, reuse: process.env.BENCH_QUERY_DATA_DIR !== undefined, log });
  const generationSeconds = (performance.now() - generationStarted) / 1000;

  const test = await createTestDatabases();
  cleanups.push(() => test.dispose());
  await migrateToLatest(test.databases);
  const core = test.databases.core;
  const localEnvironment = { TRIBUTARY_DATA_DIR: backendData, CONNECT_LOCAL_STORAGE_DIR: storeRoot, QUERY_THREADS: threads, QUERY_MEMORY_LIMIT: memoryLimit };
  const limits = loadConfig({ ...localEnvironment, BETTER_AUTH_SECRET: "x".repeat(32), DATASOURCES_ENCRYPTION_KEY: "c".repeat(64), CONNECT_SERVICE_TOKEN: "t" }).query;

  let backend: RunningBackend = await startBackend(test.databases, localEnvironment);
  cleanups.push(() => backend.close());
  const owner = await signUp(backend, "owner");
  const workspaceId = await createWorkspace(backend, owner, "Query bench");
  const members: BenchUser[] = [owner];
  for (let index = 1; index < concurrentUsers; index += 1) {
    const member = await signUp(backend, `analyst${index}`);
    await addAnalyst(backend, workspaceId, owner, member);
    members.push(member);
  }

  // The data sources and their committed snapshots, as a finished run leaves them.
  const sourceIds: Record<SourceName, string> = { github: randomUUID(), slack: randomUUID(), hubspot: randomUUID() };
  for (const [source, id] of Object.entries(sourceIds)) {
    await core
      .insertInto("data_sources")
      .values({
        id,
        workspace_id: workspaceId,
        connector: source,
        name: `${source[0]!.toUpperCase()}${source.slice(1)} (bench)`,
        sql_name: source,
        config: "{}",
        credentials_encrypted: "v1.bench.not-a-real-secret",
        credentials_hint: "{}",
        streams: null,
        account: null,
        granted_scopes: null,
        created_by: owner.id,
      })
      .execute();
  }
  const placed = placeMirror(generated, { root: storeRoot, prefix: "", workspaceId, sourceIds });
  for (const stream of placed) {
    await core
      .insertInto("stream_snapshots")
      .values({
        data_source_id: stream.dataSourceId,
        stream: stream.spec.stream,
        workspace_id: workspaceId,
        run_id: stream.runId,
        manifest_version: 1,
        state: JSON.stringify(stream.manifest.state),
        files: JSON.stringify(stream.manifest.files.map(({ key, rows, bytes }) => ({ key, rows, bytes }))),
        records: stream.spec.rows,
        committed_at: stream.committedAt,
      })
      .execute();
  }
  const mirrorBytes = placed.reduce((sum, stream) => sum + stream.parts.reduce((total, part) => total + part.bytes, 0), 0);
  const fileCount = placed.reduce((sum, stream) => sum + stream.parts.length, 0);
  log(`mirror: ${count(totalRows)} rows, ${placed.length} streams, ${fileCount} Parquet files, ${mib(mirrorBytes)}, generated in ${generationSeconds.toFixed(1)} s`);
  log(`database: ${test.urls ? "PostgreSQL" : "PGlite (embedded)"}; ${concurrentUsers} members signed up`);

  const raw = await openRawDuckDb(placed);
  cleanups.push(() => raw.closeSync());
  const rawConnection = await raw.connect();
  cleanups.push(() => rawConnection.closeSync());

  // ------------------------------------------------------------------------------------------------
  // Warm: API next to raw DuckDB, interleaved

  log(`\nwarm: ${warmUpRounds} warm-up rounds, then ${runs} timed rounds; each round runs every query through the API and raw, alternating which goes first…`);
  const apiTimes = queries.map(() => [] as number[]);
  const apiServerTimes = queries.map(() => [] as number[]);
  const rawTimes = queries.map(() => [] as number[]);
  const resultRows: number[] = [];
  for (let round = 0; round < warmUpRounds + runs; round += 1) {
    for (const [index, query] of queries.entries()) {
      const runApi = async () => {
        const reply = await apiQuery(backend, workspaceId, owner, query.sql);
        if (reply.status !== 200 || reply.body.error) {
          throw new Error(`API query "${query.name}" failed: ${reply.status} ${JSON.stringify(reply.body).slice(0, 800)}\n${backend.logTail()}`);
        }
        if (reply.body.truncated) throw new Error(`API query "${query.name}" was truncated at ${reply.body.row_count} rows`);
        return reply;
      };
      const order = round % 2 === 0 ? ["api", "raw"] : ["raw", "api"];
      for (const side of order) {
        if (side === "api") {
          const reply = await runApi();
          if (round >= warmUpRounds) {
            apiTimes[index]!.push(reply.ms);
            apiServerTimes[index]!.push(reply.body.elapsed_ms!);
          }
          if (round === 0) {
            // Once: the same rows as raw DuckDB, or the bench stops here.
            const rawAnswer = await rawQuery(rawConnection, query.sql);
            compareResults(query, reply.body.rows!, rawAnswer.rows);
            resultRows[index] = rawAnswer.rows.length;
          }
        } else {
          const answer = await rawQuery(rawConnection, query.sql);
          if (round >= warmUpRounds) rawTimes[index]!.push(answer.ms);
        }
      }
    }
  }
  log("results: every query answered the same rows through the API as on raw DuckDB");

  // The API's fixed cost per query: a statement that reads nothing.
  const fixedApi: number[] = [];
  const fixedServer: number[] = [];
  const fixedRaw: number[] = [];
  for (let round = 0; round < warmUpRounds + runs; round += 1) {
    const reply = await apiQuery(backend, workspaceId, owner, "SELECT 1 AS one");
    if (reply.status !== 200) throw new Error(`SELECT 1 through the API: ${reply.status} ${JSON.stringify(reply.body)}`);
    const answer = await rawQuery(rawConnection, "SELECT 1 AS one");
    if (round >= warmUpRounds) {
      fixedApi.push(reply.ms);
      fixedServer.push(reply.body.elapsed_ms!);
      fixedRaw.push(answer.ms);
    }
  }
  log(`load average after the warm rounds: ${loadText()}`);

  const ratios = queries.map((_query, index) => median(apiTimes[index]!) / median(rawTimes[index]!));

  // ------------------------------------------------------------------------------------------------
  // Throughput: 16 members at once, next to 16 raw loops

  log(`\nthroughput: ${concurrentUsers} users × the query mix, API and raw DuckDB in turn (API, raw, raw, API), ${throughputSeconds} s each…`);
  // Each user starts queries until the window closes; the ones running then finish. Rate: every answer
  // over the time to the last one (counting only the window's answers would favour the side with fewer
  // queries in flight at its end). Two windows per side, in ABBA order, so a drift in the machine's other
  // load weighs on both.
  const apiLoad = { latencies: [] as number[], rateLimited: 0, errors: [] as string[], seconds: 0 };
  const rawLoad = { latencies: [] as number[], errors: [] as string[], seconds: 0 };
  const apiWindow = async () => {
    const started = performance.now();
    const deadline = started + throughputSeconds * 1000;
    await Promise.all(
      members.map(async (member, user) => {
        for (let step = 0; performance.now() < deadline; step += 1) {
          const query = queries[(user + step) % queries.length]!;
          const reply = await apiQuery(backend, workspaceId, member, query.sql);
          if (reply.status === 429) {
            apiLoad.rateLimited += 1;
            await new Promise((resolve) => setTimeout(resolve, 50));
          } else if (reply.status !== 200 || reply.body.error) {
            apiLoad.errors.push(`${reply.status} ${JSON.stringify(reply.body.error ?? reply.body).slice(0, 300)}`);
          } else {
            apiLoad.latencies.push(reply.ms);
          }
        }
      }),
    );
    apiLoad.seconds += (performance.now() - started) / 1000;
  };
  const rawWindow = async () => {
    const connections = await Promise.all(members.map(() => raw.connect()));
    const started = performance.now();
    const deadline = started + throughputSeconds * 1000;
    await Promise.all(
      connections.map(async (connection, user) => {
        for (let step = 0; performance.now() < deadline; step += 1) {
          const query = queries[(user + step) % queries.length]!;
          try {
            rawLoad.latencies.push((await rawQuery(connection, query.sql)).ms);
          } catch (error) {
            rawLoad.errors.push(String(error).slice(0, 300));
          }
        }
      }),
    );
    rawLoad.seconds += (performance.now() - started) / 1000;
    for (const connection of connections) connection.closeSync();
  };
  await apiWindow();
  await rawWindow();
  await rawWindow();
  await apiWindow();
  log(`load average after the throughput windows: ${loadText()}`);
  const apiQps = apiLoad.latencies.length / apiLoad.seconds;
  const rawQps = rawLoad.latencies.length / rawLoad.seconds;

  await backend.close();

  // ------------------------------------------------------------------------------------------------
  // Cold cache: S3 through the query cache, a fresh backend and cache per query

  log(`\ncold cache: uploading the mirror to s3rver…`);
  const s3 = await startS3TestServer({ bucket: "bench-query" });
  cleanups.push(() => s3.close());
  const s3Store = createObjectStore({
    kind: "s3",
    bucket: s3.bucket,
    region: s3.region,
    endpoint: s3.endpoint,
    forcePathStyle: true,
    accessKeyId: s3.accessKeyId,
    secretAccessKey: s3.secretAccessKey,
  });
  cleanups.push(() => s3Store.close());
  const uploadStarted = performance.now();
  const uploads = placed.flatMap((stream) => [
    ...stream.objectKeys.map((key, index) => () => s3Store.putFile(key, stream.localFiles[index]!)),
    ...stream.manifestKeys.map((key) => () => s3Store.putBytes(key, JSON.stringify(stream.manifest, null, 2), { contentType: "application/json" })),
  ]);
  await runLimited(uploads, 4);
  const uploadSeconds = (performance.now() - uploadStarted) / 1000;
  log(`uploaded ${uploads.length} objects (${mib(mirrorBytes)}) in ${uploadSeconds.toFixed(1)} s`);

  const s3Environment = {
    TRIBUTARY_DATA_DIR: backendData,
    QUERY_THREADS: threads,
    QUERY_MEMORY_LIMIT: memoryLimit,
    S3_BUCKET: s3.bucket,
    S3_ENDPOINT: s3.endpoint,
    S3_REGION: s3.region,
    S3_ACCESS_KEY_ID: s3.accessKeyId,
    S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
  };
  const streamsByName = new Map(placed.map((stream) => [`${stream.spec.source}.${stream.spec.stream}`, stream]));
  const cold: Array<{ coldMs: number; warmMs: number; firstLocalMs: number; floorMs: number; gets: number; heads: number; bytes: number; files: number; namedBytes: number }> = [];
  for (const query of queries) {
    const named = query.reads.map((name) => streamsByName.get(name)!);
    const namedFiles = named.flatMap((stream) => stream.objectKeys);
    const namedBytes = named.reduce((sum, stream) => sum + stream.parts.reduce((total, part) => total + part.bytes, 0), 0);

    // A fresh embedded backend: its first answer pays the new sandbox (views, the uniqueness probe), no download.
    backend = await startBackend(test.databases, localEnvironment);
    const firstLocal = await apiQuery(backend, workspaceId, owner, query.sql);
    if (firstLocal.status !== 200) throw new Error(`embedded first run of "${query.name}": ${firstLocal.status} ${JSON.stringify(firstLocal.body).slice(0, 500)}`);
    await backend.close();

    // The floor: the same objects downloaded, 4 at a time, as the cache downloads them.
    const floorDirectory = join(scratch, "floor");
    mkdirSync(floorDirectory, { recursive: true });
    const floorStarted = performance.now();
    await runLimited(
      namedFiles.map((key, index) => () => s3Store.getToFile(key, join(floorDirectory, `${index}.parquet`))),
      4,
    );
    const floorMs = performance.now() - floorStarted;
    rmSync(floorDirectory, { recursive: true, force: true });

    const cacheDirectory = join(scratch, `query-cache-${cold.length}`);
    backend = await startBackend(test.databases, { ...s3Environment, QUERY_CACHE_DIR: cacheDirectory });
    await s3.resetStats();
    const first = await apiQuery(backend, workspaceId, owner, query.sql);
    if (first.status !== 200 || first.body.error) throw new Error(`cold run of "${query.name}": ${first.status} ${JSON.stringify(first.body).slice(0, 500)}\n${backend.logTail()}`);
    const stats = await s3.stats();
    const bytes = folderBytes(cacheDirectory);
    const warm: number[] = [];
    for (let run = 0; run < coldWarmRuns; run += 1) warm.push((await apiQuery(backend, workspaceId, owner, query.sql)).ms);
    await backend.close();
    rmSync(cacheDirectory, { recursive: true, force: true });
    cold.push({
      coldMs: first.ms,
      warmMs: median(warm),
      firstLocalMs: firstLocal.ms,
      floorMs,
      gets: stats.requests.GetObject ?? 0,
      heads: stats.requests.HeadObject ?? 0,
      bytes,
      files: namedFiles.length,
      namedBytes,
    });
    log(`  ${query.name}: cold ${ms(first.ms)}, warm ${ms(median(warm))}`);
  }

  // ------------------------------------------------------------------------------------------------
  // The figures

  log(`\n### Warm: API next to raw DuckDB (${count(totalRows)} rows; medians of ${runs} runs each, interleaved, after ${warmUpRounds} warm-up rounds)\n`);
  log("| query | rows out | API p50 | (server elapsed_ms p50) | raw DuckDB p50 | API / raw |");
  log("|---|---|---|---|---|---|");
  for (const [index, query] of queries.entries()) {
    log(
      `| ${query.name} | ${resultRows[index]} | ${ms(median(apiTimes[index]!))} | ${ms(median(apiServerTimes[index]!))} | ${ms(median(rawTimes[index]!))} | ${ratios[index]!.toFixed(2)}x |`,
    );
  }
  const overall = median(ratios);
  log(`| **median of the ratios** | | | | | **${overall.toFixed(3)}x** (goal ≤ 1.10x: ${overall <= 1.1 ? "met" : "not met"}) |`);
  log(`| (fixed cost: SELECT 1, reads nothing) | 1 | ${ms(median(fixedApi))} | ${ms(median(fixedServer))} | ${ms(median(fixedRaw))} | |`);
  log(`| sum of the medians | | ${ms(apiTimes.reduce((sum, times) => sum + median(times), 0))} | | ${ms(rawTimes.reduce((sum, times) => sum + median(times), 0))} | ${(apiTimes.reduce((sum, times) => sum + median(times), 0) / rawTimes.reduce((sum, times) => sum + median(times), 0)).toFixed(2)}x |`);

  log(`\n### Cold cache: S3 (s3rver) through an empty QUERY_CACHE_DIR, a fresh backend per query\n`);
  log("| query | datasets read | cold: first answer | warm p50, same S3 backend | warm p50, embedded (above) | first answer, embedded (no download) | download floor (same objects) | GET / HEAD requests | bytes fetched |");
  log("|---|---|---|---|---|---|---|---|---|");
  for (const [index, query] of queries.entries()) {
    const entry = cold[index]!;
    log(
      `| ${query.name} | ${query.reads.join(", ")} (${entry.files} files, ${mib(entry.namedBytes)}) | ${ms(entry.coldMs)} | ${ms(entry.warmMs)} | ${ms(median(apiTimes[index]!))} | ${ms(entry.firstLocalMs)} | ${ms(entry.floorMs)} | ${entry.gets} / ${entry.heads} | ${mib(entry.bytes)} |`,
    );
  }
  log(`(GET requests include the workspace's ${placed.length} manifests, read once per backend process; upload of the mirror to s3rver: ${uploadSeconds.toFixed(1)} s)`);

  log(`\n### Throughput: ${concurrentUsers} concurrent users, 2 windows of ${throughputSeconds} s per side (API, raw, raw, API)\n`);
  log("| side | answers | time (windows + drains) | queries/s | p50 latency | p99 latency | 429s | errors |");
  log("|---|---|---|---|---|---|---|---|");
  log(
    `| API (${concurrentUsers} members; QUERY_CONCURRENCY_PER_WORKSPACE=${limits.concurrencyPerWorkspace}, per user ${limits.concurrencyPerUser}) | ${apiLoad.latencies.length} | ${apiLoad.seconds.toFixed(1)} s | ${apiQps.toFixed(2)} | ${ms(quantile(apiLoad.latencies, 0.5))} | ${ms(quantile(apiLoad.latencies, 0.99))} | ${apiLoad.rateLimited} | ${apiLoad.errors.length} |`,
  );
  log(`| raw DuckDB (${concurrentUsers} connections, one instance) | ${rawLoad.latencies.length} | ${rawLoad.seconds.toFixed(1)} s | ${rawQps.toFixed(2)} | ${ms(quantile(rawLoad.latencies, 0.5))} | ${ms(quantile(rawLoad.latencies, 0.99))} | – | ${rawLoad.errors.length} |`);
  log(`| **API / raw** | | | **${(apiQps / rawQps).toFixed(2)}x** | | | | |`);
  log(`(the workspace runs ${limits.concurrencyPerWorkspace} queries at once and queues up to ${limits.concurrencyPerWorkspace * 4} more; 16 users keep at most 12 waiting)`);
  for (const error of [...new Set(apiLoad.errors)].slice(0, 5)) log(`API error: ${error}`);
  for (const error of [...new Set(rawLoad.errors)].slice(0, 5)) log(`raw error: ${error}`);
  log(`\nload average at the end: ${loadText()} (the bench itself keeps about 2 busy)`);
} catch (error) {
  failed = true;
  console.error(error);
} finally {
  for (const cleanup of cleanups.reverse()) {
    try {
      await cleanup();
    } catch {
      // Best effort: the next clean-up still runs.
    }
  }
  rmSync(scratch, { recursive: true, force: true });
}
if (failed) process.exit(1);

/** Runs the tasks, at most `limit` at once. */
async function runLimited(tasks: Array<() => Promise<unknown>>, limit: number): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, tasks.length) }, async () => {
      while (next < tasks.length) await tasks[next++]!();
    }),
  );
}
