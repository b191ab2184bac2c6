import { routeDelivery } from '@okendo/ingest';
import { EDGE_CASE_FIXTURES, FIXTURES, RESOURCE_TYPES } from '@okendo/schemas';
import { describe, expect, it } from 'vitest';

const context = {
  messageId: 'msg_1',
  senderTimestamp: 1_790_000_000,
  receivedAtMs: 1_790_000_000_123,
  source: 'default',
};

describe('routeDelivery', () => {
  it('has a create, an update and a delete fixture for every resource type', () => {
    for (const type of RESOURCE_TYPES) {
      expect(
        FIXTURES.filter((f) => f.resourceType === type)
          .map((f) => f.topic)
          .sort(),
      ).toEqual(['create', 'delete', 'update']);
    }
  });

  it.each([...FIXTURES, ...EDGE_CASE_FIXTURES].map((f) => [f.name, f] as const))(
    'routes %s',
    (_name, fixture) => {
      const raw = Buffer.from(fixture.body, 'utf8');
      const routed = routeDelivery(raw, context);
      if (routed.kind !== 'routed') throw new Error(`unrouted: ${routed.delivery.reason}`);
      expect(routed.resourceType).toBe(fixture.resourceType);
      expect(routed.key).toBe(fixture.entityId);
      expect(routed.envelope).toMatchObject({
        messageId: 'msg_1',
        senderTimestamp: 1_790_000_000n,
        receivedAtMs: 1_790_000_000_123n,
        topic: fixture.topic,
        sequenceNumber: BigInt(fixture.sequenceNumber),
        entityId: fixture.entityId,
        version: '2025-02-01',
      });
      expect(routed.envelope.rawBody.equals(raw)).toBe(true);
    },
  );

  const base = { resourceType: 'review', topic: 'create', sequenceNumber: '1', version: '2025-02-01' };
  it.each([
    ['invalid JSON', '{"resourceType": "review",', 'invalid_json'],
    ['an array', '[]', 'not_an_object'],
    ['no resource', JSON.stringify(base), 'not_an_object'],
    [
      'an unknown resourceType',
      JSON.stringify({ ...base, resourceType: 'referral', resource: { id: 'x' } }),
      'unknown_resource_type',
    ],
    [
      'a bad topic',
      JSON.stringify({ ...base, topic: 'upsert', resource: { reviewId: 'r' } }),
      'invalid_topic',
    ],
    [
      'no sequenceNumber',
      JSON.stringify({ ...base, sequenceNumber: undefined, resource: { reviewId: 'r' } }),
      'missing_sequence_number',
    ],
    [
      'a negative sequenceNumber',
      JSON.stringify({ ...base, sequenceNumber: '-5', resource: { reviewId: 'r' } }),
      'invalid_sequence_number',
    ],
    [
      'a sequenceNumber above the signed 64-bit range',
      JSON.stringify({ ...base, sequenceNumber: '9223372036854775808', resource: { reviewId: 'r' } }),
      'invalid_sequence_number',
    ],
    [
      'a sequenceNumber as an imprecise JSON number',
      '{"resourceType":"review","topic":"create","sequenceNumber":9007199254740993,"resource":{"reviewId":"r"}}',
      'invalid_sequence_number',
    ],
    ['no entity id', JSON.stringify({ ...base, resource: { productId: 'p' } }), 'missing_entity_id'],
    ['an empty entity id', JSON.stringify({ ...base, resource: { reviewId: '  ' } }), 'missing_entity_id'],
  ])('parks %s as unrouted, keyed by message id, with the raw bytes', (_name, body, reasonCode) => {
    const raw = Buffer.from(body);
    const routed = routeDelivery(raw, context);
    expect(routed).toMatchObject({ kind: 'unrouted', key: 'msg_1', reasonCode });
    if (routed.kind === 'unrouted') {
      expect(routed.delivery.rawBody.equals(raw)).toBe(true);
      expect(routed.delivery.reason.length).toBeGreaterThan(10);
    }
  });

  it('accepts a small numeric sequenceNumber and numeric entity ids', () => {
    const routed = routeDelivery(
      Buffer.from(JSON.stringify({ ...base, sequenceNumber: 42, resource: { reviewId: 1234 } })),
      context,
    );
    expect(routed).toMatchObject({ kind: 'routed', key: '1234', envelope: { sequenceNumber: 42n } });
  });
});
