/**
 * The promise to a data team, under faults: every event acknowledged with a 2xx ends up in ClickHouse once, in
 * its latest state, whatever crashed in between. Each scenario owns its broker, server and service processes
 * (see harness/fault-scenario.ts); results feed the reliability report printed at the end of the run.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { stopClickHouseServer, stopKafka } from '@okendo/infra/local';
import { describe, expect, it } from 'vitest';
import { runScenario, type ScenarioDefinition } from '../harness/fault-scenario.js';
import { runInfra, titleWithSkipReason } from '../harness/infra.js';
import { stopService } from '../harness/service-process.js';

const infra = runInfra();
// These scenarios start their own native Kafka and ClickHouse processes: they need the native toolchain.
const missing =
  infra.kafka?.source === 'native' && infra.clickhouse?.source === 'native'
    ? undefined
    : 'needs native Kafka and ClickHouse';

const scenarios: ScenarioDefinition[] = [
  {
    name: 'a. Kafka broker SIGKILL, restart',
    fault: async (ctx, heal) => {
      await stopKafka(ctx.kafka, { kill: true, keepData: true });
      ctx.log('broker killed');
      await sleep(3_000);
      await ctx.restartKafka();
      heal();
    },
  },
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
    name: 'c. sink SIGKILL mid-batch, restart',
    fault: async (ctx, heal) => {
      await stopService(ctx.sinks[0] as never, 'SIGKILL');
      await sleep(2_000);
      await ctx.restartSink(0);
      heal();
    },
  },
  {
    name: 'd. two sinks, one SIGKILL (rebalance)',
    sinks: 2,
    fault: async (ctx, heal) => {
      await stopService(ctx.sinks[1] as never, 'SIGKILL');
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
];

describe.skipIf(missing !== undefined)(titleWithSkipReason('fault scenarios', missing), () => {
  it.each(scenarios)(
    '$name: lost = 0, duplicates = 0, state = ledger',
    async (scenario) => {
      const result = await runScenario(scenario);
      expect(result.acknowledged).toBeGreaterThan(0);
      // The sender retried every delivery until it was acknowledged (as Svix would, for days).
      expect(result.unacknowledged).toBe(0);
      expect({ lost: result.lost, duplicates: result.duplicates, wrongState: result.wrongState }).toEqual({
        lost: 0,
        duplicates: 0,
        wrongState: 0,
      });
      expect(result.stored).toBe(result.acknowledged);
    },
    240_000,
  );
});
