/**
 * trace's reading of the ingest's JSON log (one pino line per request, with messageId, status and outcome)
 * and its hop table, without a pipeline.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findIngestAnswers } from '../../services/cli/src/delivery/ingest-log.js';
import { type MessageTrace, traceFound, traceRows } from '../../services/cli/src/delivery/trace-message.js';

describe('trace', () => {
  it("finds the ingest's answers to one message in its JSON log, skipping other lines", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'trace-log-'));
    try {
      const path = join(dir, 'ingest.log');
      const line = (fields: object) => JSON.stringify({ level: 30, msg: 'request', ...fields });
      await writeFile(
        path,
        [
          'not json msg_a',
          line({
            time: 1_790_000_000_000,
            messageId: 'msg_a',
            status: 503,
            outcome: 'other',
            code: 'kafka_unavailable',
          }),
          line({ time: 1_790_000_005_000, messageId: 'msg_b', status: 200, outcome: 'published' }),
          line({
            time: 1_790_000_010_000,
            messageId: 'msg_a',
            status: 200,
            outcome: 'published',
            source: 'shop-a',
          }),
          line({ time: 1_790_000_011_000, msg: 'other', note: 'mentions msg_a' }),
          '',
        ].join('\n'),
      );
      expect(await findIngestAnswers(path, 'msg_a')).toEqual([
        {
          at: new Date(1_790_000_000_000).toISOString(),
          status: 503,
          outcome: 'other',
          code: 'kafka_unavailable',
        },
        {
          at: new Date(1_790_000_010_000).toISOString(),
          status: 200,
          outcome: 'published',
          source: 'shop-a',
        },
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reports each hop, and a superseded state row', () => {
    const trace: MessageTrace = {
      messageId: 'msg_a',
      ingest: [],
      event: {
        resourceType: 'review',
        eventTopic: 'create',
        entityId: 'r1',
        sequenceNumber: '1',
        source: 'default',
        kafkaTopic: 'okendo.review',
        kafkaPartition: 2,
        kafkaOffset: 17,
        receivedAt: '2026-12-02T01:00:00.000Z',
        insertedAt: '2026-12-02T01:00:01.000Z',
      },
      state: {
        table: 'reviews',
        messageId: 'msg_b',
        sequenceNumber: '2',
        deleted: false,
        insertedAt: '2026-12-02T01:05:00.000Z',
        current: false,
      },
      deadLetters: [],
    };
    expect(traceFound(trace)).toBe(true);
    expect(traceRows(trace)).toEqual([
      ['ingest answer', '-', 'not in the log'],
      ['kafka', '2026-12-02T01:00:00.000Z', 'okendo.review partition 2 offset 17 (received by the ingest)'],
      ['events row', '2026-12-02T01:00:01.000Z', 'review create, entity r1, sequence 1, source default'],
      ['state row', '2026-12-02T01:05:00.000Z', 'reviews: superseded by message msg_b (sequence 2)'],
    ]);
    expect(traceFound({ messageId: 'x', ingest: [], deadLetters: [] })).toBe(false);
  });
});
