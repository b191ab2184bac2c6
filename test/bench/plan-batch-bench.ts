/**
 * planBatch alone (the sink's pure planning step: decode, map, rows), on realistic flushes: the traffic
 * generator's entity lifecycles (every resource type and shape variant, 1-5 versions per entity, some
 * deletes), shuffled, in flushes of 5,000 messages (SINK_MAX_BATCH_MESSAGES' default). Prints events/s and
 * the rows planned per event.
 *
 *   npx tsx --conditions=source test/bench/plan-batch-bench.ts [--entities 6000] [--versions 5] [--rounds 5]
 *     [--plan-batch <module>]
 *
 * `--versions N`: 1 to N versions per entity (1: each entity once per flush, as in steady live traffic).
 *
 * `--plan-batch` loads planBatch from another module (e.g. a copy of an older services/sink/src/batch/
 * plan-batch.ts), so two versions are compared on the same input in the same process conditions.
 */
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { ConsumedMessage, planBatch as PlanBatch } from '@okendo/sink';
import { consumedDelivery } from '../traffic/consumed-delivery.js';
import { planDeliveries, random } from '../traffic/planned-deliveries.js';

const FLUSH = 5_000;

function messages(entities: number, maxVersions: number): ConsumedMessage[] {
  const deliveries = planDeliveries({
    prefix: 'bench',
    entities,
    maxVersionsPerEntity: maxVersions,
    deleteRatio: 0.1,
    seed: 11,
  });
  const next = random(7);
  for (let i = deliveries.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [deliveries[i], deliveries[j]] = [deliveries[j] as never, deliveries[i] as never];
  }
  const now = 1_790_000_000_000;
  return deliveries.map((d, i) => consumedDelivery(d, i, { sentAtMs: now, receivedAtMs: now }));
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      entities: { type: 'string', default: '6000' },
      rounds: { type: 'string', default: '5' },
      versions: { type: 'string', default: '5' },
      'plan-batch': { type: 'string' },
    },
  });
  const module = values['plan-batch'];
  const planBatch: typeof PlanBatch =
    module === undefined
      ? (await import('@okendo/sink')).planBatch
      : (await import(pathToFileURL(module).href)).planBatch;
  const input = messages(Number(values.entities), Number(values.versions));
  const flushes: ConsumedMessage[][] = [];
  for (let i = 0; i < input.length; i += FLUSH) flushes.push(input.slice(i, i + FLUSH));
  // A warm-up round, then the measured ones.
  for (const flush of flushes) planBatch(flush);
  const rounds = Number(values.rounds);
  let rows = 0;
  const started = performance.now();
  for (let r = 0; r < rounds; r++) {
    for (const flush of flushes) {
      for (const list of planBatch(flush).rows.values()) rows += list.length;
    }
  }
  const seconds = (performance.now() - started) / 1_000;
  const events = input.length * rounds;
  console.log(
    `planBatch: ${input.length} events in ${flushes.length} flush(es) x ${rounds} rounds: ${Math.round(events / seconds)} events/s, ${(rows / events).toFixed(2)} rows per event`,
  );
}

await main();
