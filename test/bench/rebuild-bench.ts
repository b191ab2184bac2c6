/**
 * Rebuild rate and peak RSS: `tsx --conditions=source test/bench/rebuild-bench.ts -- --events 200000`.
 * Fills the event log of a fresh database on a ClickHouse server (CLICKHOUSE_URL, or one started natively for
 * the run) with traffic-generator events (every resource type, 1-5 versions per entity, some deletes; the
 * events rows the sink itself plans), then runs `npm run rebuild` as its own process under /usr/bin/time -v
 * and prints events/s, rows written and the process's maximum resident set size. Not part of `npm run bench`
 * (filling the log takes longer than the rebuild).
 */
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { migrate } from '@okendo/infra/clickhouse';
import { type LocalClickHouse, startClickHouseServer, stopClickHouseServer } from '@okendo/infra/local';
import { ClickHouseServerWarehouse, planBatch, type RebuildSummary } from '@okendo/sink';
import { consumedDelivery } from '../traffic/consumed-delivery.js';
import { planDeliveries } from '../traffic/planned-deliveries.js';
import { repoRoot } from '../vitest.shared.js';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '200000' },
    'page-size': { type: 'string', default: '5000' },
  },
  allowPositionals: true,
});
const EVENTS = Number(values.events);
const ENTITIES_PER_CHUNK = 5_000;

/** Inserts about `count` events into `events`, in chunks (the generator's memory stays small too). */
async function fillEventLog(warehouse: ClickHouseServerWarehouse, database: string, count: number) {
  let inserted = 0;
  let offset = 0;
  for (let chunk = 0; inserted < count; chunk++) {
    const deliveries = planDeliveries({
      prefix: `bench-${chunk}`,
      entities: ENTITIES_PER_CHUNK,
      maxVersionsPerEntity: 5,
      deleteRatio: 0.1,
      seed: 100 + chunk,
    }).slice(0, count - inserted);
    const now = Date.now();
    const messages = deliveries.map((d) =>
      consumedDelivery(d, offset++, { sentAtMs: now, receivedAtMs: now }),
    );
    const events = planBatch(messages).rows.get('events') ?? [];
    await warehouse.insertJsonEachRow(`${database}.events`, events);
    inserted += events.length;
  }
  return inserted;
}

function timedRebuild(env: Record<string, string>, args: string[]) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(
      '/usr/bin/time',
      [
        '-v',
        process.execPath,
        '--import',
        'tsx',
        '--conditions=source',
        'services/sink/src/cli/rebuild.ts',
        ...args,
      ],
      { cwd: repoRoot, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

const explicitUrl = process.env['CLICKHOUSE_URL'];
const server: LocalClickHouse | undefined =
  explicitUrl === undefined ? await startClickHouseServer() : undefined;
const url = explicitUrl ?? server?.url ?? '';
const warehouse = new ClickHouseServerWarehouse({
  url,
  username: process.env['CLICKHOUSE_USER'] ?? 'default',
  password: process.env['CLICKHOUSE_PASSWORD'] ?? '',
});
const database = `bench_rebuild_${Date.now().toString(36)}`;
try {
  await migrate(warehouse, database);
  const filling = performance.now();
  const inserted = await fillEventLog(warehouse, database, EVENTS);
  console.log(
    `event log: ${inserted} events in ${((performance.now() - filling) / 1_000).toFixed(1)} s (${await warehouse.version()})`,
  );
  const env = {
    CLICKHOUSE_URL: url,
    CLICKHOUSE_USER: process.env['CLICKHOUSE_USER'] ?? 'default',
    CLICKHOUSE_PASSWORD: process.env['CLICKHOUSE_PASSWORD'] ?? '',
    CLICKHOUSE_DATABASE: database,
  };
  for (const args of [['--dry-run'], []]) {
    const run = await timedRebuild(env, ['--json', '--page-size', values['page-size'], ...args]);
    if (run.code !== 0) throw new Error(`rebuild exited ${run.code}: ${run.stderr.slice(-2_000)}`);
    const summary = JSON.parse(run.stdout) as RebuildSummary;
    const rssKb = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(run.stderr)?.[1]);
    const wall = /Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)/.exec(run.stderr)?.[1];
    const rows = Object.values(summary.rowsByTable).reduce((a, b) => a + b, 0);
    console.log(
      `rebuild${summary.dryRun ? ' --dry-run' : ''}: ${summary.eventsRead} events in ${summary.seconds.toFixed(1)} s = ${Math.round(summary.eventsPerSecond)} events/s, ${rows} rows ${summary.dryRun ? 'planned' : 'written'}, peak RSS ${Math.round(rssKb / 1024)} MB (process wall ${wall})`,
    );
  }
  const [state] = await warehouse.query<{ n: string }>(
    `SELECT (SELECT count() FROM ${database}.reviews FINAL) + (SELECT count() FROM ${database}.loyalty_customers FINAL) + (SELECT count() FROM ${database}.loyalty_transactions FINAL) + (SELECT count() FROM ${database}.quiz_responses FINAL) + (SELECT count() FROM ${database}.survey_responses FINAL) AS n`,
  );
  const [entities] = await warehouse.query<{ n: string }>(
    `SELECT uniqExact(entity_id) AS n FROM ${database}.events`,
  );
  console.log(`state rows after the rebuild: ${state?.n} (entities in the log: ${entities?.n})`);
} finally {
  await warehouse.command(`DROP DATABASE IF EXISTS ${database}`).catch(() => undefined);
  await warehouse.close();
  if (server !== undefined) await stopClickHouseServer(server);
}
