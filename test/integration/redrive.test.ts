/**
 * Re-drive, on the ClickHouse server and on chDB. The current mapping never dead-letters a readable body, so the
 * history is made the way an older, strict sink left it: an `events` row plus the dead_letters row it wrote
 * (built with the sink's own planBatch / newDeadLetter / deadLetterRow), for a survey answer `{type, value:
 * [...]}` and a review whose rating was an object. After `redrive` both are in their `_current` views and
 * recorded in dead_letter_redrives; a second `redrive` writes nothing. Dead letters that still cannot be
 * re-driven (an undecodable envelope, an event the warehouse never stored, a payload that is not JSON) stay
 * open with their error.
 */
import { migrate } from '@okendo/infra/clickhouse';
import { envelopeCodec, FIXTURES, type WebhookEnvelope } from '@okendo/schemas';
import {
  type ConsumedMessage,
  deadLetterRow,
  newDeadLetter,
  planBatch,
  type RedriveSummary,
  redriveDeadLetters,
  type Warehouse,
} from '@okendo/sink';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInfra, titleWithSkipReason } from '../harness/infra.js';
import { uniqueName } from '../harness/names.js';
import { runReplayCli } from '../harness/replay-cli.js';
import { warehouseEngines } from '../harness/warehouses.js';

const infra = runInfra();
const FAILED_AT_MS = 1_790_000_000_000;

function fixtureBody(name: string): { resource: Record<string, unknown> } & Record<string, unknown> {
  const fixture = FIXTURES.find((f) => f.name === name);
  if (fixture === undefined) throw new Error(`no fixture ${name}`);
  return JSON.parse(fixture.body);
}

interface OldEvent {
  envelope: WebhookEnvelope;
  message: ConsumedMessage;
}

function oldEvent(body: Record<string, unknown>, entityId: string, offset: number): OldEvent {
  const resourceType = String(body['resourceType']);
  const envelope: WebhookEnvelope = {
    messageId: `msg_${entityId}`,
    senderTimestamp: 1_789_999_990n,
    receivedAtMs: 1_789_999_995_000n,
    source: 'default',
    resourceType,
    topic: 'update',
    sequenceNumber: BigInt(String(body['sequenceNumber'])),
    version: '2025-02-01',
    subscriberId: null,
    entityId,
    rawBody: Buffer.from(JSON.stringify(body)),
  };
  const value = envelopeCodec.encode(envelope);
  return {
    envelope,
    message: {
      topic: `okendo.${resourceType}`,
      topicKey: resourceType as ConsumedMessage['topicKey'],
      partition: 0,
      offset: String(offset),
      key: Buffer.from(entityId),
      value,
      sizeBytes: value.length,
    },
  };
}

/** The events row the sink writes for an event (planned by the sink itself, then kept as it is). */
function eventsRow(event: OldEvent): Record<string, unknown> {
  const [row] = planBatch([event.message]).rows.get('events') ?? [];
  if (row === undefined) throw new Error('no events row planned');
  return row;
}

function deadLetter(message: ConsumedMessage, error: string, envelope?: WebhookEnvelope) {
  return deadLetterRow(newDeadLetter(message, error, envelope, FAILED_AT_MS), FAILED_AT_MS);
}

async function count(warehouse: Warehouse, sql: string): Promise<string> {
  const [row] = await warehouse.query<{ n: string }>(sql);
  return row?.n ?? '?';
}

describe.each(warehouseEngines(infra))('redrive on $name', ({ name, missing, open }) => {
  describe.skipIf(missing !== undefined)(titleWithSkipReason(name, missing), () => {
    let warehouse: Warehouse;
    let close: () => Promise<void>;
    const db = uniqueName('okendo_redrive');

    beforeAll(async () => {
      ({ warehouse, close } = await open());
      await migrate(warehouse, db);
    });

    afterAll(async () => {
      await warehouse?.command(`DROP DATABASE IF EXISTS ${db}`);
      await close?.();
    });

    it('re-drives what the mapping now reads, records it, leaves the rest with their error; twice changes nothing', async () => {
      const run = uniqueName('rd').replaceAll('_', '-');
      // A survey answer {type, value: [...]}: the strict mapping wanted a string or string[].
      const survey = fixtureBody('survey_response.create');
      const questions = survey.resource['answeredQuestions'] as Array<Record<string, unknown>>;
      const first = questions[0] as Record<string, unknown>;
      first['answer'] = { type: 'multiple-choice', value: ['Instagram', 'A friend'] };
      const surveyId = `${run}-survey`;
      const surveyEvent = oldEvent(survey, surveyId, 41);
      // A review whose rating arrived as an object.
      const review = fixtureBody('review.update');
      review.resource['rating'] = { stars: 'five' };
      const reviewId = `${run}-review`;
      const reviewEvent = oldEvent(review, reviewId, 7);
      // An event whose body is not JSON (only a hand-made row can be like that): still not plannable.
      const broken = oldEvent(fixtureBody('review.create'), `${run}-broken`, 8);
      const brokenEvents = { ...eventsRow(broken), payload: '{"resourceType": "review", ' };
      // Dead letters with no events row: an undecodable envelope, and an event the warehouse refused.
      const garbage: ConsumedMessage = {
        ...reviewEvent.message,
        offset: '9',
        value: Buffer.from('not avro'),
      };
      const refused = oldEvent(fixtureBody('review.create'), `${run}-refused`, 10);

      await warehouse.insertJsonEachRow(`${db}.events`, [
        eventsRow(surveyEvent),
        eventsRow(reviewEvent),
        brokenEvents,
      ]);
      const oldLetters = [
        deadLetter(
          surveyEvent.message,
          'body.resource.answeredQuestions[0].answer must be a string or an array of strings, got an object',
          surveyEvent.envelope,
        ),
        deadLetter(
          reviewEvent.message,
          'body.resource.rating must be a number, got an object',
          reviewEvent.envelope,
        ),
        deadLetter(broken.message, 'Unexpected end of JSON input', broken.envelope),
        deadLetter(garbage, 'undecodable envelope: truncated buffer'),
        deadLetter(refused.message, 'ClickHouse refused the reviews row: Code: 25', refused.envelope),
      ];
      await warehouse.insertJsonEachRow(`${db}.dead_letters`, oldLetters);
      expect(await count(warehouse, `SELECT count() AS n FROM ${db}.dead_letters_open`)).toBe('5');

      const dry = await redriveDeadLetters({ warehouse, database: db, dryRun: true });
      expect(dry).toMatchObject({ dryRun: true, open: 5, redriven: 2 });
      expect(await count(warehouse, `SELECT count() AS n FROM ${db}.dead_letter_redrives`)).toBe('0');
      expect(await count(warehouse, `SELECT count() AS n FROM ${db}.survey_responses`)).toBe('0');

      const summary = await redriveDeadLetters({ warehouse, database: db, pageSize: 2 });
      expect(summary).toMatchObject({
        dryRun: false,
        alreadyRedriven: 0,
        open: 5,
        considered: 5,
        redriven: 2,
        stay: { 'not in the event log': 2, 'still not plannable: invalid JSON': 1 },
      });
      expect(summary.rowsByTable).toMatchObject({ survey_responses: 1, reviews: 1 });

      const [surveyRow] = await warehouse.query<{ sequence_number: string; message_id: string }>(
        `SELECT sequence_number, message_id FROM ${db}.survey_responses_current WHERE survey_response_id = '${surveyId}'`,
      );
      expect(surveyRow).toEqual({
        sequence_number: String(survey['sequenceNumber']),
        message_id: surveyEvent.envelope.messageId,
      });
      const answers = await warehouse.query<{ question_id: string; answers: string[] }>(
        `SELECT question_id, answers FROM ${db}.survey_answers_current WHERE survey_response_id = '${surveyId}' ORDER BY position`,
      );
      expect(answers[0]).toEqual({ question_id: first['id'], answers: ['Instagram', 'A friend'] });
      expect(answers).toHaveLength(questions.length);
      const [reviewRow] = await warehouse.query<{ rating: number | null; title: string }>(
        `SELECT rating, title FROM ${db}.reviews_current WHERE review_id = '${reviewId}'`,
      );
      expect(reviewRow).toEqual({ rating: null, title: review.resource['title'] });

      const records = await warehouse.query<Record<string, unknown>>(
        `SELECT origin_topic, origin_partition, origin_offset, toUnixTimestamp(failed_at) AS failed_at, message_id, outcome
         FROM ${db}.dead_letter_redrives FINAL ORDER BY origin_topic`,
      );
      expect(records).toEqual([
        {
          origin_topic: 'okendo.review',
          origin_partition: 0,
          origin_offset: '7',
          failed_at: FAILED_AT_MS / 1_000,
          message_id: reviewEvent.envelope.messageId,
          outcome: 'redriven',
        },
        {
          origin_topic: 'okendo.survey_response',
          origin_partition: 0,
          origin_offset: '41',
          failed_at: FAILED_AT_MS / 1_000,
          message_id: surveyEvent.envelope.messageId,
          outcome: 'redriven',
        },
      ]);
      // The others stay open, with the error they had.
      const stillOpen = await warehouse.query<{ origin_offset: string; error: string }>(
        `SELECT origin_offset, error FROM ${db}.dead_letters_open ORDER BY origin_offset`,
      );
      expect(stillOpen).toEqual(
        [oldLetters[2], oldLetters[3], oldLetters[4]].map((l) => ({
          origin_offset: l?.['origin_offset'],
          error: l?.['error'],
        })),
      );
      expect(await count(warehouse, `SELECT count() AS n FROM ${db}.dead_letters`)).toBe('5');

      // A second run: nothing to do, nothing written.
      const tables = ['survey_responses', 'survey_answers', 'reviews', 'review_tags', 'dead_letter_redrives'];
      const rawCounts = async () =>
        Promise.all(tables.map((t) => count(warehouse, `SELECT count() AS n FROM ${db}.${t}`)));
      const before = await rawCounts();
      let second: RedriveSummary;
      if (warehouse.engine === 'clickhouse-server' && infra.clickhouse !== undefined) {
        // As an operator runs it.
        const cli = await runReplayCli('redrive', ['--json'], {
          CLICKHOUSE_URL: infra.clickhouse.url,
          CLICKHOUSE_USER: infra.clickhouse.username,
          CLICKHOUSE_PASSWORD: infra.clickhouse.password,
          CLICKHOUSE_DATABASE: db,
        });
        expect(cli.stderr).toBe('');
        expect(cli.code).toBe(0);
        second = JSON.parse(cli.stdout) as RedriveSummary;
      } else {
        second = await redriveDeadLetters({ warehouse, database: db });
      }
      expect(second).toMatchObject({ alreadyRedriven: 2, open: 3, redriven: 0, rowsByTable: {} });
      expect(await rawCounts()).toEqual(before);
    });
  });
});
