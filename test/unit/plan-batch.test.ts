import {
  deadLetterCodec,
  envelopeCodec,
  FIXTURES,
  type TopicKey,
  unroutedCodec,
  type WebhookEnvelope,
  type WebhookFixture,
} from '@okendo/schemas';
import { type ConsumedMessage, planBatch } from '@okendo/sink';
import { describe, expect, it } from 'vitest';
import { fixtureEnvelope } from '../traffic/consumed-delivery.js';
import { reidentify } from '../traffic/planned-deliveries.js';

const NOW = 1_790_000_000_000;

function fixture(name: string): WebhookFixture {
  const found = FIXTURES.find((f) => f.name === name);
  if (found === undefined) throw new Error(`no fixture ${name}`);
  return found;
}

function envelope(f: WebhookFixture, overrides: Partial<WebhookEnvelope> = {}): WebhookEnvelope {
  return fixtureEnvelope(f, {
    messageId: `msg_${f.name}`,
    senderTimestamp: 1_790_000_000n,
    receivedAtMs: BigInt(NOW - 1_000),
    ...overrides,
  });
}

let nextOffset = 0;
function message(value: Buffer | null, topicKey: TopicKey = 'review'): ConsumedMessage {
  const offset = String(nextOffset++);
  return {
    topic: `t.${topicKey}`,
    topicKey,
    partition: 0,
    offset,
    key: Buffer.from('k'),
    value,
    sizeBytes: value?.length ?? 0,
  };
}

const encoded = (e: WebhookEnvelope, topicKey: TopicKey = 'review') =>
  message(envelopeCodec.encode(e), topicKey);

describe('planBatch: versions of one entity', () => {
  const review = fixture('review.create');

  it('keeps the highest sequenceNumber whatever the order, and logs every event', () => {
    const newer = encoded(
      envelope(review, {
        messageId: 'm2',
        sequenceNumber: 20n,
        rawBody: Buffer.from(reidentify(review, review.entityId, 20n)),
      }),
    );
    const older = encoded(envelope(review, { messageId: 'm1', sequenceNumber: 10n }));
    for (const order of [
      [newer, older],
      [older, newer],
    ]) {
      const plan = planBatch(order, NOW);
      expect(plan.rows.get('reviews')?.map((r) => r['message_id'])).toEqual(['m2']);
      expect(
        plan.rows
          .get('events')
          ?.map((r) => r['message_id'])
          .sort(),
      ).toEqual(['m1', 'm2']);
      expect(plan.deadLetters).toEqual([]);
    }
  });

  it('of two versions with the same sequenceNumber, the later in the batch wins (deterministic)', () => {
    const first = encoded(envelope(review, { messageId: 'first', sequenceNumber: 7n }));
    const second = encoded(envelope(review, { messageId: 'second', sequenceNumber: 7n }));
    expect(
      planBatch([first, second], NOW)
        .rows.get('reviews')
        ?.map((r) => r['message_id']),
    ).toEqual(['second']);
    expect(
      planBatch([second, first], NOW)
        .rows.get('reviews')
        ?.map((r) => r['message_id']),
    ).toEqual(['first']);
  });

  it('a delete is a version with is_deleted = 1 and drops nothing else', () => {
    const deleted = fixture('review.delete');
    const plan = planBatch(
      [
        encoded(envelope(review, { sequenceNumber: 1n })),
        encoded(envelope(deleted, { sequenceNumber: 99n })),
      ],
      NOW,
    );
    const rows = plan.rows.get('reviews') ?? [];
    expect(rows.filter((r) => r['review_id'] === deleted.entityId).map((r) => r['is_deleted'])).toEqual([1]);
    expect(rows.find((r) => r['review_id'] === deleted.entityId)?.['event_topic']).toBe('delete');
  });

  it('remembers the message every row came from', () => {
    const m = encoded(envelope(fixture('review.update')));
    const plan = planBatch([m], NOW);
    const all = [...plan.rows.values()].flat();
    expect(all.length).toBeGreaterThan(2); // state, child rows and the event
    for (const row of all) expect(plan.origins.get(row)?.message).toBe(m);
    expect(plan.origins.get(plan.rows.get('reviews')?.[0] ?? {})?.envelope?.messageId).toBe(
      'msg_review.update',
    );
  });
});

describe('planBatch: what cannot be planned becomes a dead letter, never a crash', () => {
  const review = fixture('review.create');

  it('an undecodable envelope and an empty value', () => {
    const plan = planBatch([message(Buffer.from('not avro at all')), message(null)], NOW);
    expect(plan.deadLetters.map((d) => d.reason)).toEqual(['undecodable envelope', 'undecodable envelope']);
    expect(plan.deadLetters[0]?.letter).toMatchObject({
      originTopic: 't.review',
      originSizeBytes: 15n,
      originTruncated: false,
    });
    expect(plan.deadLetters[0]?.letter.originSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(plan.rows.get('events')).toEqual([]);
  });

  it('an unknown resourceType: dead letter, the event is still logged', () => {
    const plan = planBatch([encoded(envelope(review, { resourceType: 'widget' }))], NOW);
    expect(plan.deadLetters.map((d) => d.letter.error)).toEqual(['unknown resourceType "widget"']);
    expect(plan.rows.get('events')).toHaveLength(1);
    expect(plan.rows.get('reviews')).toBeUndefined();
  });

  it('a malformed field is no dead letter: the row is stored with its issue, the metric gets only the path', () => {
    const body = JSON.parse(review.body);
    body.resource.rating = 'alice@example.com';
    body.resource.answeredQuestions = 'not read by a review';
    body.resource.media = [{ streamId: 1 }, 'x', { isHidden: 'no' }, 'y'];
    const plan = planBatch([encoded(envelope(review, { rawBody: Buffer.from(JSON.stringify(body)) }))], NOW);
    expect(plan.deadLetters).toEqual([]);
    const [row] = plan.rows.get('reviews') ?? [];
    expect(row).toMatchObject({
      review_id: review.entityId,
      sequence_number: review.sequenceNumber,
      rating: null,
      title: body.resource.title,
      mapping_issues: [
        'body.resource.rating: string "alice@example.com"',
        'body.resource.media[1]: string "x"',
        'body.resource.media[3]: string "y"',
        'body.resource.media[2].isHidden: string "no"',
      ],
    });
    expect(plan.mappingIssues).toEqual([
      { resourceType: 'review', field: 'resource.rating', count: 1 },
      { resourceType: 'review', field: 'resource.media[]', count: 2 },
      { resourceType: 'review', field: 'resource.media[].isHidden', count: 1 },
    ]);
  });

  it('mapping issues are counted per event, superseded versions included; the rows carry the latest', () => {
    const older = JSON.parse(review.body);
    older.resource.rating = 'five';
    const newer = JSON.parse(review.body);
    newer.resource.title = { text: 'hi' };
    const plan = planBatch(
      [
        encoded(envelope(review, { rawBody: Buffer.from(JSON.stringify(older)) })),
        encoded(
          envelope(review, {
            messageId: 'm2',
            sequenceNumber: BigInt(review.sequenceNumber) + 1n,
            rawBody: Buffer.from(JSON.stringify(newer)),
          }),
        ),
      ],
      NOW,
    );
    expect(plan.rows.get('reviews')?.map((r) => r['mapping_issues'])).toEqual([
      ['body.resource.title: object {"text":"hi"}'],
    ]);
    expect(plan.mappingIssues).toEqual([
      { resourceType: 'review', field: 'resource.rating', count: 1 },
      { resourceType: 'review', field: 'resource.title', count: 1 },
    ]);
  });

  it.each([
    ['receivedAtMs far beyond the Date range', { receivedAtMs: 9_000_000_000_000_000_000n }],
    ['receivedAtMs before 1970', { receivedAtMs: -5n }],
    ['senderTimestamp beyond what DateTime holds', { senderTimestamp: 99_999_999_999n }],
  ])('%s', (_, overrides) => {
    const good = encoded(envelope(fixture('review.update')));
    const broken = encoded(envelope(review, overrides));
    const plan = planBatch([broken, good], NOW);
    expect(plan.deadLetters).toHaveLength(1);
    expect(plan.deadLetters[0]?.letter.originOffset).toBe(BigInt(broken.offset));
    expect(plan.deadLetters[0]?.reason).toMatch(/^envelope: /);
    // The good message of the same batch is planned as usual.
    expect(plan.rows.get('events')).toHaveLength(1);
    expect(plan.rows.get('reviews')).toHaveLength(1);
  });

  it('invalid JSON', () => {
    const plan = planBatch([encoded(envelope(review, { rawBody: Buffer.from('{"resource": ') }))], NOW);
    expect(plan.deadLetters[0]?.reason).toBe('invalid JSON');
  });
});

describe('planBatch: parked topics go to their tables', () => {
  it('an unrouted delivery, and an undecodable one as a dead_letters row (never back to Kafka)', () => {
    const delivery = unroutedCodec.encode({
      messageId: 'u1',
      source: 'default',
      senderTimestamp: 1_790_000_000n,
      receivedAtMs: BigInt(NOW),
      reasonCode: 'invalid_json',
      reason: 'body is not JSON',
      rawBody: Buffer.from('nope'),
    });
    const plan = planBatch([message(delivery, 'unrouted'), message(Buffer.from('garbage'), 'unrouted')], NOW);
    expect(plan.rows.get('unrouted_deliveries')?.map((r) => r['message_id'])).toEqual(['u1']);
    expect(plan.rows.get('dead_letters')?.[0]?.['error']).toMatch(/^undecodable unrouted delivery/);
    expect(plan.deadLetters).toEqual([]);
  });

  it('a dead letter, with its origin size, hash and truncation flag', () => {
    const first = planBatch([message(Buffer.from('not avro'))], NOW).deadLetters[0]?.letter;
    if (first === undefined) throw new Error('no letter');
    const letter = deadLetterCodec.encode({
      ...first,
      originValue: Buffer.from('not'),
      originTruncated: true,
    });
    const [row] = planBatch([message(letter, 'dead_letter')], NOW).rows.get('dead_letters') ?? [];
    expect(row).toMatchObject({
      error: first.error,
      origin_size_bytes: '8',
      origin_sha256: first.originSha256,
      payload_truncated: 1,
      payload: Buffer.from('not').toString('base64'),
    });
  });

  it('a dead letter written before the size fields existed reads with defaults', () => {
    const first = planBatch([message(Buffer.from('abc'))], NOW).deadLetters[0]?.letter;
    if (first === undefined) throw new Error('no letter');
    const { originSizeBytes: _s, originSha256: _h, originTruncated: _t, ...old } = first;
    const oldCodecValue = deadLetterCodec.encode({
      ...old,
      originSizeBytes: null,
      originSha256: null,
      originTruncated: false,
    });
    const [row] = planBatch([message(oldCodecValue, 'dead_letter')], NOW).rows.get('dead_letters') ?? [];
    expect(row).toMatchObject({ origin_size_bytes: '3', origin_sha256: '', payload_truncated: 0 });
  });
});
