/**
 * The ingest writes the envelope itself (envelope-writer.ts): its bytes must be envelopeCodec's, for every
 * fixture and for the edges of every field (longs at the int64 limits, multi-byte and broken UTF-16 text, no
 * subscriberId, empty and large bodies), and a schema that no longer matches its layout must be refused.
 */
import { checkEnvelopeLayout, routeDelivery, writeEnvelope } from '@okendo/ingest';
import { EDGE_CASE_FIXTURES, envelopeCodec, FIXTURES, type WebhookEnvelope } from '@okendo/schemas';
import { describe, expect, it } from 'vitest';

const base: WebhookEnvelope = {
  messageId: 'msg_2abcDEF',
  senderTimestamp: 1_764_900_000n,
  receivedAtMs: 1_764_900_000_123n,
  source: 'default',
  resourceType: 'review',
  topic: 'create',
  sequenceNumber: 42n,
  version: '2025-02-01',
  subscriberId: 'sub-1',
  entityId: 'rev-1',
  rawBody: Buffer.from('{"a":1}'),
};

function expectSameBytes(envelope: WebhookEnvelope): void {
  const ours = writeEnvelope(envelope);
  const theirs = envelopeCodec.encode(envelope);
  // Hex only for a small mismatch, so a failure shows the bytes (a 1 MB body's hex is too slow to compare).
  if (!ours.equals(theirs) && theirs.length < 4_096)
    expect(ours.toString('hex')).toBe(theirs.toString('hex'));
  expect(ours.equals(theirs)).toBe(true);
  // (A lone surrogate does not survive avsc's own round trip: compare with what it reads back of its bytes.)
  const { rawBody: ourBody, ...ourFields } = envelopeCodec.decode(ours);
  const { rawBody: theirBody, ...theirFields } = envelopeCodec.decode(theirs);
  expect(ourFields).toEqual(theirFields);
  expect(ourBody.equals(theirBody)).toBe(true);
}

describe('writeEnvelope', () => {
  it('writes the bytes envelopeCodec writes for every fixture', () => {
    const bodies = [...FIXTURES, ...EDGE_CASE_FIXTURES].map((fixture) => fixture.body);
    let routed = 0;
    for (const [i, body] of bodies.entries()) {
      const delivery = routeDelivery(Buffer.from(body), {
        messageId: `msg_${i}`,
        senderTimestamp: 1_764_900_000 + i,
        receivedAtMs: 1_764_900_000_000 + i,
        source: i % 2 === 0 ? 'default' : 'shop-a',
      });
      if (delivery.kind !== 'routed') continue;
      routed += 1;
      expectSameBytes(delivery.envelope);
    }
    expect(routed).toBeGreaterThanOrEqual(FIXTURES.length);
  });

  it('writes the edges of every field as envelopeCodec does', () => {
    const longs = [
      0n,
      1n,
      63n,
      64n,
      127n,
      128n,
      2n ** 31n,
      2n ** 51n - 1n,
      2n ** 51n,
      2n ** 52n,
      2n ** 53n + 1n,
    ];
    for (const value of [...longs, 2n ** 63n - 1n, -1n, -64n, -65n, -(2n ** 63n)]) {
      expectSameBytes({ ...base, sequenceNumber: value, senderTimestamp: value, receivedAtMs: value });
    }
    const texts = [
      '',
      'é',
      'Ω≈ç',
      '日本語',
      '🙂 emoji',
      '\u0000',
      'x'.repeat(64),
      'y'.repeat(200),
      '\ud800',
      'a\udfffb',
    ];
    for (const text of texts) {
      expectSameBytes({
        ...base,
        messageId: text,
        source: text,
        version: text,
        entityId: text,
        subscriberId: text,
      });
      expectSameBytes({ ...base, resourceType: text, subscriberId: null });
    }
    for (const topic of ['create', 'update', 'delete'] as const) expectSameBytes({ ...base, topic });
    for (const size of [0, 1, 63, 64, 1_023, 1_024, 8_191, 8_192, 100_000, 1_000_000])
      expectSameBytes({ ...base, rawBody: Buffer.alloc(size, 0x7b) });
  });

  it('refuses a topic that is not one of the enum symbols', () => {
    expect(() => writeEnvelope({ ...base, topic: 'upsert' as WebhookEnvelope['topic'] })).toThrow(
      /WebhookTopic/,
    );
  });
});

describe('checkEnvelopeLayout', () => {
  it('accepts the current schema and refuses one with a field more, less or moved', () => {
    const schema = envelopeCodec.type.schema() as { fields: Array<{ name: string; type: unknown }> };
    expect(() => checkEnvelopeLayout(schema)).not.toThrow();
    const fields = schema.fields;
    const added = { ...schema, fields: [...fields, { name: 'traceId', type: ['null', 'string'] }] };
    const dropped = { ...schema, fields: fields.slice(1) };
    const moved = { ...schema, fields: [fields[1], fields[0], ...fields.slice(2)] };
    const retyped = {
      ...schema,
      fields: fields.map((f) => (f.name === 'version' ? { ...f, type: 'bytes' } : f)),
    };
    for (const changed of [added, dropped, moved, retyped])
      expect(() => checkEnvelopeLayout(changed)).toThrow(/update it/);
  });
});
