/**
 * The promise to a data team, under faults of the sink: every event acknowledged with a 2xx ends up in
 * ClickHouse once, in its latest state, whether the sink is killed between its writes, loses a group member or
 * meets a row ClickHouse refuses. The broker, server and ingest faults are in fault-scenarios.test.ts; both
 * files run their scenarios through harness/fault-scenario.ts and feed the same reliability report.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { waitUntil } from '@okendo/infra/local';
import type { ScenarioContext, ScenarioDefinition } from '../harness/fault-scenario.js';
import { describeFaultScenarios } from '../harness/fault-suite.js';
import { type ServiceProcess, stopService } from '../harness/service-process.js';
import { plantedPoison } from '../traffic/planned-deliveries.js';
import { POISON_ERROR } from '../traffic/poison-delivery.js';

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

const scenarios: ScenarioDefinition[] = [
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
];

await describeFaultScenarios('fault scenarios: the sink', scenarios);
