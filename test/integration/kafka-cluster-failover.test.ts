/**
 * Kafka beyond one node: a 3-broker KRaft cluster (infra/local/kafka-cluster.ts), started once and shared by
 * this file's tests. Topics, and Kafka's own offsets and transactions topics, get 3 copies and
 * min.insync.replicas 2 from the durability derived from the cluster. Then the pipeline runs under the traffic
 * generator's signed deliveries while the leader of the busiest partition is SIGKILLed, left dead, and
 * restarted: every acknowledged event must land once (harness/fault-scenario.ts checks the warehouse against the
 * ledger). The longest stretch without a 2xx answer around the kill is measured and reported, not asserted:
 * timings on a shared 2-core machine are noise.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { describeTopicConfig, ensureTopics } from '@okendo/infra/kafka';
import {
  activeControllerId,
  type LocalKafkaCluster,
  liveBrokerIds,
  partitionLeader,
  restartKafkaNode,
  startKafkaCluster,
  stopKafkaCluster,
  stopKafkaNode,
  waitUntil,
} from '@okendo/infra/local';
import { type Admin, Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runScenario } from '../harness/fault-scenario.js';
import { expectPromiseKept } from '../harness/fault-suite.js';
import { titleWithSkipReason } from '../harness/infra.js';
import { uniqueName } from '../harness/names.js';
import { nativeToolchainMissing } from '../harness/native-toolchain.js';
import type { DeliveryLedger } from '../traffic/delivery-ledger.js';

// Like the fault scenarios, it starts and kills its own native processes: without the toolchain it skips with
// the reason, or, under REQUIRE_INFRA=1, fails with it.
const missing = await nativeToolchainMissing();
const required = process.env['REQUIRE_INFRA'] === '1';
const skipReason =
  missing === undefined ? undefined : `it starts a native 3-broker Kafka and ClickHouse, and ${missing}`;

const BROKERS = 3;
/** How long the killed leader stays dead before its restart. */
const DEAD_FOR_MS = 8_000;
/**
 * The ingest's producer (services/ingest/.../kafka-publisher.ts) retries a failed batch 5 times with 100 ms to
 * 1 s of backoff (about 2.5 s in all), each attempt waiting up to 1.5 s (half of the scenario's 3 s
 * INGEST_PUBLISH_TIMEOUT_MS): about 6 x 1.5 + 2.5 = 11.5 s before it gives the batch up.
 */
const PRODUCER_RETRY_WINDOW_S = 11.5;

/**
 * Replicas and in-sync replicas of every partition of `topics`. A broker may not know a topic created a moment
 * ago (KRaft spreads metadata asynchronously): a retriable refusal is asked again, for up to 10 s.
 */
async function partitionsOf(admin: Admin, topics: readonly string[]) {
  for (let attempt = 1; ; attempt++) {
    try {
      const metadata = await admin.fetchTopicMetadata({ topics: [...topics] });
      return metadata.topics.flatMap((t) =>
        t.partitions.map((p) => ({
          topic: t.name,
          partition: p.partitionId,
          replicas: p.replicas,
          isr: p.isr,
        })),
      );
    } catch (error) {
      if ((error as { retriable?: boolean }).retriable !== true || attempt >= 50) throw error;
      await sleep(200);
    }
  }
}

/** The partition with the most messages so far among `topics`: the busiest one of the traffic. */
async function busiestPartition(admin: Admin, topics: readonly string[]) {
  let busiest = { topic: '', partition: -1, messages: -1 };
  for (const topic of topics) {
    for (const { partition, high } of await admin.fetchTopicOffsets(topic)) {
      if (Number(high) > busiest.messages) busiest = { topic, partition, messages: Number(high) };
    }
  }
  if (busiest.partition < 0) throw new Error('no partition of the pipeline topics to pick');
  return busiest;
}

/**
 * Watches the ledger's 2xx count every 20 ms and keeps when it rose, so the longest stretch without a 2xx
 * answer can be measured afterwards (the traffic sends 60 a second, so a steady pipeline has no stretch
 * longer than a few tens of ms).
 */
function watchAcknowledgements(ledger: DeliveryLedger) {
  const twoHundreds = () =>
    [...ledger.answers].filter(([status]) => status.startsWith('2')).reduce((sum, [, n]) => sum + n, 0);
  const risesAt: number[] = [Date.now()];
  let last = twoHundreds();
  const timer = setInterval(() => {
    const now = twoHundreds();
    if (now > last) risesAt.push(Date.now());
    last = now;
  }, 20);
  return {
    stop: () => clearInterval(timer),
    /** The longest stretch between two 2xx answers that spans `from` (the kill) or starts after it, up to `until`. */
    longestGapMs: (from: number, until: number) => {
      let longest = 0;
      for (let i = 1; i < risesAt.length; i++) {
        const start = risesAt[i - 1] ?? 0;
        const end = risesAt[i] ?? 0;
        if (end > from && start < until) longest = Math.max(longest, end - start);
      }
      return longest;
    },
  };
}

describe.skipIf(skipReason !== undefined && !required)(
  titleWithSkipReason(`Kafka ${BROKERS}-broker cluster`, skipReason),
  () => {
    let cluster: LocalKafkaCluster;
    let kafka: Kafka;
    let admin: Admin;

    beforeAll(async () => {
      if (skipReason !== undefined)
        throw new Error(`REQUIRE_INFRA=1: the Kafka cluster tests cannot run: ${skipReason}`);
      cluster = await startKafkaCluster({ nodes: BROKERS });
      console.log(
        `[kafka cluster] Kafka ${cluster.version}: ${BROKERS} brokers (pids ${cluster.nodes.map((n) => n.pid).join(', ')}) ready in ${cluster.startupMs} ms`,
      );
      // Quiet: the internal topics are created on first use, and kafkajs logs each retriable "coordinator not
      // available" meanwhile. A real failure still fails the test.
      kafka = new Kafka({
        clientId: uniqueName('cluster'),
        brokers: cluster.brokers.split(','),
        logLevel: logLevel.NOTHING,
      });
      admin = kafka.admin();
      await admin.connect();
    });

    afterAll(async () => {
      await admin?.disconnect();
      if (cluster !== undefined) await stopKafkaCluster(cluster, { kill: true });
    });

    it('topics get 3 copies and min.insync.replicas 2, and so do the offsets and transactions topics', async () => {
      const prefix = `${uniqueName('cluster')}.`;
      const report = await ensureTopics(admin, { prefix });
      try {
        expect(report.durability).toEqual({ brokers: BROKERS, replicationFactor: 3, minInsyncReplicas: 2 });
        for (const p of await partitionsOf(admin, report.created)) {
          expect(p.replicas).toHaveLength(3);
          expect(p.isr).toHaveLength(3);
        }
        const minIsr = await describeTopicConfig(admin, report.created, 'min.insync.replicas');
        expect(new Set(minIsr.values.values())).toEqual(new Set(['2']));
        expect(minIsr.values.size).toBe(report.created.length);

        // Kafka creates its internal topics on first use: a group's offsets, a transaction.
        const [first] = report.created;
        if (first === undefined) throw new Error('ensureTopics created no topic');
        await admin.setOffsets({
          groupId: uniqueName('group'),
          topic: first,
          partitions: [{ partition: 0, offset: '0' }],
        });
        const producer = kafka.producer({
          transactionalId: uniqueName('tx'),
          idempotent: true,
          maxInFlightRequests: 1,
        });
        await producer.connect();
        const transaction = await producer.transaction();
        await transaction.send({ topic: first, messages: [{ key: 'k', value: 'v' }] });
        await transaction.commit();
        await producer.disconnect();

        const internal = ['__consumer_offsets', '__transaction_state'];
        for (const p of await partitionsOf(admin, internal)) expect(p.replicas).toHaveLength(3);
        const internalMinIsr = await describeTopicConfig(admin, internal, 'min.insync.replicas');
        expect(Object.fromEntries(internalMinIsr.values)).toEqual({
          __consumer_offsets: '2',
          __transaction_state: '2',
        });
      } finally {
        await admin.deleteTopics({ topics: report.created });
      }
    });

    it('SIGKILL of the busiest partition leader mid-traffic, restart: lost 0, duplicates 0, state = ledger', async () => {
      const before = new Set(await admin.listTopics());
      const scenarioTopics = async () =>
        (await admin.listTopics()).filter((t) => !before.has(t) && !t.startsWith('__'));
      let watch: ReturnType<typeof watchAcknowledgements> | undefined;
      let killedAt = 0;
      let restartedAt = 0;
      let gapSeconds = Number.NaN;

      const scenario = runScenario({
        name: `k. Kafka ${cluster.version} ${BROKERS}-broker cluster: partition leader SIGKILL, restart`,
        externalKafka: { brokers: cluster.brokers, label: `Kafka ${cluster.version}, ${BROKERS} brokers` },
        faultAfterMs: 1_500,
        fault: async (ctx, heal) => {
          watch = watchAcknowledgements(ctx.ledger);
          const topics = await scenarioTopics();
          const busiest = await busiestPartition(admin, topics);
          const leader = await partitionLeader(cluster, busiest.topic, busiest.partition);
          // Killing the active controller too adds a controller election before the fencing.
          const controller = await activeControllerId(cluster);
          killedAt = Date.now();
          await stopKafkaNode(cluster, leader.nodeId, { kill: true });
          ctx.log(
            `SIGKILL node ${leader.nodeId}, leader of ${busiest.topic.slice(busiest.topic.indexOf('.') + 1)}/${busiest.partition} (${busiest.messages} messages)${controller === leader.nodeId ? ' and the active controller' : `; the active controller is node ${controller ?? '?'}`}`,
          );
          // The controller fences the dead broker once its heartbeats stop for broker.session.timeout.ms; only
          // then do its partitions get new leaders. Measured, to tell the gap's parts apart.
          await waitUntil(
            `node ${leader.nodeId} fenced`,
            async () => !(await liveBrokerIds(cluster.brokers)).includes(leader.nodeId),
            { timeoutMs: 30_000, intervalMs: 200 },
          );
          ctx.log(`fenced by the controller ${((Date.now() - killedAt) / 1000).toFixed(1)} s after the kill`);
          await sleep(Math.max(0, killedAt + DEAD_FOR_MS - Date.now()));
          await restartKafkaNode(cluster, leader.nodeId);
          restartedAt = Date.now();
          heal();
        },
        afterDrain: async (ctx) => {
          watch?.stop();
          gapSeconds = Math.round((watch?.longestGapMs(killedAt, restartedAt) ?? 0) / 100) / 10;
          ctx.log(
            `longest stretch without a 2xx around the kill: ${gapSeconds} s (producer retry window about ${PRODUCER_RETRY_WINDOW_S} s)`,
          );
          // The restarted broker catches up: every partition has its 3 copies in sync again.
          const topics = await scenarioTopics();
          await waitUntil(
            'every partition back to 3 in-sync replicas',
            async () => (await partitionsOf(admin, topics)).every((p) => p.isr.length === BROKERS),
            { timeoutMs: 60_000, intervalMs: 500 },
          );
          ctx.log(
            `every partition 3 in sync again (checked after the drain, ${((Date.now() - restartedAt) / 1000).toFixed(1)} s after the restart)`,
          );
        },
      });
      // Stopped in afterDrain; also when the scenario throws before it.
      const result = await scenario.finally(() => watch?.stop());
      console.log(
        `[kafka cluster] ${result.scenario}: gap without a 2xx ${gapSeconds} s, lost ${result.lost}, duplicates ${result.duplicates}, acknowledged ${result.acknowledged}; ${result.notes.join('; ')}`,
      );

      expectPromiseKept(result);
      expect(result.deadLettered).toBe(0);
      // The kill landed mid-traffic: some requests were refused while the partitions had no leader.
      expect(Object.keys(result.answers).some((status) => !status.startsWith('2'))).toBe(true);
      expect(Number.isFinite(gapSeconds)).toBe(true);
    }, 240_000);
  },
);
