/**
 * planBatch's history (migration 012): a version row and child rows for every mapped event, the state row for
 * each entity's latest only, and occurred_at on the events, state and version rows.
 */
import {
  envelopeCodec,
  FIXTURES,
  RESOURCE_TYPES,
  type ResourceType,
  type WebhookEnvelope,
} from '@okendo/schemas';
import { type ConsumedMessage, planBatch, STATE_META_COLUMNS, TABLE_LAYOUTS } from '@okendo/sink';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fixtureEnvelope } from '../traffic/consumed-delivery.js';

const NOW = 1_795_000_000_000;
// After every fixture's dates (2026-10), so the payload's times are not refused as later than the signing.
const SIGNED = 1_794_000_000n;
const SIGNED_AT = Number(SIGNED);
const CREATED = '2026-10-14T09:21:33.120Z';
const CREATED_AT = Math.floor(Date.parse(CREATED) / 1_000);
const REVIEW_ID = 'rv-history-1';

function reviewBody(topic: string, sequenceNumber: bigint, resource: Record<string, unknown>): string {
  const fixture = FIXTURES.find((f) => f.name === 'review.create');
  if (fixture === undefined) throw new Error('no review.create fixture');
  const body = JSON.parse(fixture.body) as { resource: Record<string, unknown> };
  return JSON.stringify({
    ...body,
    topic,
    sequenceNumber: String(sequenceNumber),
    resource: { ...body.resource, reviewId: REVIEW_ID, dateCreated: CREATED, ...resource },
  });
}

let offset = 0;
function review(
  messageId: string,
  topic: 'create' | 'update' | 'delete',
  sequenceNumber: bigint,
  resource: Record<string, unknown>,
  overrides: Partial<WebhookEnvelope> = {},
): ConsumedMessage {
  const value = envelopeCodec.encode({
    messageId,
    senderTimestamp: SIGNED,
    receivedAtMs: BigInt(NOW - 1_000),
    source: 'default',
    resourceType: 'review',
    topic,
    sequenceNumber,
    version: '2025-02-01',
    subscriberId: null,
    entityId: REVIEW_ID,
    rawBody: Buffer.from(reviewBody(topic, sequenceNumber, resource)),
    ...overrides,
  });
  return {
    topic: 'okendo.review',
    topicKey: 'review',
    partition: 0,
    offset: String(offset++),
    key: Buffer.from(REVIEW_ID),
    value,
    sizeBytes: value.length,
  };
}

const pick = (rows: readonly Record<string, unknown>[] | undefined, ...columns: string[]) =>
  (rows ?? []).map((row) => Object.fromEntries(columns.map((c) => [c, row[c]])));

describe('planBatch: version rows', () => {
  const create = review('m1', 'create', 10n, { rating: 3, status: 'pending', tags: ['a'] });
  const update = review('m2', 'update', 20n, { rating: 4, status: 'approved', tags: ['a', 'b'] });
  const later = review('m3', 'update', 30n, {
    rating: 5,
    status: 'approved',
    tags: [],
    dateModified: '2026-10-20T00:00:00Z',
  });

  it('plans a version row for every event, in any order, and the state row for the latest only', () => {
    const plan = planBatch([later, create, update, create], NOW);
    expect(plan.deadLetters).toEqual([]);
    expect(pick(plan.rows.get('reviews'), 'sequence_number', 'rating')).toEqual([
      { sequence_number: '30', rating: 5 },
    ]);
    // the duplicate of m1 within the flush is planned once
    expect(
      pick(plan.rows.get('review_versions'), 'sequence_number', 'rating', 'status', 'message_id').sort(
        (a, b) => String(a['sequence_number']).localeCompare(String(b['sequence_number'])),
      ),
    ).toEqual([
      { sequence_number: '10', rating: 3, status: 'pending', message_id: 'm1' },
      { sequence_number: '20', rating: 4, status: 'approved', message_id: 'm2' },
      { sequence_number: '30', rating: 5, status: 'approved', message_id: 'm3' },
    ]);
    // child rows of every version, told apart by the version's sequence number
    expect(
      pick(plan.rows.get('review_tags'), 'sequence_number', 'position', 'tag').sort(
        (a, b) =>
          String(a['sequence_number']).localeCompare(String(b['sequence_number'])) ||
          Number(a['position']) - Number(b['position']),
      ),
    ).toEqual([
      { sequence_number: '10', position: 0, tag: 'a' },
      { sequence_number: '20', position: 0, tag: 'a' },
      { sequence_number: '20', position: 1, tag: 'b' },
    ]);
    expect(plan.rows.get('events')).toHaveLength(4);
  });

  it('writes the state tables first, then the version tables, then the child tables, then events', () => {
    const tables = [...planBatch([create, update], NOW).rows.keys()];
    expect(tables.indexOf('reviews')).toBeLessThan(tables.indexOf('review_versions'));
    expect(tables.indexOf('review_versions')).toBeLessThan(tables.indexOf('review_tags'));
    expect(tables.at(-1)).toBe('events');
  });

  it('gives a version row the state columns plus sender_timestamp, and occurred_at to all three', () => {
    const plan = planBatch([create, update, later], NOW);
    const state = plan.rows.get('reviews')?.[0] ?? {};
    const version = plan.rows.get('review_versions')?.find((r) => r['sequence_number'] === '30') ?? {};
    expect(version).toEqual({ ...state, sender_timestamp: SIGNED_AT });
    const layout = TABLE_LAYOUTS.review;
    expect(Object.keys(state).sort()).toEqual(
      [
        ...layout.columns.map((c) => c.column),
        ...STATE_META_COLUMNS.filter((c) => c !== 'inserted_at'),
      ].sort(),
    );
    const occurred = (table: string) =>
      Object.fromEntries(
        (plan.rows.get(table) ?? []).map((r) => [String(r['sequence_number']), r['occurred_at']]),
      );
    // create: its dateCreated; an update without a modification date: the signing time; with one: that
    const expected = { '10': CREATED_AT, '20': SIGNED_AT, '30': Date.parse('2026-10-20T00:00:00Z') / 1_000 };
    expect(occurred('review_versions')).toEqual(expected);
    expect(occurred('events')).toEqual(expected);
    expect(occurred('reviews')).toEqual({ '30': expected['30'] });
  });

  it('a delete is a version too (is_deleted = 1), dated by the signing time', () => {
    const plan = planBatch([create, review('m4', 'delete', 40n, {})], NOW);
    expect(pick(plan.rows.get('review_versions'), 'sequence_number', 'is_deleted', 'occurred_at')).toEqual([
      { sequence_number: '10', is_deleted: 0, occurred_at: CREATED_AT },
      { sequence_number: '40', is_deleted: 1, occurred_at: SIGNED_AT },
    ]);
    expect(pick(plan.rows.get('reviews'), 'sequence_number', 'is_deleted')).toEqual([
      { sequence_number: '40', is_deleted: 1 },
    ]);
  });

  it('an event whose body is not JSON is logged with the fallback time and plans no version', () => {
    const value = envelopeCodec.encode({
      messageId: 'bad',
      senderTimestamp: SIGNED,
      receivedAtMs: BigInt(NOW),
      source: 'default',
      resourceType: 'review',
      topic: 'create',
      sequenceNumber: 1n,
      version: '2025-02-01',
      subscriberId: null,
      entityId: 'x',
      rawBody: Buffer.from('{not json'),
    });
    const plan = planBatch(
      [
        {
          topic: 'okendo.review',
          topicKey: 'review',
          partition: 0,
          offset: '0',
          key: null,
          value,
          sizeBytes: 1,
        },
      ],
      NOW,
    );
    expect(pick(plan.rows.get('events'), 'occurred_at')).toEqual([{ occurred_at: SIGNED_AT }]);
    expect(plan.rows.get('review_versions')).toBeUndefined();
    expect(plan.deadLetters).toHaveLength(1);
  });

  it('names one version table per state table, shared by the three transaction types', () => {
    const pairs = new Map(RESOURCE_TYPES.map((t) => [TABLE_LAYOUTS[t].table, TABLE_LAYOUTS[t].versionTable]));
    expect(Object.fromEntries(pairs)).toEqual({
      reviews: 'review_versions',
      loyalty_customers: 'loyalty_customer_versions',
      loyalty_transactions: 'loyalty_transaction_versions',
      quiz_responses: 'quiz_response_versions',
      survey_responses: 'survey_response_versions',
    });
  });

  it('plans every fixture into its version table', () => {
    let n = 0;
    const messages = FIXTURES.map((f) => {
      const value = envelopeCodec.encode(
        fixtureEnvelope(f, { messageId: `fx-${n}`, senderTimestamp: SIGNED, receivedAtMs: BigInt(NOW) }),
      );
      return {
        topic: `okendo.${f.resourceType}`,
        topicKey: f.resourceType as ResourceType,
        partition: 0,
        offset: String(n++),
        key: null,
        value,
        sizeBytes: value.length,
      } satisfies ConsumedMessage;
    });
    const plan = planBatch(messages, NOW);
    expect(plan.deadLetters).toEqual([]);
    const versions = [...new Set(RESOURCE_TYPES.map((t) => TABLE_LAYOUTS[t].versionTable))];
    const planned = versions.reduce((sum, table) => sum + (plan.rows.get(table)?.length ?? 0), 0);
    expect(planned).toBe(FIXTURES.length);
  });
});

describe('planBatch: version rows of any delivery order', () => {
  const stream = [
    review('p1', 'create', 10n, { rating: 1, status: 'pending', tags: ['a'] }),
    review('p2', 'update', 20n, { rating: 2, status: 'approved', tags: ['a', 'b'] }),
    review('p3', 'update', 30n, { rating: 3, status: 'rejected', tags: [] }),
    review('p4', 'update', 40n, { rating: 4, status: 'approved', tags: ['c'] }),
    review('p5', 'delete', 50n, {}),
  ];
  /** The rows of one version planned alone: what every delivery order must end with. */
  const alone = (message: ConsumedMessage) => {
    const plan = planBatch([message], NOW);
    return { version: plan.rows.get('review_versions')?.[0], tags: plan.rows.get('review_tags') ?? [] };
  };
  const expected = new Map(stream.map((m, i) => [String((i + 1) * 10), alone(m)]));

  it('any shuffle, duplication and cut into flushes gives each version its row and child rows', () => {
    fc.assert(
      fc.property(
        fc.shuffledSubarray([...stream.keys()], { minLength: stream.length, maxLength: stream.length }),
        fc.array(fc.nat({ max: stream.length - 1 }), { maxLength: 4 }),
        fc.array(fc.nat({ max: stream.length + 4 }), { maxLength: 3 }),
        (order, copies, cuts) => {
          const delivered = [...order, ...copies].map((i) => stream[i] as ConsumedMessage);
          const bounds = [
            ...new Set([0, ...cuts.filter((c) => c < delivered.length), delivered.length]),
          ].sort((a, b) => a - b);
          // What the tables hold once merged: per key, the later insert.
          const versions = new Map<string, unknown>();
          const tags = new Map<string, unknown>();
          for (let b = 1; b < bounds.length; b++) {
            const plan = planBatch(delivered.slice(bounds[b - 1], bounds[b]), NOW);
            for (const row of plan.rows.get('review_versions') ?? [])
              versions.set(String(row['sequence_number']), row);
            for (const row of plan.rows.get('review_tags') ?? [])
              tags.set(`${String(row['sequence_number'])}/${String(row['position'])}`, row);
          }
          expect(versions).toEqual(new Map([...expected].map(([seq, e]) => [seq, e.version])));
          const wantTags = [...expected.values()].flatMap((e) => e.tags);
          expect(new Set(tags.values())).toEqual(new Set(wantTags));
        },
      ),
      { seed: 20261202, numRuns: 200 },
    );
  });
});
