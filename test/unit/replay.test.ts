/** The pure parts of rebuild and redrive: SQL literals and filters, ISO dates, events rows back into envelopes. */
import { envelopeCodec, FIXTURES } from '@okendo/schemas';
import {
  type EventLogRow,
  filterConditions,
  parseIsoDate,
  planBatch,
  replayedEvent,
  stringLiteral,
} from '@okendo/sink';
import { describe, expect, it } from 'vitest';

describe('stringLiteral', () => {
  it('escapes backslashes before quotes, so no value can end the literal', () => {
    expect(stringLiteral("o'brien")).toBe("'o\\'brien'");
    expect(stringLiteral('a\\')).toBe("'a\\\\'");
    expect(stringLiteral("\\'")).toBe("'\\\\\\''");
    expect(stringLiteral('✓')).toBe("'✓'");
  });
});

describe('filterConditions', () => {
  it('is empty for no filter and names each part otherwise', () => {
    expect(filterConditions({})).toEqual([]);
    expect(
      filterConditions({
        resourceTypes: ['review', 'quiz_response'],
        sources: ["shop'1"],
        sinceMs: 1_000,
        untilMs: 2_000,
      }),
    ).toEqual([
      "resource_type IN ('review', 'quiz_response')",
      "source IN ('shop\\'1')",
      'received_at_ms >= 1000',
      'received_at_ms < 2000',
    ]);
  });

  it('refuses an unknown resource type and a time that is not a whole number', () => {
    expect(() => filterConditions({ resourceTypes: ['reveiw' as 'review'] })).toThrow(
      /unknown resource type/,
    );
    expect(() => filterConditions({ sinceMs: 1.5 })).toThrow(/since must be a non-negative integer/);
  });
});

describe('parseIsoDate', () => {
  it('reads a date as UTC midnight and a date-time with its zone', () => {
    expect(parseIsoDate('--since', '2026-11-30')).toBe(Date.UTC(2026, 10, 30));
    expect(parseIsoDate('--since', '2026-11-30T12:00:00Z')).toBe(Date.UTC(2026, 10, 30, 12));
    expect(parseIsoDate('--until', '2026-11-30T12:00:00+01:00')).toBe(Date.UTC(2026, 10, 30, 11));
  });

  it('refuses a date-time without a zone (local time would depend on the machine) and anything else', () => {
    for (const text of ['2026-11-30T12:00', 'yesterday', '1', '2026-13-45', '']) {
      expect(() => parseIsoDate('--since', text), text).toThrow(/--since: expected an ISO date/);
    }
  });
});

describe('replayedEvent', () => {
  const fixture = FIXTURES.find((f) => f.name === 'review.update');
  if (fixture === undefined) throw new Error('no review.update fixture');
  const envelope = {
    messageId: 'msg_1',
    senderTimestamp: 1_790_000_000n,
    receivedAtMs: 1_790_000_001_234n,
    source: 'shop',
    resourceType: 'review',
    topic: 'update' as const,
    sequenceNumber: 9_223_372_036_854_775_807n,
    version: '2025-02-01',
    subscriberId: 'sub',
    entityId: fixture.entityId,
    rawBody: Buffer.from(fixture.body),
  };
  const value = envelopeCodec.encode(envelope);
  const message = {
    topic: 'okendo.review',
    topicKey: 'review' as const,
    partition: 3,
    offset: '17',
    key: Buffer.from(fixture.entityId),
    value,
    sizeBytes: value.length,
  };
  // The events row exactly as the sink writes it, then as ClickHouse hands it back.
  const written = planBatch([message]).rows.get('events')?.[0] as Record<string, unknown>;
  const row: EventLogRow = {
    ...(written as unknown as EventLogRow),
    sender_seconds: Number(written['sender_timestamp']),
    kafka_partition: 3,
  };

  it('gives back the envelope and message the sink consumed', () => {
    const event = replayedEvent(row);
    expect(event.ok).toBe(true);
    if (!event.ok) return;
    expect(event.envelope).toEqual(envelope);
    expect(envelopeCodec.decode(event.message.value ?? Buffer.alloc(0))).toEqual(envelope);
    expect(event.message).toMatchObject({
      topic: 'okendo.review',
      topicKey: 'review',
      partition: 3,
      offset: '17',
    });
    // and so the same rows
    expect(planBatch([event.message]).rows).toEqual(planBatch([message]).rows);
  });

  it('names what makes a row unusable instead of throwing', () => {
    expect(replayedEvent({ ...row, resource_type: 'nope' })).toEqual({
      ok: false,
      reason: 'unknown resource type',
    });
    expect(replayedEvent({ ...row, event_topic: 'upsert' })).toEqual({
      ok: false,
      reason: 'unknown event topic',
    });
    // above the Avro long the envelope carries (the ingest never stores one)
    expect(replayedEvent({ ...row, sequence_number: '18446744073709551615' })).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^not an envelope: \w+$/),
    });
  });
});
