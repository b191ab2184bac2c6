/**
 * Acceptance of issue 11's typed history, on the ClickHouse server and on chDB: an out-of-order stream of
 * five versions of one review (ratings and statuses changing) and the tier changes of two members, delivered
 * in several flushes with duplicates, planned by planBatch and written by writeRows (the live sink's path).
 * review_versions lists the five versions in sequence order, the change views list each change once with a
 * hand-computed answer, occurred_at is the payload's date or the signing time. Then a real-stack sample
 * (signed webhooks -> ingest -> Kafka -> sink) whose version rows appear, and a rebuild that brings back
 * emptied version tables and fills occurred_at of events rows that lack it.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { migrate } from '@okendo/infra/clickhouse';
import { envelopeCodec, FIXTURES, RESOURCE_TYPES } from '@okendo/schemas';
import {
  type ConsumedMessage,
  planBatch,
  rebuildState,
  STATE_META_COLUMNS,
  TABLE_LAYOUTS,
  VERSION_META_COLUMNS,
  type Warehouse,
  writeRows,
} from '@okendo/sink';
import { describe, expect, it } from 'vitest';
import { runInfra, titleWithSkipReason } from '../harness/infra.js';
import { uniqueName } from '../harness/names.js';
import { pipelineTargets, type TestPipeline } from '../harness/pipeline.js';
import { adminPipelineForSuite } from '../harness/pipeline-suite.js';
import { warehouseEngines } from '../harness/warehouses.js';
import { repoRoot } from '../vitest.shared.js';

const infra = runInfra();

/** The signing time of every delivery of the stream: after all its payload dates. */
const SIGNED = Date.parse('2026-11-20T12:00:00Z') / 1_000;
const RECEIVED_MS = SIGNED * 1_000 + 700;
const SIGNED_TEXT = '2026-11-20 12:00:00';

interface Version {
  messageId: string;
  resourceType: 'review' | 'loyalty_customer';
  topic: 'create' | 'update' | 'delete';
  entityId: string;
  sequenceNumber: bigint;
  resource: Record<string, unknown>;
}

function template(name: string): Record<string, unknown> {
  const fixture = FIXTURES.find((f) => f.name === name);
  if (fixture === undefined) throw new Error(`no fixture ${name}`);
  return (JSON.parse(fixture.body) as { resource: Record<string, unknown> }).resource;
}

function bodyOf(v: Version): string {
  const base = v.topic === 'delete' ? {} : template(`${v.resourceType}.create`);
  const id = v.resourceType === 'review' ? 'reviewId' : 'loyaltyCustomerId';
  return JSON.stringify({
    resourceType: v.resourceType,
    topic: v.topic,
    sequenceNumber: String(v.sequenceNumber),
    version: '2025-02-01',
    resource: { ...base, ...v.resource, [id]: v.entityId },
  });
}

let offset = 0;
function consumed(v: Version): ConsumedMessage {
  const value = envelopeCodec.encode({
    messageId: v.messageId,
    senderTimestamp: BigInt(SIGNED),
    receivedAtMs: BigInt(RECEIVED_MS),
    source: 'default',
    resourceType: v.resourceType,
    topic: v.topic,
    sequenceNumber: v.sequenceNumber,
    version: '2025-02-01',
    subscriberId: null,
    entityId: v.entityId,
    rawBody: Buffer.from(bodyOf(v)),
  });
  return {
    topic: `okendo.${v.resourceType}`,
    topicKey: v.resourceType,
    partition: 0,
    offset: String(offset++),
    key: Buffer.from(v.entityId),
    value,
    sizeBytes: value.length,
  };
}

/** The stream and its hand-computed answers; ids are unique to the test. */
function stream(prefix: string) {
  const review = `${prefix}-review`;
  const member = `${prefix}-member`;
  const newcomer = `${prefix}-newcomer`;
  const r = (seq: number, topic: Version['topic'], resource: Record<string, unknown>): Version => ({
    messageId: `${review}-${seq}`,
    resourceType: 'review',
    topic,
    entityId: review,
    sequenceNumber: BigInt(seq),
    resource,
  });
  const m = (
    id: string,
    seq: number,
    topic: Version['topic'],
    resource: Record<string, unknown>,
  ): Version => ({
    messageId: `${id}-${seq}`,
    resourceType: 'loyalty_customer',
    topic,
    entityId: id,
    sequenceNumber: BigInt(seq),
    resource,
  });
  const created = '2026-10-01T08:00:00.250Z';
  const v1 = r(100, 'create', { rating: 3, status: 'pending', dateCreated: created, tags: ['soft'] });
  const v2 = r(200, 'update', {
    rating: 3,
    status: 'approved',
    dateCreated: created,
    dateModified: '2026-10-02T09:00:00Z',
    tags: ['soft'],
  });
  // no modification date: dated by the signing time
  const v3 = r(300, 'update', {
    rating: 4,
    status: 'approved',
    dateCreated: created,
    tags: ['soft', 'calm'],
  });
  const v4 = r(400, 'update', {
    rating: 4,
    status: 'rejected',
    dateCreated: created,
    dateModified: '2026-10-04T11:00:00Z',
    tags: [],
  });
  const v5 = r(500, 'update', {
    rating: 2,
    status: 'approved',
    dateCreated: created,
    dateModified: '2026-10-05T12:00:00Z',
    tags: ['calm'],
  });
  const c1 = m(member, 10, 'create', { vipTierName: 'Bronze', dateEnrolled: '2026-03-02T18:44:09Z' });
  const c2 = m(member, 20, 'update', { vipTierName: 'Bronze', points: { balance: 99 } });
  const c3 = m(member, 30, 'update', { vipTierName: 'Silver', dateModified: '2026-10-10T10:00:00Z' });
  const c4 = m(member, 40, 'update', { vipTierName: 'Gold', dateModified: '2026-10-20T10:00:00Z' });
  const c5 = m(member, 50, 'update', { vipTierName: 'Silver', dateModified: '2026-11-01T10:00:00Z' });
  // A member without a tier at first, then one; the delete (a reduced resource) is no change to NULL.
  const n1 = m(newcomer, 1, 'create', { vipTierName: null, dateEnrolled: null });
  const n2 = m(newcomer, 2, 'update', { vipTierName: 'Bronze', dateModified: '2026-11-02T10:00:00Z' });
  const n3 = m(newcomer, 3, 'delete', {});
  return {
    ids: { review, member, newcomer },
    // Out of order, across flushes, with duplicates within a flush and across flushes.
    flushes: [
      [v3, c4, v1, n3, c1],
      [v5, c2, v2, v3, n1, c5, c5],
      [v4, c3, c4, n2],
    ].map((flush) => flush.map(consumed)),
    expected: {
      reviewVersions: [
        { seq: '100', rating: 3, status: 'pending', occurred_at: '2026-10-01 08:00:00', topic: 'create' },
        { seq: '200', rating: 3, status: 'approved', occurred_at: '2026-10-02 09:00:00', topic: 'update' },
        { seq: '300', rating: 4, status: 'approved', occurred_at: SIGNED_TEXT, topic: 'update' },
        { seq: '400', rating: 4, status: 'rejected', occurred_at: '2026-10-04 11:00:00', topic: 'update' },
        { seq: '500', rating: 2, status: 'approved', occurred_at: '2026-10-05 12:00:00', topic: 'update' },
      ],
      statusChanges: [
        { from: null, to: 'pending', changed_at: '2026-10-01 08:00:00', seq: '100' },
        { from: 'pending', to: 'approved', changed_at: '2026-10-02 09:00:00', seq: '200' },
        { from: 'approved', to: 'rejected', changed_at: '2026-10-04 11:00:00', seq: '400' },
        { from: 'rejected', to: 'approved', changed_at: '2026-10-05 12:00:00', seq: '500' },
      ],
      ratingChanges: [
        { from: null, to: 3, changed_at: '2026-10-01 08:00:00', seq: '100' },
        { from: 3, to: 4, changed_at: SIGNED_TEXT, seq: '300' },
        { from: 4, to: 2, changed_at: '2026-10-05 12:00:00', seq: '500' },
      ],
      tierChanges: [
        { id: member, from: null, to: 'Bronze', changed_at: '2026-03-02 18:44:09', seq: '10' },
        { id: member, from: 'Bronze', to: 'Silver', changed_at: '2026-10-10 10:00:00', seq: '30' },
        { id: member, from: 'Silver', to: 'Gold', changed_at: '2026-10-20 10:00:00', seq: '40' },
        { id: member, from: 'Gold', to: 'Silver', changed_at: '2026-11-01 10:00:00', seq: '50' },
        { id: newcomer, from: null, to: 'Bronze', changed_at: '2026-11-02 10:00:00', seq: '2' },
      ],
      tagsByVersion: [
        { seq: '100', tags: ['soft'] },
        { seq: '200', tags: ['soft'] },
        { seq: '300', tags: ['soft', 'calm'] },
        { seq: '500', tags: ['calm'] },
      ],
    },
  };
}

/** The ```sql blocks of the schema README's history section: one review's versions, recent tier changes. */
async function readmeHistoryQueries(): Promise<string[]> {
  const readme = await readFile(join(repoRoot, 'infra', 'clickhouse', 'README.md'), 'utf8');
  const section = readme.split(/^## History: versions and changes\s*$/m)[1]?.split(/^## /m)[0] ?? '';
  return [...section.matchAll(/```sql\n([\s\S]*?)```/g)].map((m) => (m[1] ?? '').trim());
}

/** The answers of the history queries, in the shape of `stream(...).expected`. */
async function history(warehouse: Warehouse, db: string, ids: ReturnType<typeof stream>['ids']) {
  const num = (v: unknown) => (v === null ? null : Number(v));
  const reviewVersions = await warehouse.query<Record<string, unknown>>(
    `SELECT toString(sequence_number) AS seq, rating, status, toString(occurred_at) AS occurred_at, event_topic AS topic
     FROM ${db}.review_versions FINAL WHERE review_id = '${ids.review}' ORDER BY sequence_number`,
  );
  const statusChanges = await warehouse.query<Record<string, unknown>>(
    `SELECT from_status AS from, to_status AS to, toString(changed_at) AS changed_at, toString(sequence_number) AS seq
     FROM ${db}.review_status_changes WHERE review_id = '${ids.review}' ORDER BY sequence_number`,
  );
  const ratingChanges = await warehouse.query<Record<string, unknown>>(
    `SELECT from_rating AS from, to_rating AS to, toString(changed_at) AS changed_at, toString(sequence_number) AS seq
     FROM ${db}.review_rating_changes WHERE review_id = '${ids.review}' ORDER BY sequence_number`,
  );
  const tierChanges = await warehouse.query<Record<string, unknown>>(
    `SELECT loyalty_customer_id AS id, from_tier AS from, to_tier AS to, toString(changed_at) AS changed_at, toString(sequence_number) AS seq
     FROM ${db}.loyalty_tier_changes WHERE loyalty_customer_id IN ('${ids.member}', '${ids.newcomer}')
     ORDER BY loyalty_customer_id, sequence_number`,
  );
  const tagsByVersion = await warehouse.query<Record<string, unknown>>(
    `SELECT seq, groupArray(tag) AS tags FROM (
       SELECT toString(sequence_number) AS seq, position, tag FROM ${db}.review_tags FINAL
       WHERE review_id = '${ids.review}' ORDER BY sequence_number, position
     ) GROUP BY seq ORDER BY seq`,
  );
  return {
    reviewVersions: reviewVersions.map((r) => ({ ...r, rating: num(r['rating']) })),
    statusChanges,
    ratingChanges: ratingChanges.map((r) => ({ ...r, from: num(r['from']), to: num(r['to']) })),
    tierChanges,
    tagsByVersion,
  };
}

describe.each(warehouseEngines(infra))('typed history on $name', ({ name, missing, open }) => {
  it.skipIf(missing !== undefined)(
    titleWithSkipReason(
      'lists every version once and each change once, whatever the order and copies',
      missing,
    ),
    async () => {
      const { warehouse, close } = await open();
      const db = uniqueName('okendo_history');
      try {
        await migrate(warehouse, db);
        const { ids, flushes, expected } = stream(uniqueName('h'));
        for (const flush of flushes) {
          const plan = planBatch(flush, RECEIVED_MS + 1_000);
          expect(plan.deadLetters).toEqual([]);
          const refused = await writeRows(warehouse, db, plan.rows, {
            retry: { initialBackoffMs: 50, maxBackoffMs: 500 },
          });
          expect(refused.size).toBe(0);
        }
        const answers = await history(warehouse, db, ids);
        expect(answers).toEqual(expected);

        // The state is the latest version, dated like it.
        const [state] = await warehouse.query<Record<string, unknown>>(
          `SELECT toString(sequence_number) AS seq, rating, toString(occurred_at) AS occurred_at FROM ${db}.reviews_current WHERE review_id = '${ids.review}'`,
        );
        expect({ ...state, rating: Number(state?.['rating']) }).toEqual({
          seq: '500',
          rating: 2,
          occurred_at: '2026-10-05 12:00:00',
        });
        // The log dates each event like its version; sender_timestamp is the signing time.
        const logged = await warehouse.query<Record<string, unknown>>(
          `SELECT toString(sequence_number) AS seq, toString(occurred_at) AS occurred_at FROM ${db}.events FINAL WHERE entity_id = '${ids.review}' ORDER BY sequence_number`,
        );
        expect(logged).toEqual(expected.reviewVersions.map(({ seq, occurred_at }) => ({ seq, occurred_at })));
        const [signed] = await warehouse.query<{ s: string }>(
          `SELECT toString(any(sender_timestamp)) AS s FROM ${db}.review_versions WHERE review_id = '${ids.review}'`,
        );
        expect(signed?.s).toBe(SIGNED_TEXT);

        // Merged for good, the copies are gone from the table itself too.
        await warehouse.command(`OPTIMIZE TABLE ${db}.review_versions FINAL`);
        const [copies] = await warehouse.query<{ n: string }>(
          `SELECT count() AS n FROM ${db}.review_versions WHERE review_id = '${ids.review}'`,
        );
        expect(copies?.n).toBe('5');

        // The README's examples, on this stream: its review, and "now" a fixed instant.
        const [versionsExample, tiersExample, ...rest] = await readmeHistoryQueries();
        expect(rest).toEqual([]);
        const run = (query: string | undefined) =>
          warehouse.query<Record<string, unknown>>(
            (query ?? '')
              .replaceAll('okendo.', `${db}.`)
              .replaceAll('8b1e4f2a-6c3d-4e9b-a7f0-2d5c8e1b9a64', ids.review)
              .replaceAll('now()', "toDateTime('2026-11-15 00:00:00', 'UTC')"),
          );
        const versions = await run(versionsExample);
        expect(
          versions.map((r) => ({
            seq: r['sequence_number'],
            rating: Number(r['rating']),
            status: r['status'],
            occurred_at: r['occurred_at'],
            topic: r['event_topic'],
          })),
        ).toEqual(expected.reviewVersions);
        // From 2026-10-16 on: Silver -> Gold (10-20) and Gold -> Silver (11-01); the newcomer's first tier is
        // left out.
        expect(await run(tiersExample)).toEqual([
          {
            loyalty_customer_id: ids.member,
            tier_changes: '2',
            latest_tier: 'Silver',
            last_changed_at: '2026-11-01 10:00:00',
          },
        ]);
      } finally {
        await warehouse.command(`DROP DATABASE IF EXISTS ${db}`);
        await close();
      }
    },
  );

  it.skipIf(missing !== undefined)(
    titleWithSkipReason('version tables have the state columns plus the version columns', missing),
    async () => {
      const { warehouse, close } = await open();
      const db = uniqueName('okendo_history_model');
      try {
        await migrate(warehouse, db);
        const describeTable = async (table: string) =>
          (await warehouse.query<{ name: string; type: string }>(`DESCRIBE TABLE ${db}.${table}`)).map(
            (c) => `${c.name} ${c.type}`,
          );
        for (const type of RESOURCE_TYPES) {
          const layout = TABLE_LAYOUTS[type];
          const state = await describeTable(layout.table);
          const versions = await describeTable(layout.versionTable);
          expect(versions.sort(), `${name} ${layout.versionTable}`).toEqual(
            [...state, ...VERSION_META_COLUMNS.map((c) => `${c} DateTime('UTC')`)].sort(),
          );
          expect(state).toContain("occurred_at DateTime('UTC')");
          expect(STATE_META_COLUMNS).toContain('occurred_at');
        }
        expect(await describeTable('events')).toContain("occurred_at DateTime('UTC')");
        expect(await describeTable('events_current')).toContain("occurred_at DateTime('UTC')");
        expect(await describeTable('loyalty_tier_changes')).toEqual([
          'loyalty_customer_id String',
          'from_tier Nullable(String)',
          'to_tier Nullable(String)',
          "changed_at DateTime('UTC')",
          'sequence_number UInt64',
        ]);
        expect(await describeTable('review_status_changes')).toEqual([
          'review_id String',
          'from_status Nullable(String)',
          'to_status Nullable(String)',
          "changed_at DateTime('UTC')",
          'sequence_number UInt64',
        ]);
        expect(await describeTable('review_rating_changes')).toEqual([
          'review_id String',
          'from_rating Nullable(Int32)',
          'to_rating Nullable(Int32)',
          "changed_at DateTime('UTC')",
          'sequence_number UInt64',
        ]);
      } finally {
        await warehouse.command(`DROP DATABASE IF EXISTS ${db}`);
        await close();
      }
    },
  );
});

/** A signed review create with two updates and a member's tier change, as the sender would post them. */
function sample(prefix: string) {
  const review = (
    seq: number,
    topic: 'create' | 'update',
    rating: number,
    extra: Record<string, unknown> = {},
  ) => ({
    messageId: `${prefix}-r-${seq}`,
    body: bodyOf({
      messageId: '',
      resourceType: 'review',
      topic,
      entityId: `${prefix}-review`,
      sequenceNumber: BigInt(seq),
      resource: { rating, dateCreated: '2026-10-01T08:00:00Z', ...extra },
    }),
  });
  const member = (seq: number, topic: 'create' | 'update', tier: string) => ({
    messageId: `${prefix}-m-${seq}`,
    body: bodyOf({
      messageId: '',
      resourceType: 'loyalty_customer',
      topic,
      entityId: `${prefix}-member`,
      sequenceNumber: BigInt(seq),
      resource: { vipTierName: tier, dateEnrolled: '2026-03-02T18:44:09Z' },
    }),
  });
  // sent newest first
  return [
    review(3, 'update', 5, { dateModified: '2026-10-03T00:00:00Z' }),
    member(2, 'update', 'Gold'),
    review(1, 'create', 2),
    review(2, 'update', 4),
    member(1, 'create', 'Silver'),
  ];
}

describe.each(pipelineTargets(infra))(
  'version rows through the real pipeline into $name',
  ({ name, target, missing }) => {
    describe.skipIf(missing !== undefined)(titleWithSkipReason(name, missing), () => {
      let pipeline: TestPipeline;
      let db: string;
      /** DDL goes through a direct connection (the sink's /sql is read-only); chDB: the same data dir */
      let admin: Warehouse;
      adminPipelineForSuite(infra, target, (started) => {
        ({ pipeline, admin } = started);
        db = pipeline.database;
      });

      it('signed deliveries give version rows; a rebuild brings emptied history back and dates old events', async () => {
        const prefix = uniqueName('hp').replaceAll('_', '-');
        for (const delivery of sample(prefix))
          expect(await pipeline.post(delivery, delivery.messageId)).toBe(200);
        const versionsQuery = `SELECT toString(sequence_number) AS seq, rating, toString(occurred_at) AS occurred_at
        FROM ${db}.review_versions FINAL WHERE review_id = '${prefix}-review' ORDER BY sequence_number`;
        const tiersQuery = `SELECT from_tier AS from, to_tier AS to, toString(sequence_number) AS seq
        FROM ${db}.loyalty_tier_changes WHERE loyalty_customer_id = '${prefix}-member' ORDER BY sequence_number`;
        const versions = await pipeline.waitFor<Record<string, unknown>>(
          versionsQuery,
          (rows) => rows.length === 3,
        );
        const numeric = (rows: Record<string, unknown>[]): Record<string, unknown>[] =>
          rows.map((r) => ({ ...r, rating: Number(r['rating']) }));
        expect(numeric(versions).map((r) => ({ seq: r['seq'], rating: r['rating'] }))).toEqual([
          { seq: '1', rating: 2 },
          { seq: '2', rating: 4 },
          { seq: '3', rating: 5 },
        ]);
        // create: its dateCreated; update 3: its dateModified; update 2: the signing time (now, not a payload date)
        expect(versions[0]?.['occurred_at']).toBe('2026-10-01 08:00:00');
        expect(versions[2]?.['occurred_at']).toBe('2026-10-03 00:00:00');
        expect(String(versions[1]?.['occurred_at']) > '2026-11-30').toBe(true);
        const tiers = await pipeline.waitFor<Record<string, unknown>>(
          tiersQuery,
          (rows) => rows.length === 2,
        );
        expect(tiers).toEqual([
          { from: null, to: 'Silver', seq: '1' },
          { from: 'Silver', to: 'Gold', seq: '2' },
        ]);
        await pipeline.waitFor<{ n: string }>(
          `SELECT count() AS n FROM ${db}.events FINAL WHERE startsWith(entity_id, '${prefix}-')`,
          (rows) => rows[0]?.n === '5',
        );

        // History emptied, and the log as before migration 012 (occurred_at reads its default, sender_timestamp).
        for (const table of ['review_versions', 'loyalty_customer_versions']) {
          await admin.command(`TRUNCATE TABLE ${db}.${table}`);
        }
        await admin.command(`ALTER TABLE ${db}.events DROP COLUMN occurred_at`);
        await admin.command(
          `ALTER TABLE ${db}.events ADD COLUMN occurred_at DateTime('UTC') DEFAULT sender_timestamp`,
        );
        const eventTimes = `SELECT toString(sequence_number) AS seq, toString(occurred_at) AS occurred_at
        FROM ${db}.events FINAL WHERE entity_id = '${prefix}-review' ORDER BY sequence_number`;
        const before = await admin.query<Record<string, unknown>>(eventTimes);
        expect(before.map((r) => r['occurred_at'])).not.toContain('2026-10-01 08:00:00');

        const summary = await rebuildState({ warehouse: admin, database: db, pageSize: 2 });
        expect(summary.notPlanned).toEqual({});
        expect(summary.refused).toEqual({});
        expect(summary.rowsByTable).toMatchObject({ review_versions: 3, loyalty_customer_versions: 2 });
        // Rewritten: the events dated by their payload (review 1 and 3, member 1); the two dated by their
        // signing time already read it from the column's default.
        expect(summary.rowsByTable['events']).toBe(3);
        expect(numeric(await admin.query<Record<string, unknown>>(versionsQuery))).toEqual(numeric(versions));
        expect(await admin.query(tiersQuery)).toEqual(tiers);
        const after = await admin.query<Record<string, unknown>>(eventTimes);
        expect(after.map((r) => r['occurred_at'])).toEqual(versions.map((r) => r['occurred_at']));

        // A second rebuild finds every event dated: the log is not written again.
        const again = await rebuildState({ warehouse: admin, database: db });
        expect(again.rowsByTable['events']).toBeUndefined();
        expect(again.rowsByTable['review_versions']).toBe(3);
        const [stored] = await admin.query<{ n: string }>(
          `SELECT uniqExact(message_id) AS n FROM ${db}.events WHERE startsWith(entity_id, '${prefix}-')`,
        );
        expect(stored?.n).toBe('5');
      });
    });
  },
);
