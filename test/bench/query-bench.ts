/**
 * `npm run bench:queries [-- --events 2100000 --base-entities 17000 --runs 5 --keep]`: how fast an analyst's
 * questions are on a ClickHouse server holding six months of a merchant's events (test/bench/query-dataset.ts:
 * a base written by the sink's own planBatch and writeRows, amplified inside ClickHouse to >= 2 M events).
 *
 * Times the schema README's example queries, its history examples (one review's versions, tier changes in
 * the last 30 days) and its one-entity lookups, each run as `npm run sql` runs it (readonly=1 and the
 * SINK_SQL_* limits), one warm-up then `--runs` times: the median wall time at the client, the server's own
 * duration and the rows it read (system.query_log). Goals: every query under 1 s, one entity's history under
 * 100 ms. The same lookups through the `_current` views (18.16 cannot push their WHERE into FINAL), and the
 * log's with its key in WHERE rather than PREWHERE, are shown for comparison. Uses CLICKHOUSE_URL (and _USER / _PASSWORD) when set, else starts a server natively.
 * Not part of `npm run bench`. Writes output/bench/query-bench.json.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type ClickHouseClient, ClickHouseLogLevel, createClient } from '@clickhouse/client';
import { migrate } from '@okendo/infra/clickhouse';
import { type LocalClickHouse, startClickHouseServer, stopClickHouseServer } from '@okendo/infra/local';
import { ClickHouseServerWarehouse } from '@okendo/sink';
import { repoRoot } from '../vitest.shared.js';
import { percentile } from './measure.js';
import { amplify, loadBase } from './query-dataset.js';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '2100000' },
    'base-entities': { type: 'string', default: '17000' },
    months: { type: 'string', default: '6' },
    runs: { type: 'string', default: '5' },
    keep: { type: 'boolean', default: false },
  },
});
const TARGET_EVENTS = Number(values.events);
const RUNS = Number(values.runs);
const GOAL_MS = 1_000;
const HISTORY_GOAL_MS = 100;

interface BenchQuery {
  name: string;
  sql: string;
  /** undefined: shown for comparison, no goal */
  goalMs: number | undefined;
}

interface Timing {
  name: string;
  goalMs: number | undefined;
  medianMs: number;
  serverMedianMs: number;
  readRows: number;
  readMiB: number;
  resultRows: number;
  met: boolean | undefined;
}

/** The ```sql blocks of one `## ` section of infra/clickhouse/README.md, with the text line before each. */
async function readmeQueries(section: string): Promise<{ title: string; sql: string }[]> {
  const readme = await readFile(join(repoRoot, 'infra', 'clickhouse', 'README.md'), 'utf8');
  const body = readme.split(new RegExp(`^## ${section}\\s*$`, 'm'))[1]?.split(/^## /m)[0] ?? '';
  const queries: { title: string; sql: string }[] = [];
  let textStart = 0;
  for (const match of body.matchAll(/```sql\n([\s\S]*?)```/g)) {
    // the title: the paragraph just before the block
    const paragraphs = body
      .slice(textStart, match.index)
      .trim()
      .split(/\n\s*\n/);
    const title = (paragraphs.at(-1) ?? '').replace(/\s+/g, ' ').replace(/:$/, '');
    queries.push({ title, sql: (match[1] ?? '').trim() });
    textStart = match.index + match[0].length;
  }
  return queries;
}

const short = (text: string, max = 70) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

async function waitForMerges(warehouse: ClickHouseServerWarehouse, database: string): Promise<void> {
  let quiet = 0;
  for (let i = 0; i < 600 && quiet < 3; i++) {
    const [row] = await warehouse.query<{ n: string }>(
      `SELECT count() AS n FROM system.merges WHERE database = '${database}'`,
    );
    quiet = row?.n === '0' ? quiet + 1 : 0;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
}

/** Runs one query as `npm run sql` does (readonly=1, the default SINK_SQL_* limits), logged under an id. */
async function runOnce(
  client: ClickHouseClient,
  sql: string,
): Promise<{ ms: number; id: string; rows: number }> {
  const id = randomUUID();
  const started = performance.now();
  const result = await client.query({
    query: sql,
    format: 'JSONEachRow',
    query_id: id,
    clickhouse_settings: {
      log_queries: 1,
      readonly: '1',
      max_result_rows: '100000',
      max_result_bytes: String(64 * 1_048_576),
      result_overflow_mode: 'throw',
      max_execution_time: 20,
    },
  });
  const rows = await result.json<unknown>();
  return { ms: performance.now() - started, id, rows: rows.length };
}

async function time(client: ClickHouseClient, query: BenchQuery): Promise<Timing> {
  await runOnce(client, query.sql); // warm-up: marks, caches
  const runs = [];
  for (let i = 0; i < RUNS; i++) runs.push(await runOnce(client, query.sql));
  // A query's log entry is written as it finishes, which may be just after its answer arrived: flush again.
  let logged: { ms: string; rows: string; bytes: string }[] = [];
  for (let attempt = 0; attempt < 40 && logged.length < runs.length; attempt++) {
    if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 250));
    await client.command({ query: 'SYSTEM FLUSH LOGS' });
    logged = await (
      await client.query({
        query: `SELECT query_duration_ms AS ms, read_rows AS rows, read_bytes AS bytes FROM system.query_log
                WHERE type = 2 AND query_id IN (${runs.map((r) => `'${r.id}'`).join(', ')})`,
        format: 'JSONEachRow',
      })
    ).json<{ ms: string; rows: string; bytes: string }>();
  }
  const medianMs = percentile(
    runs.map((r) => r.ms),
    50,
  );
  return {
    name: query.name,
    goalMs: query.goalMs,
    medianMs,
    serverMedianMs: percentile(
      logged.map((l) => Number(l.ms)),
      50,
    ),
    readRows: Math.max(0, ...logged.map((l) => Number(l.rows))),
    readMiB: Math.max(0, ...logged.map((l) => Number(l.bytes))) / 1_048_576,
    resultRows: runs[0]?.rows ?? 0,
    met: query.goalMs === undefined ? undefined : medianMs < query.goalMs,
  };
}

/** The review id the README's one-review examples use. */
const PLACEHOLDER_REVIEW = '8b1e4f2a-6c3d-4e9b-a7f0-2d5c8e1b9a64';

async function benchQueries(database: string, reviewId: string, memberId: string): Promise<BenchQuery[]> {
  const inDatabase = (sql: string) =>
    sql.replaceAll('okendo.', `${database}.`).replaceAll(PLACEHOLDER_REVIEW, reviewId);
  const queries: BenchQuery[] = (await readmeQueries('Example queries')).map((q, i) => ({
    name: `example ${i + 1}: ${short(q.title)}`,
    sql: inDatabase(q.sql),
    goalMs: GOAL_MS,
  }));
  for (const q of await readmeQueries('History: versions and changes')) {
    queries.push({
      name: `history: ${short(q.title)}`,
      sql: inDatabase(q.sql),
      goalMs: q.sql.includes(PLACEHOLDER_REVIEW) ? HISTORY_GOAL_MS : GOAL_MS,
    });
  }
  const lookups = await readmeQueries('Sort keys and looking up one entity');
  for (const q of lookups) {
    queries.push({ name: `lookup: ${short(q.title)}`, sql: inDatabase(q.sql), goalMs: HISTORY_GOAL_MS });
  }
  queries.push({
    name: "one member's tier changes: loyalty_tier_changes WHERE loyalty_customer_id",
    sql: `SELECT from_tier, to_tier, changed_at FROM ${database}.loyalty_tier_changes
          WHERE loyalty_customer_id = '${memberId}' ORDER BY sequence_number`,
    goalMs: GOAL_MS,
  });
  // The same lookups through the _current views, to show what 18.16 makes of a WHERE on a FINAL view.
  const review = `'${reviewId}'`;
  queries.push(
    {
      name: "(comparison) one review's current row through reviews_current",
      sql: `SELECT * FROM ${database}.reviews_current WHERE review_id = ${review}`,
      goalMs: undefined,
    },
    {
      name: "(comparison) one review's current tags through review_tags_current",
      sql: `SELECT position, tag FROM ${database}.review_tags_current WHERE review_id = ${review} ORDER BY position`,
      goalMs: undefined,
    },
  );
  const events = lookups.find((q) => /FROM okendo\.events FINAL/.test(q.sql));
  if (events !== undefined) {
    queries.push({
      name: "(comparison) one review's events through events_current",
      sql: inDatabase(events.sql).replace(
        /FROM (\S+)\.events FINAL\s+PREWHERE/,
        'FROM $1.events_current WHERE',
      ),
      goalMs: undefined,
    });
    queries.push({
      name: "(comparison) one review's events from events FINAL with the key in WHERE",
      sql: inDatabase(events.sql).replace(/FINAL\s+PREWHERE/, 'FINAL WHERE'),
      goalMs: undefined,
    });
  }
  return queries;
}

const explicitUrl = process.env['CLICKHOUSE_URL'];
const server: LocalClickHouse | undefined =
  explicitUrl === undefined ? await startClickHouseServer() : undefined;
const endpoint = {
  url: explicitUrl ?? server?.url ?? '',
  username: process.env['CLICKHOUSE_USER'] ?? 'default',
  password: process.env['CLICKHOUSE_PASSWORD'] ?? '',
};
// INSERT ... SELECT of a few hundred thousand rows with payloads takes longer than the sink's 30 s.
const warehouse = new ClickHouseServerWarehouse({ ...endpoint, requestTimeoutMs: 900_000 });
const client = createClient({ ...endpoint, request_timeout: 60_000, log: { level: ClickHouseLogLevel.OFF } });
const database = `bench_queries_${Date.now().toString(36)}`;
try {
  const version = await warehouse.version();
  await migrate(warehouse, database);
  let started = performance.now();
  const base = await loadBase(warehouse, database, {
    entities: Number(values['base-entities']),
    months: Number(values.months),
    seed: 11,
  });
  console.log(
    `base: ${base.events.toLocaleString('en-US')} events through planBatch and writeRows in ${((performance.now() - started) / 1_000).toFixed(1)} s (${base.deadLetters} dead letters)`,
  );
  const copies = Math.max(1, Math.ceil(TARGET_EVENTS / base.events));
  started = performance.now();
  for (let from = 1; from < copies; from += 8)
    await amplify(warehouse, database, from, Math.min(copies, from + 8));
  await waitForMerges(warehouse, database);
  console.log(
    `amplified to ${copies} copies in ${((performance.now() - started) / 1_000).toFixed(1)} s, merges settled`,
  );
  const tables = await warehouse.query<{ table: string; rows: string; parts: string; bytes: string }>(
    `SELECT table, sum(rows) AS rows, count() AS parts, sum(bytes_on_disk) AS bytes
     FROM system.parts WHERE database = '${database}' AND active GROUP BY table ORDER BY table`,
  );
  const [span] = await warehouse.query<{ first: string; last: string; events: string }>(
    `SELECT min(occurred_at) AS first, max(occurred_at) AS last, count() AS events FROM ${database}.events`,
  );
  console.log(
    `events: ${Number(span?.events).toLocaleString('en-US')}, occurred_at ${span?.first} .. ${span?.last}`,
  );
  console.table(
    tables.map((t) => ({
      table: t.table,
      rows: Number(t.rows),
      parts: Number(t.parts),
      MiB: Math.round(Number(t.bytes) / 1_048_576),
    })),
  );

  // A current (not deleted) review with the most versions, in a copy (as any customer's review would be),
  // and a member with tier changes.
  const [review] = await warehouse.query<{ id: string; versions: string }>(
    `SELECT review_id AS id, count() AS versions FROM ${database}.review_versions
     WHERE review_id LIKE '%~7' AND review_id IN (
       SELECT review_id FROM ${database}.reviews FINAL WHERE review_id LIKE '%~7' AND is_deleted = 0
     )
     GROUP BY id ORDER BY versions DESC, id LIMIT 1`,
  );
  const [member] = await warehouse.query<{ id: string }>(
    `SELECT loyalty_customer_id AS id FROM ${database}.loyalty_customer_versions
     WHERE loyalty_customer_id LIKE '%~7' GROUP BY id HAVING uniqExact(ifNull(vip_tier_name, '')) > 1
     ORDER BY id LIMIT 1`,
  );
  if (review === undefined || member === undefined) throw new Error('no review or member to look up');
  console.log(`looked up: review ${review.id} (${review.versions} versions), member ${member.id}`);

  const timings: Timing[] = [];
  for (const query of await benchQueries(database, review.id, member.id)) {
    const timing = await time(client, query);
    timings.push(timing);
    console.log(
      `${timing.met === undefined ? '  -   ' : timing.met ? '  met ' : 'MISSED'} ${timing.medianMs.toFixed(0).padStart(6)} ms (server ${timing.serverMedianMs.toFixed(0).padStart(5)} ms, read ${timing.readRows.toLocaleString('en-US').padStart(10)} rows ${timing.readMiB.toFixed(1).padStart(6)} MiB, ${String(timing.resultRows).padStart(5)} result rows)  goal ${timing.goalMs === undefined ? 'none' : `< ${timing.goalMs} ms`}  ${timing.name}`,
    );
  }
  const missed = timings.filter((t) => t.met === false);
  console.log(
    missed.length === 0
      ? `\nall ${timings.filter((t) => t.met).length} goals met (median of ${RUNS} runs after a warm-up)`
      : `\n${missed.length} goal(s) missed: ${missed.map((t) => t.name).join('; ')}`,
  );
  await mkdir(join(repoRoot, 'output', 'bench'), { recursive: true });
  await writeFile(
    join(repoRoot, 'output', 'bench', 'query-bench.json'),
    `${JSON.stringify(
      {
        machine: { cores: cpus().length, cpu: cpus()[0]?.model, memoryGb: Math.round(totalmem() / 2 ** 30) },
        clickhouse: version,
        events: Number(span?.events),
        copies,
        base,
        tables,
        runs: RUNS,
        timings,
      },
      null,
      2,
    )}\n`,
  );
  if (missed.length > 0) process.exitCode = 1;
} finally {
  if (!values.keep) await warehouse.command(`DROP DATABASE IF EXISTS ${database}`).catch(() => undefined);
  else console.log(`kept database ${database}`);
  await client.close();
  await warehouse.close();
  if (server !== undefined && !values.keep) await stopClickHouseServer(server);
  else if (server !== undefined)
    console.log(`kept server ${server.url} (pid ${server.pid}, dir ${server.dir})`);
}
