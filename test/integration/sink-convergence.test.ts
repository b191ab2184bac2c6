/**
 * The sink's correctness argument, tested: any permutation of a stream, with duplicates, split into any
 * batches, converges to the state of applying the stream in sequence order. 100 generated cases per engine
 * run through the sink's reduction (planBatch + writeRows) into a real warehouse; one generated stream also
 * runs through the real stack (signed HTTP -> ingest -> Kafka -> sink).
 */
import { migrate } from '@okendo/infra/clickhouse';
import { planBatch, type Warehouse, writeRows } from '@okendo/sink';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInfra, titleWithSkipReason } from '../harness/infra.js';
import { uniqueName } from '../harness/names.js';
import { startTestPipeline } from '../harness/pipeline.js';
import {
  actualState,
  expectedState,
  type ReviewVersion,
  type StreamEvent,
  toConsumedMessage,
  toEvent,
} from '../harness/review-stream.js';
import { warehouseEngines } from '../harness/warehouses.js';

const infra = runInfra();
const CASES = 100;

/** 1-4 reviews, each with 1-5 versions in increasing sequence order (the first is a create). */
const versionsArbitrary = (casePrefix: string) =>
  fc
    .array(
      fc.array(
        fc.record({
          gap: fc.bigInt({ min: 1n, max: 2n ** 40n }),
          deleted: fc.boolean(),
          rating: fc.integer({ min: 1, max: 5 }),
          status: fc.constantFrom('approved', 'pending', 'rejected'),
          tags: fc.array(fc.constantFrom('serum', 'gift', 'sensitive', 'vegan'), { maxLength: 3 }),
          mediaCount: fc.integer({ min: 0, max: 3 }),
        }),
        { minLength: 1, maxLength: 5 },
      ),
      { minLength: 1, maxLength: 4 },
    )
    .map((entities) =>
      entities.flatMap((versions, e) => {
        // Start near 2^53 so precision loss anywhere would show.
        let sequence = 9_007_199_254_740_000n;
        return versions.map((v, i): ReviewVersion => {
          sequence += v.gap;
          return {
            reviewId: `${casePrefix}-r${e}`,
            sequenceNumber: sequence,
            topic: i === 0 ? 'create' : v.deleted ? 'delete' : 'update',
            rating: v.rating,
            status: v.status,
            tags: v.tags,
            mediaCount: v.mediaCount,
          };
        });
      }),
    );

/** A shuffled delivery of the stream with redeliveries, cut into batches. */
const deliveryArbitrary = (events: readonly StreamEvent[]) =>
  fc
    .record({
      order: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), {
        minLength: events.length,
        maxLength: events.length,
      }),
      duplicates: fc.array(fc.nat({ max: Math.max(0, events.length - 1) }), { maxLength: 4 }),
      cuts: fc.array(fc.nat({ max: events.length + 4 }), { maxLength: 3 }),
    })
    .map(({ order, duplicates, cuts }) => {
      const shuffled = events
        .map((event, i) => ({ event, key: order[i] ?? 0 }))
        .sort((a, b) => a.key - b.key)
        .map(({ event }) => event);
      const delivered = [...shuffled];
      for (const index of duplicates) {
        const event = events[index];
        if (event !== undefined) delivered.splice(index % (delivered.length + 1), 0, event);
      }
      const boundaries = [...new Set(cuts.filter((c) => c > 0 && c < delivered.length))].sort(
        (a, b) => a - b,
      );
      const batches: StreamEvent[][] = [];
      let start = 0;
      for (const end of [...boundaries, delivered.length]) {
        batches.push(delivered.slice(start, end));
        start = end;
      }
      return batches;
    });

const engines = warehouseEngines(infra);

describe.each(engines)('convergence through the sink reduction into $name', ({ name, missing, open }) => {
  describe.skipIf(missing !== undefined)(titleWithSkipReason(name, missing), () => {
    let warehouse: Warehouse;
    let cleanup: () => Promise<void>;
    const database = uniqueName('okendo_prop');

    beforeAll(async () => {
      ({ warehouse, close: cleanup } = await open());
      await migrate(warehouse, database);
    });

    afterAll(async () => {
      await warehouse?.command(`DROP DATABASE IF EXISTS ${database}`);
      await cleanup?.();
    });

    it(`${CASES} shuffled, duplicated, re-batched streams converge to the in-order state`, async () => {
      let caseNumber = 0;
      await fc.assert(
        fc.asyncProperty(
          versionsArbitrary('x').chain((versions) => {
            const events = versions.map(toEvent);
            return deliveryArbitrary(events).map((batches) => ({ versions, batches }));
          }),
          async ({ versions, batches }) => {
            // Every case gets its own entity ids in the shared database.
            const prefix = `c${caseNumber++}-${Date.now().toString(36)}`;
            const rename = (id: string) => id.replace(/^x/, prefix);
            const renamed = versions.map((v) => ({ ...v, reviewId: rename(v.reviewId) }));
            let offset = 0;
            for (const batch of batches) {
              const messages = batch.map((e) =>
                toConsumedMessage(toEvent({ ...e.version, reviewId: rename(e.version.reviewId) }), offset++),
              );
              const plan = planBatch(messages);
              expect(plan.deadLetters).toEqual([]);
              await writeRows(warehouse, database, plan.rows, {
                retry: { initialBackoffMs: 50, maxBackoffMs: 500 },
              });
            }
            const actual = await actualState((sql) => warehouse.query(sql), database, `${prefix}-`);
            expect(actual).toEqual(expectedState(renamed));
          },
        ),
        { numRuns: CASES },
      );
    });
  });
});

describe.skipIf(infra.kafka === undefined || infra.clickhouse === undefined)(
  titleWithSkipReason(
    'convergence through the real stack',
    infra.unavailable.kafka ?? infra.unavailable.clickhouse,
  ),
  () => {
    it('a shuffled, duplicated stream posted to the ingest ends in the in-order state', async () => {
      const [sample] = fc.sample(
        versionsArbitrary(uniqueName('stack')).chain((versions) =>
          deliveryArbitrary(versions.map(toEvent)).map((batches) => ({ versions, batches })),
        ),
        { numRuns: 1, seed: 20261122 },
      );
      if (sample === undefined || infra.kafka === undefined || infra.clickhouse === undefined)
        throw new Error('no sample');
      const pipeline = await startTestPipeline(infra.kafka.brokers, {
        kind: 'server',
        endpoint: infra.clickhouse,
      });
      try {
        const delivered = sample.batches.flat();
        for (const event of delivered) expect(await pipeline.post(event, event.messageId)).toBe(200);
        const distinct = new Set(delivered.map((e) => e.messageId)).size;
        await pipeline.waitFor<{ n: string }>(
          `SELECT count() AS n FROM ${pipeline.database}.events_current`,
          (rows) => rows[0]?.n === String(distinct),
        );
        const prefix = sample.versions[0]?.reviewId.replace(/-r\d+$/, '') ?? '';
        const actual = await actualState(pipeline.sql, pipeline.database, `${prefix}-`);
        expect(actual).toEqual(expectedState(sample.versions));
      } finally {
        await pipeline.stop();
      }
    });
  },
);
