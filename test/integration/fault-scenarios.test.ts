/**
 * The promise to a data team, under faults: every event acknowledged with a 2xx ends up in ClickHouse once, in
 * its latest state, whatever crashed in between. This file: the broker, the ClickHouse server and the ingest
 * fail (the sink's own faults are in fault-scenarios-sink.test.ts). Each scenario owns its broker, server and
 * service processes (see harness/fault-scenario.ts); results feed the reliability report printed at the end of
 * the run. A self-test run with the warehouse's dedupe disabled proves the duplicates check can fail.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { PINNED_KAFKA_4_VERSION, stopClickHouseServer, stopKafka, waitUntil } from '@okendo/infra/local';
import { expect, it } from 'vitest';
import { runScenario, type ScenarioDefinition } from '../harness/fault-scenario.js';
import { describeFaultScenarios, SCENARIO_TIMEOUT_MS } from '../harness/fault-suite.js';
import { stopService } from '../harness/service-process.js';

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
    name: 'e. ingest SIGTERM (graceful drain), restart',
    fault: async (ctx, heal) => {
      const exit = await stopService(ctx.ingest, 'SIGTERM');
      ctx.log(`ingest exited with ${exit}`);
      await sleep(2_000);
      await ctx.restartIngest();
      heal();
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

await describeFaultScenarios('fault scenarios: broker, server and ingest', scenarios, () => {
  it(
    `${selfTest.name}: the report shows duplicates and wrong state`,
    async () => {
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
    },
    SCENARIO_TIMEOUT_MS,
  );
});
