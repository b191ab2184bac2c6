/**
 * The promise to a data team, under faults: every event acknowledged with a 2xx ends up in ClickHouse once, in
 * its latest state, whatever crashed in between. Each scenario owns its broker, server and service processes
 * (see harness/fault-scenario.ts); results feed the reliability report printed at the end of the run. A
 * self-test run with the warehouse's dedupe disabled proves the duplicates check can fail.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  PINNED_KAFKA_4_VERSION,
  stopClickHouseServer,
  stopKafka,
  VERIFIED_KAFKA_VERSIONS,
  waitUntil,
} from '@okendo/infra/local';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  runScenario,
  type ScenarioContext,
  type ScenarioDefinition,
  type ScenarioResult,
} from '../harness/fault-scenario.js';
import { titleWithSkipReason } from '../harness/infra.js';
import { nativeToolchainMissing } from '../harness/native-toolchain.js';
import { type ServiceProcess, stopService } from '../harness/service-process.js';
import { plantedPoison } from '../traffic/planned-deliveries.js';
import { POISON_ERROR } from '../traffic/poison-delivery.js';

// Each scenario starts and kills its own native Kafka and ClickHouse, wherever the run's shared ones come from
// (explicit KAFKA_BROKERS / CLICKHOUSE_URL included). Without the native toolchain they cannot run: skipped with
// the reason, or, under REQUIRE_INFRA=1, failed with it.
// Scenario a also runs on Kafka 4.x: every verified version's jars are needed.
const missing = await nativeToolchainMissing(VERIFIED_KAFKA_VERSIONS);
const required = process.env['REQUIRE_INFRA'] === '1';
const skipReason =
  missing === undefined ? undefined : `they kill their own native Kafka and ClickHouse, and ${missing}`;

function sink(ctx: ScenarioContext, index: number): ServiceProcess {
  const process = ctx.sinks[index];
  if (process === undefined) throw new Error(`no sink ${index}`);
  return process;
}

/** The sink's first start carries a failpoint: it SIGKILLs itself there; the restart runs without it. */
function failpointKill(name: string, failpoint: string): ScenarioDefinition {
  return {
    name,
    // Two flushes pass first, so the kill lands mid-traffic with work on both sides of it (this traffic makes
    // only 4 to 8 flushes of about 100 messages on a busy 2-core machine: a larger skip may never fire).
    firstSinkStartEnv: () => ({ SINK_FAILPOINT: failpoint, SINK_FAILPOINT_SKIP: '2' }),
    faultAfterMs: 0,
    fault: async (ctx, heal) => {
      const first = sink(ctx, 0);
      const exit = await Promise.race([first.exited, sleep(30_000, 'still running after 30 s')]);
      ctx.log(`sink exited with ${exit} at failpoint ${failpoint}`);
      if (exit !== 'SIGKILL') throw new Error(`failpoint ${failpoint} did not fire: sink ${exit}`);
      await ctx.restartSink(0);
      heal();
    },
  };
}

/** The broker crash, on the pinned version and again on the verified 4.x one (the version shows in the report). */
function brokerKill(name: string, kafkaVersion?: string): ScenarioDefinition {
  return {
    name,
    ...(kafkaVersion === undefined ? {} : { kafkaVersion }),
    fault: async (ctx, heal) => {
      await stopKafka(ctx.kafka, { kill: true, keepData: true });
      ctx.log('broker killed');
      await sleep(3_000);
      await ctx.restartKafka();
      heal();
    },
  };
}

const scenarios: ScenarioDefinition[] = [
  brokerKill('a. Kafka broker SIGKILL, restart'),
  brokerKill(`a4. Kafka ${PINNED_KAFKA_4_VERSION} broker SIGKILL, restart`, PINNED_KAFKA_4_VERSION),
  {
    name: 'b. ClickHouse server SIGKILL, restart',
    fault: async (ctx, heal) => {
      await stopClickHouseServer(ctx.clickhouse, { kill: true, keepData: true });
      await sleep(3_000);
      await ctx.restartClickHouse();
      heal();
    },
  },
  {
    name: 'c. sink SIGKILL mid-traffic, restart',
    fault: async (ctx, heal) => {
      await stopService(sink(ctx, 0), 'SIGKILL');
      await sleep(2_000);
      await ctx.restartSink(0);
      heal();
    },
  },
  {
    name: 'd. two sinks, one SIGKILL (rebalance)',
    sinks: 2,
    fault: async (ctx, heal) => {
      await stopService(sink(ctx, 1), 'SIGKILL');
      // No restart: the surviving sink takes the partitions once the session times out.
      heal();
    },
  },
  {
    name: 'e. ingest SIGTERM (graceful drain), restart',
    fault: async (ctx, heal) => {
      const exit = await stopService(ctx.ingest, 'SIGTERM');
      ctx.log(`ingest exited with ${exit}`);
      await sleep(2_000);
      await ctx.restartIngest();
      heal();
    },
  },
  failpointKill('f1. sink killed after the state insert (failpoint)', 'after-state-insert'),
  failpointKill('f2. sink killed after the event-log insert (failpoint)', 'after-event-log-insert'),
  failpointKill('f3. sink killed before the offset commit (failpoint)', 'before-commit'),
  {
    name: 'g. poison insert: one row ClickHouse refuses among normal traffic',
    extraDeliveries: (prefix) => [plantedPoison(prefix)],
    fault: async (_ctx, heal) => heal(),
    afterDrain: async (ctx) => {
      // The rest landed (the drain); the sink did not stall: lag back to 0, not paused, flushing again.
      await waitUntil(
        'sink lag back to 0',
        async () => (await ctx.sinkMetric(0, 'sink_consumer_lag_messages')) === 0,
        {
          timeoutMs: 30_000,
          intervalMs: 250,
        },
      );
      const paused = await ctx.sinkMetric(0, 'sink_paused');
      const lastFlush = (await ctx.sinkMetric(0, 'sink_last_flush_success_timestamp_seconds')) ?? 0;
      const [letter] = await ctx.warehouse.query<{ error: string }>(
        `SELECT error FROM ${ctx.database}.dead_letters WHERE message_id LIKE '%-poison-0_0'`,
      );
      if (paused !== 0) throw new Error(`sink_paused is ${paused} after the poison row`);
      if (letter === undefined || !POISON_ERROR.test(letter.error))
        throw new Error('the poison row is not dead-lettered with the ClickHouse error');
      ctx.log(
        `lag 0; last successful flush ${Math.max(0, Date.now() / 1000 - lastFlush).toFixed(1)} s before the check; dead letter with ClickHouse code 25`,
      );
    },
  },
  {
    name: 'h. readiness after a broker blip, with no traffic',
    fault: async (ctx, heal) => {
      await stopKafka(ctx.kafka, { kill: true, keepData: true });
      // Traffic goes on until a publish has failed and the ingest says it is not ready.
      await waitUntil(
        'ingest /readyz 503 after a failed publish',
        async () => (await ctx.ingestReadiness()) === 503,
        {
          timeoutMs: 30_000,
          intervalMs: 100,
        },
      );
      await ctx.gate.pause();
      const attempts = ctx.ledger.attempts;
      await ctx.restartKafka();
      const back = Date.now();
      // Behind a load balancer a not-ready pod gets no webhook: readiness must come back by itself.
      await waitUntil(
        'ingest /readyz 200 with no webhook sent',
        async () => (await ctx.ingestReadiness()) === 200,
        { timeoutMs: 60_000, intervalMs: 200 },
      );
      if (ctx.ledger.attempts !== attempts)
        throw new Error('a webhook was sent while the traffic was paused');
      ctx.log(
        `readyz 200 ${((Date.now() - back) / 1000).toFixed(1)} s after the broker restarted, no webhook sent`,
      );
      heal();
      ctx.gate.resume();
    },
  },
];

const selfTest: ScenarioDefinition = {
  name: 'self-test: warehouse dedupe disabled (events as a plain MergeTree)',
  withoutWarehouseDedupe: true,
  fault: async () => {},
};

function expectPromiseKept(result: ScenarioResult): void {
  expect(result.acknowledged).toBeGreaterThan(0);
  // The sender retried every delivery until it was acknowledged (as Svix would, for days).
  expect(result.unacknowledged).toBe(0);
  expect({
    lost: result.lost,
    duplicates: result.duplicateDetail,
    wrongState: result.wrongState,
    mismatches: result.mismatches,
  }).toEqual({
    lost: 0,
    duplicates: { events: 0, state: 0, children: 0, views: 0 },
    wrongState: 0,
    mismatches: [],
  });
  expect(result.stored + result.deadLettered).toBe(result.acknowledged);
}

describe.skipIf(skipReason !== undefined && !required)(
  titleWithSkipReason('fault scenarios', skipReason),
  () => {
    beforeAll(() => {
      if (skipReason !== undefined)
        throw new Error(`REQUIRE_INFRA=1: the fault scenarios cannot run: ${skipReason}`);
    });

    it.each(scenarios)(
      '$name: lost = 0, duplicates = 0, state = ledger',
      async (scenario) => {
        const result = await runScenario(scenario);
        expectPromiseKept(result);
        if (scenario.extraDeliveries !== undefined) expect(result.deadLettered).toBe(1);
        if (scenario.firstSinkStartEnv !== undefined)
          expect(result.notes.some((n) => n.startsWith('sink exited with SIGKILL'))).toBe(true);
      },
      240_000,
    );

    it(`${selfTest.name}: the report shows duplicates and wrong state`, async () => {
      const result = await runScenario(selfTest);
      expect(result.notes).toContain('events was a plain MergeTree (warehouse dedupe off)');
      // Sender duplicates reach the warehouse (ingest dedupe off); a plain MergeTree keeps them after OPTIMIZE.
      expect(result.duplicateDetail.events).toBeGreaterThan(0);
      expect(result.duplicates).toBeGreaterThan(0);
      // The planted differences: a retitled review and an extra tag row of another.
      expect(result.wrongState).toBe(2);
      expect(result.mismatches.some((m) => m.includes('title ='))).toBe(true);
      expect(result.duplicateDetail.children).toBe(1);
      expect(result.lost).toBe(0);
    }, 240_000);
  },
);
