/**
 * A synthetic but realistic mirror for the SQL-over-the-mirror bench (bench/query.bench.ts): three data
 * sources (GitHub, Slack, HubSpot), five streams, written by DuckDB as connect writes them (zstd Parquet,
 * row groups of 16,384 rows / 8 MB, the metadata columns `_tributary_seq`, `_tributary_deleted`,
 * `_tributary_version`), with the manifests (`manifests/v000001.json` and `_manifest.json`) that a
 * committed full-refresh run leaves.
 *
 * Generation writes into a staging folder first (the object keys need the workspace's and the data
 * sources' ids, known only once the backend made them); `placeMirror` then hard-links the files into the
 * local store's layout and writes the manifests.
 */
import { randomUUID } from "node:crypto";
import { existsSync, linkSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import {
  dataFileKey,
  manifestFormat,
  manifestKey,
  quoteLiteral,
  streamFolder,
  versionedManifestKey,
  type ManifestColumn,
  type StreamManifest,
} from "@tributary/mirror";

export type SourceName = "github" | "slack" | "hubspot";

export interface StreamSpec {
  source: SourceName;
  stream: string;
  rows: number;
  primaryKey: string[];
  cursorField: string[] | null;
  syncMode: "full_refresh" | "incremental";
  columns: ManifestColumn[];
  /** SELECT of `i` (the row number, `from` ≤ i < `to`) and the stream's columns. */
  select: (from: number, to: number) => string;
}

export interface GeneratedStream {
  spec: StreamSpec;
  /** Staged Parquet files, part order. */
  parts: Array<{ path: string; rows: number; bytes: number }>;
}

export interface GeneratedMirror {
  totalRows: number;
  streams: GeneratedStream[];
}

/** The stream's place in the store once placed: object keys and local paths (same order). */
export interface PlacedStream extends GeneratedStream {
  dataSourceId: string;
  runId: string;
  committedAt: string;
  manifest: StreamManifest;
  objectKeys: string[];
  localFiles: string[];
  /** Manifest objects (the versioned copy and the pointer). */
  manifestKeys: string[];
}

const connectors: Record<SourceName, string> = { github: "github", slack: "slack", hubspot: "hubspot" };
const rowsPerPart = 1_000_000;
const repositories = 200;
const logins = 5_000;
const channels = 300;
/** 2019-01-01T00:00:00Z and the span the data covers (to 2026-11-01). */
const epochStart = 1_546_300_800;
const epochSpan = 1_793_491_200 - epochStart;

const words =
  "the a to of and in is it for on that this with be we as fix bug build test release deploy api server client error crash issue merge branch review docs update version config cache query index table schema user login token auth session timeout retry latency memory leak disk network request response page render button form modal dashboard report chart metric alert log trace span job queue worker schedule cron backup restore migrate upgrade rollback feature flag experiment customer account billing invoice payment plan trial onboarding email notification webhook integration sync import export csv json parquet pipeline stage deal contact company lead meeting call demo sprint roadmap milestone estimate priority blocker regression flaky ci lint typecheck refactor cleanup performance slow fast spike outage incident postmortem on-call pager runbook when after before because still again maybe should could would not only also just please thanks looks good lgtm ship it tomorrow today yesterday week month quarter team design product sales support ticket escalation"
    .split(" ");
const firstNames = "Ada Alan Grace Linus Margaret Ken Barbara Dennis Frances Edsger Radia Guido Anita Bjarne Katherine Tim Hedy John Mary Yukihiro Sophie Leslie Donald Jean Carol".split(" ");
const lastNames = "Lovelace Turing Hopper Torvalds Hamilton Thompson Liskov Ritchie Allen Dijkstra Perlman Rossum Borg Stroustrup Johnson Berners Lamarr McCarthy Keller Matsumoto Wilson Lamport Knuth Sammet Shaw".split(" ");
const timeZones = "America/Los_Angeles America/New_York Europe/London Europe/Berlin Europe/Paris Asia/Tokyo Asia/Kolkata Australia/Sydney America/Sao_Paulo Asia/Singapore Africa/Lagos America/Chicago".split(" ");
const countries = "United States,Germany,United Kingdom,France,India,Japan,Brazil,Canada,Australia,Netherlands,Spain,Italy,Sweden,Singapore,Mexico,Poland,Ireland,Switzerland,South Africa,Nigeria".split(",");
const jobTitles = "Engineer,Senior Engineer,Staff Engineer,Engineering Manager,Product Manager,Designer,Data Analyst,Account Executive,Customer Success Manager,Support Engineer,VP Engineering,CTO,Marketing Manager,Sales Director,Founder".split(",");
const labels = ["bug", "enhancement", "documentation", "question", "p1", "p2", "good first issue", "needs triage", "performance", "security"];
const lifecycle = ["subscriber", "lead", "lead", "lead", "marketingqualifiedlead", "salesqualifiedlead", "opportunity", "customer", "customer", "evangelist", "other"];
const leadStatus = ["NEW", "OPEN", "IN_PROGRESS", "OPEN_DEAL", "UNQUALIFIED", "ATTEMPTED_TO_CONTACT", "CONNECTED", "BAD_TIMING"];

/**
 * Values drawn from lookup tables `lookup_<name>(k, t)` by a hashed key, joined in: text of realistic
 * length and entropy (two entries of a pool of random word sequences, 2^32 combinations per pool, so
 * values barely repeat and compress like unique text), repository and company names. Far cheaper than
 * generating every word of 10M rows, or than indexing a large list per row.
 */
const poolSize = 65_536;
const textPools: Record<string, [number, number]> = { titles: [2, 6], issue_bodies: [5, 60], comment_bodies: [2, 35], message_texts: [1, 18] };

function lookup(alias: string, table: string, key: string, size: number): string {
  return `JOIN lookup_${table} AS ${alias} ON ${alias}.lk = (${key}) % ${size}`;
}

function text(alias: string, pool: string): { joins: string; value: string } {
  return {
    // Two parts of one hash: hash(i, a) and hash(i, b) differ by a constant in their low bits.
    joins: `${lookup(`${alias}1`, pool, `h(i, '${alias}')`, poolSize)} ${lookup(`${alias}2`, pool, `(h(i, '${alias}') >> 24)`, poolSize)}`,
    value: `(${alias}1.lt || ' ' || ${alias}2.lt)`,
  };
}

const list = (values: string[]) => `[${values.map(quoteLiteral).join(", ")}]`;
const col = (name: string, type: ManifestColumn["type"]): ManifestColumn => ({ name, type });

/** How many rows each stream gets out of `total` (about 10M by default: 1.5M issues, 3M comments, 4M messages, 20k users, ~1.5M contacts). */
export function streamSizes(total: number) {
  const users = Math.max(100, Math.round(total * 0.002));
  const issues = Math.max(1000, Math.round(total * 0.15));
  const comments = Math.round(total * 0.3);
  const messages = Math.round(total * 0.4);
  const contacts = Math.max(1000, total - users - issues - comments - messages);
  return { issues, comments, messages, users, contacts };
}

export function streamSpecs(total: number): StreamSpec[] {
  const size = streamSizes(total);
  // Shared expressions: an issue's id and creation time (epoch seconds) from its row number, so comments join.
  const issueId = (k: string) => `(1200000000 + ${k} * 13)`;
  const issueCreated = (k: string) => `(${epochStart} + ${k} * ${epochSpan / size.issues} + h(${k}, 'ic') % 43200)`;
  const slackUserId = (k: string) => `('U0' || upper(lpad(to_hex(24000000000 + ${k} * 7919), 9, '0')))`;
  const login = (k: string) => `('user' || lpad(CAST(${k} AS VARCHAR), 4, '0'))`;
  const pick = (variable: string, key: string, length: number) => `getvariable('${variable}')[1 + (${key}) % ${length}]`;
  // Timestamps are computed in epoch seconds and converted once: TIMESTAMPTZ arithmetic goes through ICU, 10x slower.
  const at = (seconds: string) => `to_timestamp(${seconds})`;
  const title = text("ti", "titles");
  const issueBody = text("ib", "issue_bodies");
  const commentBody = text("cb", "comment_bodies");
  const messageText = text("mt", "message_texts");
  return [
    {
      source: "github",
      stream: "issues",
      rows: size.issues,
      primaryKey: ["id"],
      cursorField: ["updated_at"],
      syncMode: "incremental",
      columns: [
        col("id", "BIGINT"),
        col("number", "BIGINT"),
        col("repository", "VARCHAR"),
        col("title", "VARCHAR"),
        col("body", "VARCHAR"),
        col("state", "VARCHAR"),
        col("state_reason", "VARCHAR"),
        col("author_login", "VARCHAR"),
        col("author_association", "VARCHAR"),
        col("labels", "JSON"),
        col("comments", "BIGINT"),
        col("locked", "BOOLEAN"),
        col("html_url", "VARCHAR"),
        col("created_at", "TIMESTAMPTZ"),
        col("updated_at", "TIMESTAMPTZ"),
        col("closed_at", "TIMESTAMPTZ"),
      ],
      select: (from, to) => `
        SELECT i, id, number, repository, title, body, state,
          CASE WHEN state = 'closed' THEN (CASE WHEN h(i, 'sr') % 10 < 8 THEN 'completed' ELSE 'not_planned' END) END AS state_reason,
          author_login, author_association, labels, comments, locked,
          'https://github.com/' || repository || '/issues/' || number AS html_url,
          ${at("created")} AS created_at,
          ${at("created + h(i, 'up') % (200 * 86400)")} AS updated_at,
          CASE WHEN state = 'closed' THEN ${at("created + 600 + h(i, 'cl') % (90 * 86400) * pow(uni(i, 'cl2'), 3)")} END AS closed_at
        FROM (
          SELECT i, ${issueId("i")} AS id, i // ${repositories} + 1 AS number, 'acme/' || repo.lt AS repository,
            ${title.value} AS title, ${issueBody.value} AS body,
            CASE WHEN h(i, 's') % 100 < 10 + 40 * i / ${size.issues} THEN 'open' ELSE 'closed' END AS state,
            ${login(`CAST(floor(${logins} * pow(uni(i, 'a'), 2)) AS BIGINT)`)} AS author_login,
            ${pick("associations", "h(i, 'as')", 4)} AS author_association,
            CAST(to_json(list_transform(range(h(i, 'ln') % 4), lambda k: getvariable('labels')[1 + h3(i, 'l', k) % ${labels.length}])) AS VARCHAR) AS labels,
            CAST(floor(40 * pow(uni(i, 'c'), 3)) AS BIGINT) AS comments,
            h(i, 'lk') % 50 = 0 AS locked,
            ${issueCreated("i")} AS created
          FROM range(${from}, ${to}) t(i) ${lookup("repo", "repositories", "i", repositories)} ${title.joins} ${issueBody.joins}
        )`,
    },
    {
      source: "github",
      stream: "issue_comments",
      rows: size.comments,
      primaryKey: ["id"],
      cursorField: ["updated_at"],
      syncMode: "incremental",
      columns: [
        col("id", "BIGINT"),
        col("issue_id", "BIGINT"),
        col("repository", "VARCHAR"),
        col("author_login", "VARCHAR"),
        col("author_association", "VARCHAR"),
        col("body", "VARCHAR"),
        col("html_url", "VARCHAR"),
        col("created_at", "TIMESTAMPTZ"),
        col("updated_at", "TIMESTAMPTZ"),
      ],
      select: (from, to) => `
        SELECT i, id, ${issueId("k")} AS issue_id, repository, author_login, author_association, body,
          'https://github.com/' || repository || '/issues/' || (k // ${repositories} + 1) || '#issuecomment-' || id AS html_url,
          ${at("created")} AS created_at,
          ${at(`created + CASE WHEN h(i, 'ed') % 10 = 0 THEN 60 + h(i, 'eu') % 86400 ELSE 0 END`)} AS updated_at
        FROM (
          SELECT i, id, k, 'acme/' || repo.lt AS repository, author_login, author_association, body,
            ${issueCreated("k")} + 60 + h(i, 'ca') % (30 * 86400) * pow(uni(i, 'cb'), 2) AS created
          FROM (
            SELECT i, 1500000000 + i * 3 AS id,
              -- Newer issues get more of the comments.
              CAST(floor(${size.issues} * sqrt(uni(i, 'k'))) AS BIGINT) AS k,
              ${login(`CAST(floor(${logins} * pow(uni(i, 'ma'), 2)) AS BIGINT)`)} AS author_login,
              ${pick("associations", "h(i, 'mas')", 4)} AS author_association,
              ${commentBody.value} AS body
            FROM range(${from}, ${to}) t(i) ${commentBody.joins}
          ) ${lookup("repo", "repositories", "k", repositories)}
        )`,
    },
    {
      source: "slack",
      stream: "users",
      rows: size.users,
      primaryKey: ["id"],
      cursorField: null,
      syncMode: "full_refresh",
      columns: [
        col("id", "VARCHAR"),
        col("team_id", "VARCHAR"),
        col("name", "VARCHAR"),
        col("real_name", "VARCHAR"),
        col("email", "VARCHAR"),
        col("title", "VARCHAR"),
        col("tz", "VARCHAR"),
        col("is_bot", "BOOLEAN"),
        col("is_admin", "BOOLEAN"),
        col("deleted", "BOOLEAN"),
        col("updated", "BIGINT"),
      ],
      select: (from, to) => `
        SELECT i, ${slackUserId("i")} AS id, 'T01ACME0001' AS team_id,
          lower(first) || '.' || lower(last) || i AS name, first || ' ' || last AS real_name,
          lower(first) || '.' || lower(last) || i || '@acme.example' AS email,
          ${pick("titles", "h(i, 'ti')", jobTitles.length)} AS title,
          getvariable('zones')[1 + CAST(floor(${timeZones.length} * pow(uni(i, 'tz'), 1.5)) AS BIGINT)] AS tz,
          h(i, 'bot') % 50 = 0 AS is_bot, h(i, 'adm') % 40 = 0 AS is_admin, h(i, 'del') % 25 = 0 AS deleted,
          ${epochStart} + h(i, 'upd') % ${epochSpan} AS updated
        FROM (SELECT i, ${pick("first", "h(i, 'f')", firstNames.length)} AS first, ${pick("last", "h(i, 'l')", lastNames.length)} AS last FROM range(${from}, ${to}) t(i))`,
    },
    {
      source: "slack",
      stream: "messages",
      rows: size.messages,
      primaryKey: ["channel_id", "ts"],
      cursorField: ["ts"],
      syncMode: "incremental",
      columns: [
        col("channel_id", "VARCHAR"),
        col("ts", "VARCHAR"),
        col("type", "VARCHAR"),
        col("subtype", "VARCHAR"),
        col("user", "VARCHAR"),
        col("text", "VARCHAR"),
        col("thread_ts", "VARCHAR"),
        col("reply_count", "BIGINT"),
        col("reactions", "JSON"),
        col("edited", "BOOLEAN"),
      ],
      select: (from, to) => `
        SELECT i, channel_id, ts, 'message' AS type,
          CASE WHEN h(i, 'st') % 100 = 0 THEN 'channel_join' WHEN h(i, 'st') % 100 < 3 THEN 'bot_message' END AS subtype,
          ${slackUserId(`CAST(floor(${size.users} * pow(uni(i, 'u'), 2.5)) AS BIGINT)`)} AS "user",
          text,
          CASE WHEN h(i, 'th') % 10 = 0 THEN ts END AS thread_ts,
          CASE WHEN h(i, 'th') % 10 = 0 THEN 1 + h(i, 'rc') % 12 ELSE 0 END AS reply_count,
          CASE WHEN h(i, 're') % 7 = 0 THEN '[{"name":"' || ${pick("reactions", "h(i, 'rn')", 6)} || '","count":' || (1 + h(i, 'rk') % 9) || '}]' END AS reactions,
          h(i, 'ed') % 20 = 0 AS edited
        FROM (
          SELECT i, 'C0' || upper(lpad(to_hex(7700000 + CAST(floor(${channels} * pow(uni(i, 'c'), 2)) AS BIGINT) * 104729), 9, '0')) AS channel_id,
            printf('%d.%06d', CAST(floor(${epochStart} + i * ${epochSpan / size.messages}) AS BIGINT), i % 1000000) AS ts,
            ${messageText.value} AS text
          FROM range(${from}, ${to}) t(i) ${messageText.joins}
        )`,
    },
    {
      source: "hubspot",
      stream: "contacts",
      rows: size.contacts,
      primaryKey: ["id"],
      cursorField: ["lastmodifieddate"],
      syncMode: "incremental",
      columns: [
        col("id", "BIGINT"),
        col("email", "VARCHAR"),
        col("firstname", "VARCHAR"),
        col("lastname", "VARCHAR"),
        col("company", "VARCHAR"),
        col("jobtitle", "VARCHAR"),
        col("phone", "VARCHAR"),
        col("country", "VARCHAR"),
        col("lifecyclestage", "VARCHAR"),
        col("hs_lead_status", "VARCHAR"),
        col("annualrevenue", "DOUBLE"),
        col("num_associated_deals", "BIGINT"),
        col("hs_email_optout", "BOOLEAN"),
        col("createdate", "TIMESTAMPTZ"),
        col("lastmodifieddate", "TIMESTAMPTZ"),
      ],
      select: (from, to) => `
        SELECT i, 100001 + i * 2 AS id, lower(first) || '.' || lower(last) || i || '@' || lower(replace(company, ' ', '')) || '.example' AS email,
          first AS firstname, last AS lastname, company,
          ${pick("titles", "h(i, 'ti')", jobTitles.length)} AS jobtitle,
          '+1 555 ' || lpad(CAST(h(i, 'ph') % 10000000 AS VARCHAR), 7, '0') AS phone,
          getvariable('countries')[1 + CAST(floor(${countries.length} * pow(uni(i, 'co'), 2)) AS BIGINT)] AS country,
          stage AS lifecyclestage,
          ${pick("lead", "h(i, 'ls')", leadStatus.length)} AS hs_lead_status,
          CASE WHEN h(i, 'ar') % 3 = 0 THEN NULL ELSE round(10000 * pow(10, 4 * uni(i, 'rv')), 2) END AS annualrevenue,
          CASE WHEN stage IN ('opportunity', 'customer') THEN 1 + h(i, 'nd') % 5 ELSE 0 END AS num_associated_deals,
          h(i, 'oo') % 12 = 0 AS hs_email_optout,
          ${at("created")} AS createdate, ${at("created + h(i, 'lm') % (365 * 86400)")} AS lastmodifieddate
        FROM (
          SELECT i, ${pick("first", "h(i, 'f')", firstNames.length)} AS first, ${pick("last", "h(i, 'l')", lastNames.length)} AS last,
            company.lt AS company,
            ${pick("stages", "h(i, 'lc')", lifecycle.length)} AS stage,
            ${epochStart} + i * ${epochSpan / size.contacts} + h(i, 'cd') % 86400 AS created
          FROM range(${from}, ${to}) t(i) ${lookup("company", "companies", `CAST(floor(5000 * pow(uni(i, 'cp'), 2)) AS BIGINT)`, 5000)}
        )`,
    },
  ];
}

/**
 * Writes every stream's Parquet parts into `staging` (`<source>/<stream>/part-N.parquet`). With
 * `reuse`, parts already there from an earlier run of the same size are kept (a marker file says so).
 */
export async function generateMirror(options: { staging: string; totalRows: number; threads?: number; reuse?: boolean; log?: (line: string) => void }): Promise<GeneratedMirror> {
  const { staging, totalRows } = options;
  const specs = streamSpecs(totalRows);
  const marker = join(staging, "generated.json");
  if (options.reuse && existsSync(marker)) {
    const saved = JSON.parse(readFileSync(marker, "utf8")) as { totalRows: number; streams: Array<{ stream: string; parts: GeneratedStream["parts"] }> };
    if (saved.totalRows === totalRows) {
      return { totalRows, streams: specs.map((spec) => ({ spec, parts: saved.streams.find((stream) => stream.stream === `${spec.source}.${spec.stream}`)!.parts })) };
    }
  }
  const instance = await DuckDBInstance.create(":memory:", { threads: String(options.threads ?? 2), memory_limit: "4GB", preserve_insertion_order: "false" });
  const connection = await instance.connect();
  try {
    await connection.run("SET TimeZone = 'UTC'");
    await connection.run("CREATE MACRO h(a, b) AS CAST(hash(a, b) >> 1 AS BIGINT)");
    await connection.run("CREATE MACRO h3(a, b, k) AS CAST(hash(a, b, k) >> 1 AS BIGINT)");
    await connection.run("CREATE MACRO uni(a, b) AS CAST(hash(a, b) % 1000003 AS DOUBLE) / 1000003");
    const variables: Record<string, string[]> = {
      words,
      first: firstNames,
      last: lastNames,
      zones: timeZones,
      countries,
      titles: jobTitles,
      labels,
      stages: lifecycle,
      lead: leadStatus,
      associations: ["OWNER", "MEMBER", "CONTRIBUTOR", "NONE"],
      reactions: ["thumbsup", "eyes", "tada", "white_check_mark", "heart", "rocket"],
    };
    for (const [name, values] of Object.entries(variables)) await connection.run(`SET VARIABLE ${name} = ${list(values)}`);
    const word = (key: string, salt: string) => `getvariable('words')[1 + CAST(hash(${key}, '${salt}') % ${words.length} AS BIGINT)]`;
    await connection.run(`CREATE TABLE lookup_repositories AS SELECT r AS lk, ${word("r", "r1")} || '-' || ${word("r", "r2")} || '-' || r AS lt FROM range(${repositories}) t(r)`);
    await connection.run(
      `CREATE TABLE lookup_companies AS SELECT c AS lk, upper(w[1]) || w[2:] || ' ' || getvariable('last')[1 + CAST(hash(c, 'c2') % ${lastNames.length} AS BIGINT)] || ' ' || ${list(["Inc", "GmbH", "Ltd", "LLC", "Labs"])}[1 + CAST(hash(c, 'c3') % 5 AS BIGINT)] AS lt FROM (SELECT c, ${word("c", "c1")} AS w FROM range(5000) t(c))`,
    );
    await connection.run(`CREATE MACRO words_text(i, s, lo, hi) AS array_to_string(list_transform(range(lo + h(i, s) % (hi - lo + 1)), lambda k: getvariable('words')[1 + h3(i, s, k) % ${words.length}]), ' ')`);
    for (const [pool, [lo, hi]] of Object.entries(textPools)) {
      await connection.run(`CREATE TABLE lookup_${pool} AS SELECT k AS lk, words_text(k, '${pool}', ${lo}, ${hi}) AS lt FROM range(${poolSize}) t(k)`);
    }

    const streams: GeneratedStream[] = [];
    for (const spec of specs) {
      const started = performance.now();
      const partCount = spec.rows > 10_000 ? Math.max(2, Math.ceil(spec.rows / rowsPerPart)) : 1;
      const parts: GeneratedStream["parts"] = [];
      for (let part = 0; part < partCount; part += 1) {
        const from = Math.floor((spec.rows * part) / partCount);
        const to = Math.floor((spec.rows * (part + 1)) / partCount);
        const path = join(staging, spec.source, spec.stream, `part-${String(part + 1).padStart(5, "0")}.parquet`);
        mkdirSync(dirname(path), { recursive: true });
        // connect's layout: _tributary_seq, _tributary_deleted, the record's columns, _tributary_version.
        const columns = spec.columns.map((column) => (column.type === "JSON" ? `CAST("${column.name}" AS VARCHAR) AS "${column.name}"` : `"${column.name}"`));
        await connection.run(
          [
            `COPY (SELECT CAST(i + 1 AS BIGINT) AS _tributary_seq, false AS _tributary_deleted, ${columns.join(", ")}, CAST(1 AS INTEGER) AS _tributary_version`,
            `FROM (${spec.select(from, to)}))`,
            `TO ${quoteLiteral(path)} (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 16384, ROW_GROUP_SIZE_BYTES '8MB')`,
          ].join("\n"),
        );
        parts.push({ path, rows: to - from, bytes: statSync(path).size });
      }
      streams.push({ spec, parts });
      options.log?.(
        `  ${spec.source}.${spec.stream}: ${spec.rows.toLocaleString("en-US")} rows, ${parts.length} files, ${(parts.reduce((sum, part) => sum + part.bytes, 0) / 1024 ** 2).toFixed(1)} MiB in ${((performance.now() - started) / 1000).toFixed(1)} s`,
      );
    }
    writeFileSync(marker, JSON.stringify({ totalRows, streams: streams.map((stream) => ({ stream: `${stream.spec.source}.${stream.spec.stream}`, parts: stream.parts })) }));
    return { totalRows, streams };
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/**
 * Puts the staged files where the local store keeps a committed snapshot (hard links: no copy) and
 * writes its manifests, version 1 of each stream, one run per data source.
 */
export function placeMirror(mirror: GeneratedMirror, options: { root: string; prefix: string; workspaceId: string; sourceIds: Record<SourceName, string> }): PlacedStream[] {
  const runIds: Record<SourceName, string> = { github: randomUUID(), slack: randomUUID(), hubspot: randomUUID() };
  const committedAt = new Date().toISOString();
  return mirror.streams.map((generated) => {
    const { spec } = generated;
    const location = { prefix: options.prefix, workspaceId: options.workspaceId, connectionId: options.sourceIds[spec.source], stream: spec.stream };
    const folder = streamFolder(location);
    const runId = runIds[spec.source];
    const files = generated.parts.map((part, index) => ({ key: dataFileKey(runId, index + 1), rows: part.rows, bytes: part.bytes, run_id: runId, version: 1 }));
    const objectKeys = files.map((file) => `${folder}${file.key}`);
    const localFiles = objectKeys.map((key) => join(options.root, key));
    generated.parts.forEach((part, index) => {
      mkdirSync(dirname(localFiles[index]!), { recursive: true });
      linkSync(part.path, localFiles[index]!);
    });
    const manifest: StreamManifest = {
      format: manifestFormat,
      connector: connectors[spec.source],
      workspace_id: options.workspaceId,
      connection_id: location.connectionId,
      stream: spec.stream,
      version: 1,
      committed_at: committedAt,
      run_id: runId,
      sync_mode: spec.syncMode,
      primary_key: spec.primaryKey,
      cursor_field: spec.cursorField,
      columns: spec.columns,
      files,
      state: spec.cursorField ? { cursor: committedAt } : {},
      recent_runs: [runId],
    };
    const manifestKeys = [versionedManifestKey(location, 1), manifestKey(location)];
    for (const key of manifestKeys) {
      mkdirSync(dirname(join(options.root, key)), { recursive: true });
      writeFileSync(join(options.root, key), JSON.stringify(manifest, null, 2));
    }
    return { ...generated, dataSourceId: location.connectionId, runId, committedAt, manifest, objectKeys, localFiles, manifestKeys };
  });
}
