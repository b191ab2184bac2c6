/**
 * One-entity lookups (infra/clickhouse/README.md, "Sort keys and looking up one entity"): the README's table of
 * engines, sort keys and partition keys is the migrated schema's, on both engines; its lookup queries give the
 * rows the `_current` views give for that entity (the newest version, not a deleted one, each message once),
 * and on the 18.16 server they read a range of the table, not the table (rows read from system.query_log),
 * where the same lookup through the view reads every row.
 */

import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ClickHouseLogLevel, createClient } from '@clickhouse/client';
import { migrate } from '@okendo/infra/clickhouse';
import { ClickHouseServerWarehouse, type Warehouse } from '@okendo/sink';
import { describe, expect, it } from 'vitest';
import { runInfra, titleWithSkipReason } from '../harness/infra.js';
import { uniqueName } from '../harness/names.js';
import { warehouseEngines } from '../harness/warehouses.js';
import { repoRoot } from '../vitest.shared.js';

const infra = runInfra();
const SECTION = 'Sort keys and looking up one entity';
const PLACEHOLDER = '8b1e4f2a-6c3d-4e9b-a7f0-2d5c8e1b9a64';
const ROWS = 100_000;

async function readmeSection(): Promise<string> {
  const readme = await readFile(join(repoRoot, 'infra', 'clickhouse', 'README.md'), 'utf8');
  return readme.split(new RegExp(`^## ${SECTION}\\s*$`, 'm'))[1]?.split(/^## /m)[0] ?? '';
}

interface KeyRow {
  engine: string;
  sortKey: string;
  partitionKey: string;
}

/** The README's table: `| \`name\` | \`engine\` | \`sort key\` | \`partition\` or empty | ... |`. */
function documentedKeys(section: string): Record<string, KeyRow> {
  const keys: Record<string, KeyRow> = {};
  for (const line of section.split('\n')) {
    const cells = line.split('|').map((cell) => cell.trim().replace(/^`|`$/g, ''));
    const [, name, engine, sortKey, partitionKey] = cells;
    if (name === undefined || !/^[a-z_]+$/.test(name) || engine === undefined || !/MergeTree/.test(engine)) {
      continue;
    }
    keys[name] = { engine, sortKey: sortKey ?? '', partitionKey: partitionKey ?? '' };
  }
  return keys;
}

/** engine_full up to its first clause, with `()` when the engine takes no parameter. */
function engineOf(engineFull: string): string {
  const engine = engineFull.split(/ (?:PARTITION BY|ORDER BY|PRIMARY KEY|SAMPLE BY|SETTINGS) /)[0] ?? '';
  return engine.includes('(') ? engine : `${engine}()`;
}

async function fill(warehouse: Warehouse, database: string): Promise<void> {
  const review = (id: string, sequence: number, rating: number, deleted = 0) =>
    `('${id}', ${sequence}, ${deleted}, '${deleted ? 'delete' : 'update'}', 'm-${id}-${sequence}', 'default', ${rating}, 'approved')`;
  const reviewColumns =
    '(review_id, sequence_number, is_deleted, event_topic, message_id, source, rating, status)';
  await warehouse.command(
    `INSERT INTO ${database}.reviews ${reviewColumns}
     SELECT concat('r-', toString(number)), 1, 0, 'create', concat('m-', toString(number)), 'default',
       toInt32(number % 5 + 1), 'approved'
     FROM system.numbers LIMIT ${ROWS}`,
  );
  await warehouse.command(
    `INSERT INTO ${database}.review_tags (review_id, sequence_number, position, tag)
     SELECT concat('r-', toString(number)), 1, 0, 'filler' FROM system.numbers LIMIT ${ROWS}`,
  );
  await warehouse.command(
    `INSERT INTO ${database}.events (message_id, source, resource_type, event_topic, entity_id, sequence_number,
       payload_version, sender_timestamp, received_at, received_at_ms, kafka_topic, kafka_partition, kafka_offset,
       payload)
     SELECT concat('m-', toString(number)), 'default',
       arrayElement(['review', 'loyalty_customer', 'survey_response'], number % 3 + 1), 'create',
       concat('r-', toString(number)), 1, '2025-02-01', toDateTime(1735689600, 'UTC'),
       toDateTime(1735689600, 'UTC'), 1735689600000, 'okendo.review', 0, number, '{"resource":{"rating":3}}'
     FROM system.numbers LIMIT ${ROWS}`,
  );
  // Each version in its own insert (its own part), so only FINAL or a merge can pick the newest.
  for (const row of [review('r-target', 1, 2), review('r-target', 2, 5), review('r-gone', 1, 4)]) {
    await warehouse.command(`INSERT INTO ${database}.reviews ${reviewColumns} VALUES ${row}`);
  }
  await warehouse.command(
    `INSERT INTO ${database}.reviews ${reviewColumns} VALUES ${review('r-gone', 2, 0, 1)}`,
  );
  await warehouse.command(
    `INSERT INTO ${database}.review_tags (review_id, sequence_number, position, tag) VALUES ('r-target', 1, 0, 'old')`,
  );
  await warehouse.command(
    `INSERT INTO ${database}.review_tags (review_id, sequence_number, position, tag)
     VALUES ('r-target', 2, 0, 'new1'), ('r-target', 2, 1, 'new2'), ('r-gone', 1, 0, 'gone')`,
  );
  const event = (entity: string, resourceType: string, sequence: number, message: string, rating: number) =>
    `('${message}', 'default', '${resourceType}', 'update', '${entity}', ${sequence}, '2025-02-01',
      toDateTime(${1735689600 + sequence}, 'UTC'), toDateTime(${1735689600 + sequence}, 'UTC'),
      ${(1735689600 + sequence) * 1000}, 'okendo.${resourceType}', 0, ${sequence},
      '{"resource":{"reviewId":"${entity}","rating":${rating}}}')`;
  const eventColumns = `(message_id, source, resource_type, event_topic, entity_id, sequence_number, payload_version,
      sender_timestamp, received_at, received_at_ms, kafka_topic, kafka_partition, kafka_offset, payload)`;
  // m-t2 is delivered twice (a redelivery): the lookup shows it once. A loyalty member with the same id is
  // another entity.
  for (const rows of [
    [event('r-target', 'review', 1, 'm-t1', 2), event('r-target', 'review', 2, 'm-t2', 5)],
    [event('r-target', 'review', 2, 'm-t2', 5)],
    [event('r-target', 'loyalty_customer', 7, 'm-l7', 0)],
  ]) {
    await warehouse.command(`INSERT INTO ${database}.events ${eventColumns} VALUES ${rows.join(', ')}`);
  }
}

/** The README's lookups for `id`, each with the `_current` view query that must give the same rows. */
function lookups(queries: readonly string[], database: string, id: string) {
  const inDatabase = (sql: string) => sql.replaceAll('okendo.', `${database}.`).replaceAll(PLACEHOLDER, id);
  const [current, tags, events] = queries.map(inDatabase);
  if (current === undefined || tags === undefined || events === undefined) throw new Error('three lookups');
  return [
    {
      name: 'current row',
      sql: current,
      view: `SELECT * FROM ${database}.reviews_current WHERE review_id = '${id}'`,
    },
    {
      name: 'current tags',
      sql: tags,
      view: `SELECT position, tag FROM ${database}.review_tags_current WHERE review_id = '${id}' ORDER BY position`,
    },
    {
      name: 'events',
      sql: events,
      // A view takes no PREWHERE: the same condition as a WHERE.
      view: events.replace(/FROM (\S+)\.events FINAL\s+PREWHERE/, 'FROM $1.events_current WHERE'),
    },
  ];
}

describe.each(warehouseEngines(infra))('one-entity lookups on $name', ({ name, missing, open }) => {
  it.skipIf(missing !== undefined)(
    titleWithSkipReason("the README's keys are the schema's; its lookups give the views' rows", missing),
    async () => {
      const section = await readmeSection();
      const queries = [...section.matchAll(/```sql\n([\s\S]*?)```/g)].map((m) => (m[1] ?? '').trim());
      expect(queries).toHaveLength(3);
      const { warehouse, close } = await open();
      const database = uniqueName('okendo_lookup');
      try {
        await migrate(warehouse, database);
        const tables = await warehouse.query<{
          name: string;
          engine_full: string;
          sorting_key: string;
          partition_key: string;
        }>(
          `SELECT name, engine_full, sorting_key, partition_key FROM system.tables
           WHERE database = '${database}' AND engine LIKE '%MergeTree' ORDER BY name`,
        );
        const actual = Object.fromEntries(
          tables.map((t) => [
            t.name,
            { engine: engineOf(t.engine_full), sortKey: t.sorting_key, partitionKey: t.partition_key },
          ]),
        );
        expect(documentedKeys(section)).toEqual(actual);

        await fill(warehouse, database);
        const target = lookups(queries, database, 'r-target');
        const answers = await Promise.all(target.map((q) => warehouse.query<Record<string, unknown>>(q.sql)));
        for (const [index, q] of target.entries()) {
          expect(answers[index], `${name}: ${q.name}`).toEqual(await warehouse.query(q.view));
        }
        const [current, tags, events] = answers;
        expect(current).toMatchObject([{ review_id: 'r-target', sequence_number: '2', rating: 5 }]);
        expect(tags).toEqual([
          { position: 0, tag: 'new1' },
          { position: 1, tag: 'new2' },
        ]);
        expect(events?.map((e) => [e['sequence_number'], e['message_id'], e['rating_in_payload']])).toEqual([
          ['1', 'm-t1', '2'],
          ['2', 'm-t2', '5'],
        ]);
        // A deleted review has no current row and no current tags.
        for (const q of lookups(queries, database, 'r-gone').slice(0, 2)) {
          expect(await warehouse.query(q.sql), q.name).toEqual([]);
        }
      } finally {
        await warehouse.command(`DROP DATABASE IF EXISTS ${database}`);
        await close();
      }
    },
  );
});

describe.skipIf(infra.clickhouse === undefined)(
  titleWithSkipReason('one-entity lookups on the 18.16 server read a range', infra.unavailable.clickhouse),
  () => {
    it(`read a few granules of ${ROWS.toLocaleString('en-US')} rows, where the view reads them all`, async () => {
      const endpoint = infra.clickhouse;
      if (endpoint === undefined) throw new Error('unreachable: suite is skipped');
      const client = createClient({ ...endpoint, log: { level: ClickHouseLogLevel.OFF } });
      const warehouse = new ClickHouseServerWarehouse(endpoint);
      const database = uniqueName('okendo_lookup_rows');
      const readRows = async (sql: string): Promise<number> => {
        const id = randomUUID();
        await (
          await client.query({
            query: sql,
            format: 'JSONEachRow',
            query_id: id,
            clickhouse_settings: { log_queries: 1 },
          })
        ).json();
        // The log entry is written as the query finishes, which may be just after its answer arrived.
        for (let attempt = 0; attempt < 40; attempt++) {
          if (attempt > 0) await sleep(250);
          await client.command({ query: 'SYSTEM FLUSH LOGS' });
          const [row] = await (
            await client.query({
              query: `SELECT read_rows FROM system.query_log WHERE query_id = '${id}' AND type = 2`,
              format: 'JSONEachRow',
            })
          ).json<{ read_rows: string }>();
          if (row !== undefined) return Number(row.read_rows);
        }
        throw new Error(`query ${id} never reached system.query_log`);
      };
      try {
        await migrate(warehouse, database);
        await fill(warehouse, database);
        const section = await readmeSection();
        const queries = [...section.matchAll(/```sql\n([\s\S]*?)```/g)].map((m) => (m[1] ?? '').trim());
        for (const q of lookups(queries, database, 'r-target')) {
          const [lookup, view] = [await readRows(q.sql), await readRows(q.view)];
          // One granule (8,192 rows) per table read, two for the tags (the table and its parent's).
          expect(lookup, `${q.name}: ${q.sql}`).toBeLessThanOrEqual(3 * 8_192);
          expect(view, `${q.name} through the view`).toBeGreaterThanOrEqual(ROWS);
        }
        // Why only key columns go in PREWHERE: is_deleted there is applied before FINAL, and the version
        // before the delete comes back.
        expect(
          await warehouse.query(
            `SELECT sequence_number FROM ${database}.reviews FINAL PREWHERE review_id = 'r-gone' AND is_deleted = 0`,
          ),
        ).toEqual([{ sequence_number: '1' }]);
      } finally {
        await warehouse.command(`DROP DATABASE IF EXISTS ${database}`);
        await warehouse.close();
        await client.close();
      }
    });
  },
);
