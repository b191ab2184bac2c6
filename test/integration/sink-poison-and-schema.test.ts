import { loadMigrations, migrate } from '@okendo/infra/clickhouse';
import { deadLetterCodec, envelopeCodec, FIXTURES } from '@okendo/schemas';
import { CHILD_KEY_COLUMNS, STATE_META_COLUMNS, TABLE_LAYOUTS } from '@okendo/sink';
import { Partitioners } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { runInfra, titleWithSkipReason } from '../harness/infra.js';
import { kafkaClient, readMessages } from '../harness/kafka.js';
import { uniqueName } from '../harness/names.js';
import { startTestPipeline } from '../harness/pipeline.js';
import { warehouseEngines } from '../harness/warehouses.js';

const infra = runInfra();

describe.skipIf(infra.kafka === undefined || infra.clickhouse === undefined)(
  titleWithSkipReason(
    'sink: an unreadable message goes to the dead letters, a malformed field only to mapping_issues, and the partition keeps flowing',
    infra.unavailable.kafka ?? infra.unavailable.clickhouse,
  ),
  () => {
    it('dead-letters an undecodable message, stores a malformed payload with its issue, and stores what follows them', async () => {
      if (infra.kafka === undefined || infra.clickhouse === undefined) throw new Error('unreachable');
      const pipeline = await startTestPipeline(infra.kafka.brokers, {
        kind: 'server',
        endpoint: infra.clickhouse,
      });
      try {
        const good = FIXTURES.find((f) => f.name === 'review.create');
        if (good === undefined) throw new Error('no fixture');
        const malformed = JSON.parse(good.body);
        malformed.resource.rating = { stars: 'five' };
        // Its own entity (envelope and body agree), on the good event's key: same partition, ahead of it.
        const malformedId = `${good.entityId}-malformed`;
        malformed.resource.reviewId = malformedId;
        const malformedBody = JSON.stringify(malformed);
        const kafka = kafkaClient(infra.kafka.brokers);
        const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
        await producer.connect();
        await producer.send({
          topic: pipeline.ingest.topic('review'),
          messages: [
            { key: good.entityId, value: Buffer.from('not avro at all') },
            {
              key: good.entityId,
              value: envelopeCodec.encode({
                messageId: 'msg_poison',
                senderTimestamp: 1_790_000_000n,
                receivedAtMs: BigInt(Date.now()),
                source: 'default',
                resourceType: 'review',
                topic: 'update',
                sequenceNumber: 1n,
                version: '2025-02-01',
                subscriberId: null,
                entityId: malformedId,
                rawBody: Buffer.from(malformedBody),
              }),
            },
          ],
        });
        await producer.disconnect();
        expect(await pipeline.post(good)).toBe(200);

        const db = pipeline.database;
        await pipeline.waitFor<{ n: string }>(
          `SELECT count() AS n FROM ${db}.reviews_current WHERE review_id = '${good.entityId}'`,
          (rows) => rows[0]?.n === '1',
        );
        // Mapping policy: the malformed field is NULL and named in mapping_issues; the rest of the row is there.
        const [stored] = await pipeline.waitFor<{ rating: number | null; title: string; issues: string[] }>(
          `SELECT rating, title, mapping_issues AS issues FROM ${db}.reviews_current WHERE review_id = '${malformedId}'`,
          (rows) => rows.length === 1,
        );
        expect(stored).toEqual({
          rating: null,
          title: malformed.resource.title,
          issues: ['body.resource.rating: object {"stars":"five"}'],
        });
        const letters = await pipeline.waitFor<{ message_id: string; error: string }>(
          `SELECT message_id, error FROM ${db}.dead_letters FINAL ORDER BY origin_offset`,
          (rows) => rows.length >= 1,
        );
        expect(letters).toHaveLength(1);
        expect(letters[0]?.error).toMatch(/undecodable envelope/);
        const onTopic = await readMessages(kafka, [pipeline.ingest.topic('dead_letter')], 1);
        expect(onTopic.map((m) => deadLetterCodec.decode(m.value).error)).toEqual(
          letters.map((l) => l.error),
        );
        // The malformed event is in the event log too, with its raw payload: a mapping fix can rebuild it.
        const [logged] = await pipeline.sql<{ n: string }>(
          `SELECT count() AS n FROM ${db}.events WHERE message_id = 'msg_poison'`,
        );
        expect(logged?.n).toBe('1');
      } finally {
        await pipeline.stop();
      }
    });
  },
);

const engines = warehouseEngines(infra);

describe.each(engines)('ClickHouse model on $name', ({ name, missing, open }) => {
  it.skipIf(missing !== undefined)(
    titleWithSkipReason('migrates twice, and every table matches the schemas', missing),
    async () => {
      const { warehouse, close } = await open();
      const database = uniqueName('okendo_model');
      try {
        const first = await migrate(warehouse, database);
        const second = await migrate(warehouse, database);
        expect(first.applied.length).toBeGreaterThanOrEqual(6);
        expect(second).toEqual({ applied: [], alreadyApplied: first.applied });

        // A sink killed after an ADD COLUMN migration's ALTER but before it was recorded: the next start
        // finishes the migration instead of failing on "column exists" forever.
        const interrupted = uniqueName('okendo_interrupted');
        try {
          const all = await loadMigrations();
          const addColumns = all.find((m) => m.statements.some((st) => /ADD\s+COLUMN/i.test(st)));
          if (addColumns === undefined) throw new Error('no ADD COLUMN migration to interrupt');
          await migrate(
            warehouse,
            interrupted,
            all.filter((m) => m.version < addColumns.version),
          );
          for (const statement of addColumns.statements)
            await warehouse.command(statement.replaceAll('{database}', interrupted));
          const resumed = await migrate(warehouse, interrupted);
          expect(resumed.applied[0]).toMatch(new RegExp(`^${String(addColumns.version).padStart(3, '0')}_`));
        } finally {
          await warehouse.command(`DROP DATABASE IF EXISTS ${interrupted}`);
        }

        const describeTable = (table: string) =>
          warehouse.query<{ name: string; type: string }>(`DESCRIBE TABLE ${database}.${table}`);
        for (const layout of new Map(Object.values(TABLE_LAYOUTS).map((l) => [l.table, l])).values()) {
          const columns = await describeTable(layout.table);
          const expected = [...layout.columns.map((c) => c.column), ...STATE_META_COLUMNS];
          expect(columns.map((c) => c.name).sort(), `${name} ${layout.table}`).toEqual(expected.sort());
          // A `SELECT *` view may keep the columns it was created with: every column added since shows through.
          const view = await describeTable(`${layout.table}_current`);
          expect(view.map((c) => c.name).sort(), `${name} ${layout.table}_current`).toEqual(expected.sort());
          for (const spec of layout.columns) {
            const type = columns.find((c) => c.name === spec.column)?.type ?? '';
            expect(type.startsWith('Nullable('), `${layout.table}.${spec.column} is ${type}`).toBe(
              spec.nullable,
            );
          }
          for (const child of layout.children) {
            const childColumns = await describeTable(child.table);
            const expectedChild = [
              layout.idColumn,
              ...CHILD_KEY_COLUMNS,
              ...child.columns.map((c) => c.column),
            ];
            expect(childColumns.map((c) => c.name).sort(), `${name} ${child.table}`).toEqual(
              expectedChild.sort(),
            );
          }
        }
      } finally {
        await warehouse.command(`DROP DATABASE IF EXISTS ${database}`);
        await close();
      }
    },
  );
});
