/**
 * Sink throughput. N realistic events are preloaded into the topics; then the real sink (compiled, its own
 * process) drains them into the ClickHouse server. Baselines in the same run: (i) the ceiling, the same rows
 * inserted straight with @clickhouse/client in 50k-event batches; (ii) the peer, ClickHouse's own Kafka table
 * engine with materialized views filling `events` and `reviews` from a JSON copy of the same events
 * (kafka-engine-peer.ts). Also the sink into chDB. For sizing: CPU per 1,000 events of the sink and of the server,
 * and the bytes each table keeps per event once merged (system.parts).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { migrate } from '@okendo/infra/clickhouse';
import { ensureTopics } from '@okendo/infra/kafka';
import { ClickHouseServerWarehouse, type ConsumedMessage, planBatch, writeRows } from '@okendo/sink';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { buildCorpus, type CorpusMessage } from './event-corpus.js';
import { type PeerFigures, runKafkaEnginePeer } from './kafka-engine-peer.js';
import { cpuMeter, cpuMsPerThousand, rssSampler, spawnCompiled, stopChild, waitForLine } from './measure.js';

export interface SinkFigures {
  events: number;
  ceilingEventsPerSec: number;
  sinkEventsPerSec: number;
  /** rows the sink writes per event, over all tables (the ceiling's plan of the same corpus) */
  sinkRowsPerEvent: number;
  peerEventsPerSec: number | undefined;
  peerRowsPerEvent: number | undefined;
  peerNote?: string;
  chdbEventsPerSec: number | undefined;
  sinkPeakRssMb: number;
  chdbSinkPeakRssMb: number | undefined;
  sinkVsCeiling: number;
  sinkVsPeer: number | undefined;
  /** user + system CPU per 1,000 events: the sink process, and the ClickHouse server while the sink drains */
  sinkCpuMsPer1kEvents: number;
  serverCpuMsPer1kEventsSink: number;
  /** the same for the direct-insert ceiling: this (bench) process doing the sink's plan and insert, the server */
  ceilingCpuMsPer1kEvents: number;
  serverCpuMsPer1kEventsCeiling: number;
  /** per table, after OPTIMIZE ... FINAL: rows and compressed bytes on disk per event written */
  storage: TableStorage[];
}

export interface TableStorage {
  table: string;
  rows: number;
  rowsPerEvent: number;
  compressedBytesPerEvent: number;
  uncompressedBytesPerEvent: number;
}

const asConsumed = (m: CorpusMessage, offset: number): ConsumedMessage => ({
  topic: m.topic,
  topicKey: m.resourceType,
  partition: 0,
  offset: String(offset),
  key: Buffer.from(m.key),
  value: m.value,
  sizeBytes: m.value.length,
});

async function produce(
  kafka: Kafka,
  messages: ReadonlyArray<{ topic: string; key: string; value: Buffer | string }>,
) {
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  // 1,000 messages per request keeps each partition's record batch under the broker's 1 MB message limit.
  for (let i = 0; i < messages.length; i += 1_000) {
    const byTopic = new Map<string, Array<{ key: string; value: Buffer | string }>>();
    for (const m of messages.slice(i, i + 1_000)) {
      const list = byTopic.get(m.topic) ?? [];
      list.push({ key: m.key, value: m.value });
      byTopic.set(m.topic, list);
    }
    await producer.sendBatch({
      topicMessages: [...byTopic].map(([topic, list]) => ({ topic, messages: list })),
      acks: -1,
    });
  }
  await producer.disconnect();
}

/** Drains the preloaded topics with a compiled sink process; returns seconds from its start-up line to done. */
async function drainWithSink(
  brokers: string,
  prefix: string,
  env: Record<string, string>,
  total: number,
  count: (sinkUrl: string) => Promise<number>,
) {
  const child = spawnCompiled('services/sink/dist/server.js', [], {
    KAFKA_BROKERS: brokers,
    KAFKA_TOPIC_PREFIX: prefix,
    SINK_GROUP_ID: `bench-${prefix}`,
    SINK_PORT: '0',
    ...env,
  });
  const rss = rssSampler(child.pid ?? 0);
  const url = await waitForLine(child, /"msg":"sink running","url":"(http:[^"]+)"/, 'sink');
  const cpu = await cpuMeter(child.pid ?? 0);
  const started = performance.now();
  while ((await count(url)) < total) await sleep(250);
  const seconds = (performance.now() - started) / 1_000;
  const cpuSeconds = await cpu.stop();
  const peak = rss.peakMb();
  rss.stop();
  await stopChild(child);
  return { seconds, peakRssMb: peak, cpuSeconds };
}

/** Bytes and rows per event of every table of a database, merged first so each table is at rest. */
async function storagePerEvent(
  warehouse: ClickHouseServerWarehouse,
  database: string,
  events: number,
): Promise<TableStorage[]> {
  const tables = await warehouse.query<{ name: string }>(
    `SELECT name FROM system.tables WHERE database = '${database}' AND engine LIKE '%MergeTree'`,
  );
  for (const { name } of tables) await warehouse.command(`OPTIMIZE TABLE ${database}.${name} FINAL`);
  const parts = await warehouse.query<{ table: string; rows: string; compressed: string; raw: string }>(
    `SELECT table, sum(rows) AS rows, sum(data_compressed_bytes) AS compressed,
       sum(data_uncompressed_bytes) AS raw
     FROM system.parts WHERE database = '${database}' AND active GROUP BY table ORDER BY table`,
  );
  const perEvent = (value: string, digits: number) =>
    Math.round((Number(value) / events) * 10 ** digits) / 10 ** digits;
  return parts
    .filter((part) => Number(part.rows) > 0)
    .map((part) => ({
      table: part.table,
      rows: Number(part.rows),
      rowsPerEvent: perEvent(part.rows, 3),
      compressedBytesPerEvent: perEvent(part.compressed, 1),
      uncompressedBytesPerEvent: perEvent(part.raw, 1),
    }));
}

export async function benchSink(
  brokers: string,
  clickhouse: { url: string; pid: number },
  total: number,
): Promise<SinkFigures> {
  const clickhouseUrl = clickhouse.url;
  const stamp = Date.now().toString(36);
  const kafka = new Kafka({ clientId: 'bench', brokers: brokers.split(','), logLevel: logLevel.WARN });
  const warehouse = new ClickHouseServerWarehouse({ url: clickhouseUrl });
  const corpus = buildCorpus(total, `bench${stamp}.`);
  const rate = (seconds: number) => Math.round(total / seconds);
  try {
    // (i) the ceiling: the sink's own planned rows, inserted directly in large batches.
    const ceilingDb = `bench_ceiling_${stamp}`;
    await migrate(warehouse, ceilingDb);
    const ceilingServerCpu = await cpuMeter(clickhouse.pid);
    const ceilingCpuBefore = process.cpuUsage();
    const started = performance.now();
    let plannedRows = 0;
    for (let i = 0; i < corpus.length; i += 50_000) {
      const plan = planBatch(corpus.slice(i, i + 50_000).map((m, j) => asConsumed(m, i + j)));
      for (const rows of plan.rows.values()) plannedRows += rows.length;
      await writeRows(warehouse, ceilingDb, plan.rows, {
        retry: { initialBackoffMs: 100, maxBackoffMs: 1_000 },
      });
    }
    const ceilingSeconds = (performance.now() - started) / 1_000;
    const ceilingCpu = process.cpuUsage(ceilingCpuBefore);
    const ceilingCpuSeconds = (ceilingCpu.user + ceilingCpu.system) / 1e6;
    const ceilingServerCpuSeconds = await ceilingServerCpu.stop();
    console.log(`  ceiling (direct insert): ${rate(ceilingSeconds)} events/s`);
    await warehouse.command(`DROP DATABASE ${ceilingDb}`);

    // The real sink, into the server.
    const admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, { prefix: `bench${stamp}.` });
    await produce(kafka, corpus);
    const sinkDb = `bench_sink_${stamp}`;
    const sinkServerCpu = await cpuMeter(clickhouse.pid);
    const sink = await drainWithSink(
      brokers,
      `bench${stamp}.`,
      { CLICKHOUSE_URL: clickhouseUrl, CLICKHOUSE_DATABASE: sinkDb },
      total,
      async () => {
        const [row] = await warehouse
          .query<{ n: string }>(`SELECT count() AS n FROM ${sinkDb}.events`)
          .catch(() => [{ n: '0' }]);
        return Number(row?.n);
      },
    );
    // Includes the polling count() queries, a few per second: small beside the inserts.
    const sinkServerCpuSeconds = await sinkServerCpu.stop();
    const [reviews] = await warehouse.query<{ n: string }>(
      `SELECT count() AS n FROM ${sinkDb}.reviews FINAL WHERE is_deleted = 0`,
    );
    const sinkCurrentReviews = Number(reviews?.n ?? 0);
    console.log(`  sink -> server: ${rate(sink.seconds)} events/s, peak RSS ${sink.peakRssMb} MB`);
    const storage = await storagePerEvent(warehouse, sinkDb, total);
    await warehouse.command(`DROP DATABASE ${sinkDb}`);

    // (ii) the peer: Kafka table engine + materialized views into `events` and `reviews` (kafka-engine-peer.ts).
    let peer: PeerFigures | undefined;
    let peerNote: string | undefined;
    const peerDb = `bench_peer_${stamp}`;
    const jsonTopic = `bench${stamp}.json`;
    try {
      await admin.createTopics({ topics: [{ topic: jsonTopic, numPartitions: 6 }], waitForLeaders: true });
      const jsonRows: Array<{ topic: string; key: string; value: string }> = [];
      for (let i = 0; i < corpus.length; i += 50_000) {
        const events =
          planBatch(corpus.slice(i, i + 50_000).map((m, j) => asConsumed(m, i + j))).rows.get('events') ?? [];
        for (const row of events)
          jsonRows.push({ topic: jsonTopic, key: String(row['entity_id']), value: JSON.stringify(row) });
      }
      await produce(kafka, jsonRows);
      peer = await runKafkaEnginePeer({
        warehouse,
        admin,
        brokers,
        database: peerDb,
        jsonTopic,
        consumerGroup: `peer-${stamp}`,
        total,
        reviewEvents: corpus.filter((m) => m.resourceType === 'review').length,
        budgetMs: 180_000,
      });
      peerNote = peer.note;
      if (peer.currentReviews !== undefined && peer.currentReviews !== sinkCurrentReviews)
        peerNote = `the peer ends with ${peer.currentReviews} current reviews, the sink with ${sinkCurrentReviews}`;
      console.log(
        `  peer (Kafka engine + views into events and reviews): ${peer.eventsPerSec} events/s, ${peer.rowsPerEvent} rows per event ${peerNote ?? ''}`,
      );
    } catch (error) {
      peerNote = `Kafka engine peer failed: ${(error as Error).message}`;
      console.log(`  ${peerNote}`);
    } finally {
      await warehouse.command(`DROP DATABASE IF EXISTS ${peerDb}`).catch(() => undefined);
    }
    const peerEventsPerSec = peer?.eventsPerSec;

    // The real sink, into embedded chDB in a data dir of its own, counted through the sink's /sql (chDB is
    // locked by the process that opened it). Its own consumer group reads the same preloaded topics again.
    let chdbEventsPerSec: number | undefined;
    let chdbSinkPeakRssMb: number | undefined;
    const chdbDir = await mkdtemp(join(tmpdir(), 'okendo-bench-chdb-'));
    try {
      const chdb = await drainWithSink(
        brokers,
        `bench${stamp}.`,
        { CHDB_DATA_DIR: chdbDir, SINK_GROUP_ID: `bench-chdb-${stamp}` },
        total,
        async (url) => {
          const response = await fetch(`${url}/sql`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ query: 'SELECT count() AS n FROM okendo.events' }),
          });
          const body = (await response.json()) as { rows?: Array<{ n: string }> };
          return Number(body.rows?.[0]?.n ?? 0);
        },
      );
      chdbEventsPerSec = rate(chdb.seconds);
      chdbSinkPeakRssMb = chdb.peakRssMb;
      console.log(`  sink -> chDB: ${chdbEventsPerSec} events/s, peak RSS ${chdb.peakRssMb} MB`);
    } finally {
      await rm(chdbDir, { recursive: true, force: true });
    }
    await admin.disconnect();

    const sinkEventsPerSec = rate(sink.seconds);
    return {
      events: total,
      ceilingEventsPerSec: rate(ceilingSeconds),
      sinkEventsPerSec,
      sinkRowsPerEvent: Math.round((plannedRows / total) * 100) / 100,
      peerEventsPerSec,
      peerRowsPerEvent: peer?.rowsPerEvent,
      ...(peerNote === undefined ? {} : { peerNote }),
      chdbEventsPerSec,
      sinkPeakRssMb: sink.peakRssMb,
      chdbSinkPeakRssMb,
      sinkVsCeiling: Math.round((sinkEventsPerSec / rate(ceilingSeconds)) * 100) / 100,
      sinkVsPeer:
        peerEventsPerSec === undefined
          ? undefined
          : Math.round((sinkEventsPerSec / peerEventsPerSec) * 100) / 100,
      sinkCpuMsPer1kEvents: cpuMsPerThousand(sink.cpuSeconds, total),
      serverCpuMsPer1kEventsSink: cpuMsPerThousand(sinkServerCpuSeconds, total),
      ceilingCpuMsPer1kEvents: cpuMsPerThousand(ceilingCpuSeconds, total),
      serverCpuMsPer1kEventsCeiling: cpuMsPerThousand(ceilingServerCpuSeconds, total),
      storage,
    };
  } finally {
    await warehouse.close();
  }
}
