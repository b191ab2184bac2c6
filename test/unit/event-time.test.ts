/** occurred_at: the payload's time of the change per resource type and topic, and the fallbacks. */
import { RESOURCE_TYPES, type ResourceType } from '@okendo/schemas';
import { EVENT_TIME_FIELDS, eventTime, SIGNING_SKEW_MS } from '@okendo/sink';
import { describe, expect, it } from 'vitest';

const SIGNED = 1_790_000_000n;
const SIGNED_MS = Number(SIGNED) * 1_000;
const RECEIVED_MS = SIGNED_MS + 1_234;
const EARLIER = '2026-09-01T10:00:00.500Z';
const EARLIER_MS = Date.parse(EARLIER);

const at = (resourceType: ResourceType, topic: string, resource: unknown, senderSeconds = SIGNED) =>
  eventTime({
    resourceType,
    topic,
    body: { resourceType, topic, resource },
    senderTimestampSeconds: senderSeconds,
    receivedAtMs: RECEIVED_MS,
  });

describe('eventTime', () => {
  const created: Record<ResourceType, string> = {
    review: 'dateCreated',
    loyalty_customer: 'dateEnrolled',
    loyalty_adjustment_transaction: 'date',
    loyalty_earning_transaction: 'date',
    loyalty_redemption_transaction: 'date',
    quiz_response: 'dateCreated',
    survey_response: 'dateCreated',
  };

  it.each(RESOURCE_TYPES)('dates a %s create by its creation field', (type) => {
    expect(EVENT_TIME_FIELDS[type].create[0]).toBe(created[type]);
    expect(at(type, 'create', { [created[type]]: EARLIER })).toEqual({
      occurredAtMs: EARLIER_MS,
      source: 'payload',
      field: created[type],
    });
  });

  it.each(RESOURCE_TYPES)('does not date a %s update or delete by its creation field', (type) => {
    for (const topic of ['update', 'delete']) {
      expect(at(type, topic, { [created[type]]: EARLIER })).toEqual({
        occurredAtMs: SIGNED_MS,
        source: 'sender_timestamp',
      });
    }
  });

  it('dates an update by dateModified, then dateUpdated, when the payload carries one', () => {
    const modified = '2026-09-10T00:00:00Z';
    const updated = '2026-09-11T00:00:00Z';
    expect(
      at('review', 'update', { dateCreated: EARLIER, dateModified: modified, dateUpdated: updated }),
    ).toEqual({ occurredAtMs: Date.parse(modified), source: 'payload', field: 'dateModified' });
    expect(at('loyalty_customer', 'update', { dateUpdated: updated })).toMatchObject({
      occurredAtMs: Date.parse(updated),
      field: 'dateUpdated',
    });
    // a create without its creation field takes the modification date too
    expect(at('survey_response', 'create', { dateModified: modified })).toMatchObject({
      field: 'dateModified',
    });
  });

  it('reads the top-level field only, never one of a nested object (a reply has its own dateCreated)', () => {
    expect(at('review', 'create', { reply: { dateCreated: EARLIER } })).toMatchObject({
      source: 'sender_timestamp',
    });
  });

  it('falls back to the signing time when the field is absent, empty, not ISO-8601 or out of range', () => {
    for (const value of [
      undefined,
      null,
      '',
      '1',
      'May 5 2026',
      12345,
      '1969-12-31T23:59:59Z',
      '2200-01-01T00:00:00Z',
      {},
    ]) {
      expect(at('review', 'create', { dateCreated: value }), String(value)).toEqual({
        occurredAtMs: SIGNED_MS,
        source: 'sender_timestamp',
      });
    }
  });

  it('falls back when the payload time is after the delivery was signed (beyond the clock tolerance)', () => {
    const justInside = new Date(SIGNED_MS + SIGNING_SKEW_MS).toISOString();
    const beyond = new Date(SIGNED_MS + SIGNING_SKEW_MS + 1_000).toISOString();
    expect(at('review', 'create', { dateCreated: justInside })).toMatchObject({ source: 'payload' });
    expect(at('review', 'create', { dateCreated: beyond })).toMatchObject({ source: 'sender_timestamp' });
  });

  it('falls back to the receive time when there is no signing time', () => {
    expect(at('review', 'update', {}, 0n)).toEqual({ occurredAtMs: RECEIVED_MS, source: 'received_at' });
    expect(at('review', 'create', { dateCreated: EARLIER }, 0n)).toMatchObject({ source: 'payload' });
  });

  it('dates nothing from a body that is not an object, or a resource that is not one', () => {
    for (const body of [null, 'text', [1], { resource: 'x' }, { resource: [EARLIER] }]) {
      expect(
        eventTime({
          resourceType: 'review',
          topic: 'create',
          body,
          senderTimestampSeconds: SIGNED,
          receivedAtMs: RECEIVED_MS,
        }),
      ).toEqual({ occurredAtMs: SIGNED_MS, source: 'sender_timestamp' });
    }
  });

  it('treats an unknown topic as an update', () => {
    expect(at('review', 'archive', { dateCreated: EARLIER })).toMatchObject({ source: 'sender_timestamp' });
  });
});
