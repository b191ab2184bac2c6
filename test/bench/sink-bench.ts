/**
 * Sink throughput: preload N realistic events into the topics, then time the real sink draining them into
 * the warehouse. Baseline in the same run: the ceiling, the same rows (as the sink plans them) inserted
 * directly with @clickhouse/client in large batches.
 *   npx tsx --conditions=source test/bench/sink-bench.ts [--events 100000] [--engines server,chdb]
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { migrate } from '@okendo/infra/clickhouse';
import { ensureTopics } from '@okendo/infra/kafka';
import {
  type LocalClickHouse,
  type LocalKafka,
  startClickHouseServer,
  startKafka,
  stopClickHouseServer,
  stopKafka,
} from '@okendo/infra/local';
import { RESOURCE_TYPES } from '@okendo/schemas';
import { ClickHouseServerWarehouse, loadSinkConfig, planBatch, startSink, writeRows } from '@okendo/sink';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { buildCorpus } from './event-corpus.js';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '100000' },
    engines: { type: 'string', default: 'server,chdb' },
  },
});
const total = Number(values.events);
const engines = (values.engines ?? '').split(',');
const stamp = Date.now().toString(36);

async function preload(brokers: string, prefix: string): Promise<number> {
  const kafka = new Kafka({
    clientId: 'bench-preload',
    brokers: brokers.split(','),
    logLevel: logLevel.WARN,
  });
  const admin = kafka.admin();
  await admin.connect();
  await ensureTopics(admin, { prefix });
  await admin.disconnect();
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const started = performance.now();
  const corpus = buildCorpus(total, prefix);
  for (let i = 0; i < corpus.length; i += 5_000) {
    const slice = corpus.slice(i, i + 5_000);
    const byTopic = new Map<string, Array<{ key: string; value: Buffer }>>();
    for (const m of slice)
      byTopic.set(m.topic, [...(byTopic.get(m.topic) ?? []), { key: m.key, value: m.value }]);
    await producer.sendBatch({
      topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
      acks: -1,
    });
  }
  await producer.disconnect();
  return (performance.now() - started) / 1_000;
}

/** The ceiling: the sink's own planned rows, inserted straight into the server in 50k-row batches. */
async function directInsert(url: string): Promise<number> {
  const warehouse = new ClickHouseServerWarehouse({ url });
  const database = `bench_direct_${stamp}`;
  await migrate(warehouse, database);
  const corpus = buildCorpus(total, 'x.');
  const started = performance.now();
  for (let i = 0; i < corpus.length; i += 50_000) {
    const messages = corpus.slice(i, i + 50_000).map((m, j) => ({
      topic: m.topic,
      topicKey: m.resourceType,
      partition: 0,
      offset: String(i + j),
      key: Buffer.from(m.key),
      value: m.value,
      sizeBytes: m.value.length,
    }));
    await writeRows(warehouse, database, planBatch(messages).rows, {
      retry: { initialBackoffMs: 100, maxBackoffMs: 1_000 },
    });
  }
  const seconds = (performance.now() - started) / 1_000;
  await warehouse.command(`DROP DATABASE ${database}`);
  await warehouse.close();
  return seconds;
}

async function drain(brokers: string, prefix: string, env: Record<string, string>): Promise<number> {
  const sink = await startSink(
    loadSinkConfig({
      KAFKA_BROKERS: brokers,
      KAFKA_TOPIC_PREFIX: prefix,
      SINK_GROUP_ID: `bench-${prefix}`,
      CLICKHOUSE_DATABASE: `bench_${stamp}_${prefix.replace(/\W/g, '')}`,
      SINK_PORT: '0',
      LOG_LEVEL: 'warn',
      ...env,
    }),
  );
  // Timed from here: migrations and topic checks are start-up, not throughput (the group join is included).
  const started = performance.now();
  const counter = sink.metrics.rowsInserted;
  for (;;) {
    const events = (await counter.get()).values.find((v) => v.labels['table'] === 'events')?.value ?? 0;
    if (events >= total) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const seconds = (performance.now() - started) / 1_000;
  const rows = (await counter.get()).values.reduce((sum, v) => sum + v.value, 0);
  console.log(`  ${rows} rows in all tables = ${Math.round(rows / seconds)} rows/s`);
  await sink.stop();
  return seconds;
}

let kafka: LocalKafka | undefined;
let clickhouse: LocalClickHouse | undefined;
const results: Record<string, { seconds: number; eventsPerSecond: number }> = {};
try {
  kafka = process.env['KAFKA_BROKERS'] ? undefined : await startKafka();
  const brokers = process.env['KAFKA_BROKERS'] ?? kafka?.brokers ?? '';
  const record = (name: string, seconds: number) => {
    results[name] = { seconds: Math.round(seconds * 10) / 10, eventsPerSecond: Math.round(total / seconds) };
    console.log(
      `${name}: ${total} events in ${seconds.toFixed(1)} s = ${Math.round(total / seconds)} events/s`,
    );
  };
  if (engines.includes('server')) {
    clickhouse = process.env['CLICKHOUSE_URL'] ? undefined : await startClickHouseServer();
    const url = process.env['CLICKHOUSE_URL'] ?? clickhouse?.url ?? '';
    record('direct insert ceiling (server)', await directInsert(url));
    const prefix = `bs${stamp}.`;
    console.log(`preloaded in ${(await preload(brokers, prefix)).toFixed(1)} s`);
    record('sink -> ClickHouse server', await drain(brokers, prefix, { CLICKHOUSE_URL: url }));
  }
  if (engines.includes('chdb')) {
    const dir = await mkdtemp(join(tmpdir(), 'okendo-bench-chdb-'));
    const prefix = `bc${stamp}.`;
    console.log(`preloaded in ${(await preload(brokers, prefix)).toFixed(1)} s`);
    record('sink -> chDB', await drain(brokers, prefix, { CHDB_DATA_DIR: dir }));
    await rm(dir, { recursive: true, force: true });
  }
  const ceiling = results['direct insert ceiling (server)']?.eventsPerSecond;
  const server = results['sink -> ClickHouse server']?.eventsPerSecond;
  if (ceiling && server)
    console.log(`ratio sink/ceiling (server): ${(server / ceiling).toFixed(2)} (goal >= 0.5)`);
  await mkdir('output/bench', { recursive: true });
  await writeFile(
    'output/bench/sink.json',
    `${JSON.stringify({ machine: { cores: cpus().length, cpu: cpus()[0]?.model }, events: total, resourceTypes: RESOURCE_TYPES.length, results }, null, 2)}\n`,
  );
} finally {
  if (clickhouse) await stopClickHouseServer(clickhouse);
  if (kafka) await stopKafka(kafka);
}
