/**
 * Acceptance of issue 11's precise views (migration 013) on the ClickHouse server and on chDB. One small,
 * hand-made dataset is planned by planBatch and written by writeRows (the live sink's path) into a migrated
 * database; each view is then compared with an answer computed by hand in the comments below. It holds a
 * decoy question the old attribution pattern matched ("How did you find our checkout?"), an attribution
 * question sent with other case and spaces, NPS answers whose category and score disagree, and pending,
 * rejected, unmoderated and deleted reviews. The last test adds a merchant's own question and removes a seeded
 * one with plain INSERTs, then re-runs 013 as an interrupted migration would, and the merchant's edits stand.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadMigrations, migrate } from '@okendo/infra/clickhouse';
import type { ResourceType, WebhookEnvelope, WebhookTopic } from '@okendo/schemas';
import { planBatch, type Warehouse, writeRows } from '@okendo/sink';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInfra, titleWithSkipReason } from '../harness/infra.js';
import { uniqueName } from '../harness/names.js';
import { warehouseEngines } from '../harness/warehouses.js';
import { consumedEnvelope } from '../traffic/odd-bodies.js';
import { repoRoot } from '../vitest.shared.js';

const infra = runInfra();

type Resource = Record<string, unknown>;

let lastSequence = 5_000_000n;

function envelope(
  resourceType: ResourceType,
  entityId: string,
  resource: Resource,
  topic: WebhookTopic = 'create',
): WebhookEnvelope {
  lastSequence += 1n;
  const sequenceNumber = lastSequence;
  const body = {
    resourceType,
    topic,
    sequenceNumber: String(sequenceNumber),
    version: '2025-02-01',
    resource,
  };
  return {
    messageId: `msg-${entityId}-${sequenceNumber}`,
    senderTimestamp: 1_790_000_000n,
    receivedAtMs: 1_790_000_000_000n,
    source: 'default',
    resourceType,
    topic,
    sequenceNumber,
    version: '2025-02-01',
    subscriberId: null,
    entityId,
    rawBody: Buffer.from(JSON.stringify(body)),
  };
}

const ATTRIBUTION = 'How did you hear about us?';
const DECOY = 'How did you find our checkout?';
const MERCHANT_QUESTION_ID = 'q-merchant-thanks';
const MERCHANT_QUESTION = 'Who should we thank for sending you our way?';

const attribution = (answer: unknown, text = ATTRIBUTION) => ({
  id: 'q-hdyhau',
  type: 'single-choice',
  text,
  answer,
});
const decoy = (answer: string) => ({ id: 'q-checkout', type: 'single-choice', text: DECOY, answer });
const nps = (answer: unknown, answerNpsCategory?: string) => ({
  id: 'q-nps',
  type: 'nps',
  text: 'How likely are you to recommend us to a friend?',
  answer,
  ...(answerNpsCategory === undefined ? {} : { answerNpsCategory }),
});

function survey(
  id: string,
  surveyId: string,
  channel: string,
  dateCreated: string,
  order: string | undefined,
  answeredQuestions: Resource[],
): WebhookEnvelope {
  return envelope('survey_response', id, {
    surveyResponseId: id,
    surveyId,
    surveyName: surveyId === 'survey-pp' ? 'Post-purchase survey' : 'Email survey',
    dateCreated,
    channel,
    ...(order === undefined ? {} : { order: { remoteOrderId: order } }),
    answeredQuestions,
  });
}

function review(
  id: string,
  productId: string,
  rating: number,
  status: string | undefined,
  dateCreated: string,
) {
  return envelope('review', id, {
    reviewId: id,
    productId,
    rating,
    ...(status === undefined ? {} : { status }),
    dateCreated,
  });
}

/**
 * Surveys. post_purchase (survey-pp): r1..r5 and r7; email (survey-em): r6.
 *   r1 2026-10-05 o1: attribution Instagram, decoy Easy,      NPS 10 + 'promoter'
 *   r2 2026-10-20 o2: "  how did you HEAR about us?  " TikTok, decoy Confusing, NPS 9 (no category: promoter)
 *   r3 2026-10-25 o3: attribution Instagram,                 NPS 3 + 'detractor'
 *   r4 2026-10-28 -- : attribution [Instagram, Podcast],      NPS "7" (no category: passive)
 *   r5 2026-11-02 o5: attribution Friend,                    NPS 6 + 'passive' (the category wins: passive)
 *   r7 2026-11-10 o7: answered Instagram, then (a later batch) only NPS null: no score, no category, left out
 *   r6 2026-11-03 o6: merchant's question Podcast, a 'rating' question 4 (not NPS), NPS 10 (promoter)
 */
const SURVEYS: WebhookEnvelope[] = [
  survey('r1', 'survey-pp', 'post_purchase', '2026-10-05T10:00:00.000Z', 'o1', [
    attribution('Instagram'),
    decoy('Easy'),
    nps(10, 'promoter'),
  ]),
  survey('r2', 'survey-pp', 'post_purchase', '2026-10-20T10:00:00.000Z', 'o2', [
    attribution('TikTok', '  how did you HEAR about us?  '),
    decoy('Confusing'),
    nps(9),
  ]),
  survey('r3', 'survey-pp', 'post_purchase', '2026-10-25T10:00:00.000Z', 'o3', [
    attribution('Instagram'),
    nps(3, 'detractor'),
  ]),
  survey('r4', 'survey-pp', 'post_purchase', '2026-10-28T10:00:00.000Z', undefined, [
    attribution(['Instagram', 'Podcast']),
    nps('7'),
  ]),
  survey('r5', 'survey-pp', 'post_purchase', '2026-11-02T10:00:00.000Z', 'o5', [
    attribution('Friend'),
    nps(6, 'passive'),
  ]),
  survey('r7', 'survey-pp', 'post_purchase', '2026-11-10T10:00:00.000Z', 'o7', [attribution('Instagram')]),
  survey('r6', 'survey-em', 'email', '2026-11-03T10:00:00.000Z', 'o6', [
    { id: MERCHANT_QUESTION_ID, type: 'single-choice', text: MERCHANT_QUESTION, answer: 'Podcast' },
    { id: 'q-rating', type: 'rating', text: 'How would you rate the packaging?', answer: 4 },
    nps(10),
  ]),
];

/**
 * Reviews. p1 October: approved 5 and 4, pending 1, rejected 2, and an approved 1 that was then deleted;
 * p1 November: approved 3; p2 October: pending 5; p2 November: 4 with no status (unmoderated).
 */
const REVIEWS: WebhookEnvelope[] = [
  review('rv-1', 'p1', 5, 'approved', '2026-10-03T08:00:00.000Z'),
  review('rv-2', 'p1', 4, 'approved', '2026-10-09T08:00:00.000Z'),
  review('rv-3', 'p1', 1, 'pending', '2026-10-12T08:00:00.000Z'),
  review('rv-4', 'p1', 2, 'rejected', '2026-10-15T08:00:00.000Z'),
  review('rv-5', 'p1', 1, 'approved', '2026-10-18T08:00:00.000Z'),
  review('rv-6', 'p1', 3, 'approved', '2026-11-04T08:00:00.000Z'),
  review('rv-7', 'p2', 5, 'pending', '2026-10-21T08:00:00.000Z'),
  review('rv-8', 'p2', 4, undefined, '2026-11-22T08:00:00.000Z'),
];

/**
 * Later versions, with higher sequence numbers, written in a second batch: the first versions stay in the tables
 * and only the _current views leave them out.
 */
const LATER: WebhookEnvelope[] = [
  survey('r7', 'survey-pp', 'post_purchase', '2026-11-10T10:00:00.000Z', 'o7', [nps(null)]),
  envelope('review', 'rv-5', { reviewId: 'rv-5', productId: 'p1' }, 'delete'),
];

type Row = Record<string, unknown>;

/** The ```sql blocks of one `## ` section of infra/clickhouse/README.md. */
async function readmeQueries(section: string): Promise<string[]> {
  const readme = await readFile(join(repoRoot, 'infra', 'clickhouse', 'README.md'), 'utf8');
  const body = readme.split(/^## /m).find((s) => (s.split('\n')[0] ?? '').trim() === section) ?? '';
  return [...body.matchAll(/```sql\n([\s\S]*?)```/g)].map((m) => (m[1] ?? '').trim());
}

/** Numbers arrive as numbers or (UInt64 on the server) as text: compare them as numbers. */
const numeric = (rows: Row[], columns: readonly string[]) =>
  rows.map((row) =>
    Object.fromEntries(
      Object.entries(row).map(([key, value]) => [key, columns.includes(key) ? Number(value) : value]),
    ),
  );

const RATING_COLUMNS = [
  'reviews',
  'average_rating',
  'rating_1',
  'rating_2',
  'rating_3',
  'rating_4',
  'rating_5',
];
const ratings = (reviews: number, average: number, counts: [number, number, number, number, number]) => ({
  reviews,
  average_rating: average,
  rating_1: counts[0],
  rating_2: counts[1],
  rating_3: counts[2],
  rating_4: counts[3],
  rating_5: counts[4],
});
const APPROVED = [
  { product_id: 'p1', month: '2026-10-01', ...ratings(2, 4.5, [0, 0, 0, 1, 1]) },
  { product_id: 'p1', month: '2026-11-01', ...ratings(1, 3, [0, 0, 1, 0, 0]) },
];

/** survey_attribution before the merchant adds a question: the decoy's Easy / Confusing never appear. */
const ATTRIBUTION_ROWS = [
  {
    channel: 'post_purchase',
    question: '  how did you HEAR about us?  ',
    answer: 'TikTok',
    responses: 1,
    orders: 1,
  },
  { channel: 'post_purchase', question: ATTRIBUTION, answer: 'Friend', responses: 1, orders: 1 },
  { channel: 'post_purchase', question: ATTRIBUTION, answer: 'Instagram', responses: 3, orders: 2 },
  { channel: 'post_purchase', question: ATTRIBUTION, answer: 'Podcast', responses: 1, orders: 0 },
];

describe.each(warehouseEngines(infra))(
  'analyst views of migration 013 on $name',
  ({ name, missing, open }) => {
    describe.skipIf(missing !== undefined)(titleWithSkipReason(name, missing), () => {
      let warehouse: Warehouse;
      let close: () => Promise<void>;
      const database = uniqueName('okendo_views');
      const attributionQuery = `SELECT channel, question, answer, responses, orders FROM ${database}.survey_attribution ORDER BY channel, question, answer`;
      const readAttribution = async () =>
        numeric(await warehouse.query<Row>(attributionQuery), ['responses', 'orders']);

      beforeAll(async () => {
        ({ warehouse, close } = await open());
        await migrate(warehouse, database);
        let offset = 0;
        for (const batch of [[...SURVEYS, ...REVIEWS], LATER]) {
          const plan = planBatch(batch.map((e) => consumedEnvelope(e, offset++)));
          expect(plan.deadLetters.map((d) => d.reason)).toEqual([]);
          const refused = await writeRows(warehouse, database, plan.rows, {
            retry: { initialBackoffMs: 100, maxBackoffMs: 100 },
          });
          expect([...refused.keys()]).toEqual([]);
        }
      });

      afterAll(async () => {
        await warehouse?.command(`DROP DATABASE IF EXISTS ${database}`);
        await close?.();
      });

      it('survey_attribution counts the listed questions only, by exact normalised text, not the decoy', async () => {
        expect(await readAttribution()).toEqual(ATTRIBUTION_ROWS);
      });

      it('nps_by_month: promoters %, detractors %, NPS and responses per month, survey and channel', async () => {
        const rows = await warehouse.query<Row>(
          `SELECT toString(month) AS month, survey_id, survey_name, channel, responses, promoters, passives, detractors, promoters_pct, detractors_pct, nps FROM ${database}.nps_by_month ORDER BY month, survey_id, channel`,
        );
        const counts = [
          'responses',
          'promoters',
          'passives',
          'detractors',
          'promoters_pct',
          'detractors_pct',
          'nps',
        ];
        expect(numeric(rows, counts)).toEqual([
          // r1 promoter (category), r2 promoter (score 9), r3 detractor, r4 passive (score "7")
          {
            month: '2026-10-01',
            survey_id: 'survey-pp',
            survey_name: 'Post-purchase survey',
            channel: 'post_purchase',
            responses: 4,
            promoters: 2,
            passives: 1,
            detractors: 1,
            promoters_pct: 50,
            detractors_pct: 25,
            nps: 25,
          },
          // r6 promoter; its 'rating' answer is not NPS
          {
            month: '2026-11-01',
            survey_id: 'survey-em',
            survey_name: 'Email survey',
            channel: 'email',
            responses: 1,
            promoters: 1,
            passives: 0,
            detractors: 0,
            promoters_pct: 100,
            detractors_pct: 0,
            nps: 100,
          },
          // r5 passive: 'passive' wins over its score 6; r7 has neither score nor category
          {
            month: '2026-11-01',
            survey_id: 'survey-pp',
            survey_name: 'Post-purchase survey',
            channel: 'post_purchase',
            responses: 1,
            promoters: 0,
            passives: 1,
            detractors: 0,
            promoters_pct: 0,
            detractors_pct: 0,
            nps: 0,
          },
        ]);
      });

      it('review_ratings_by_product_month_status has a row per status; deleted reviews are left out', async () => {
        const rows = await warehouse.query<Row>(
          `SELECT product_id, toString(month) AS month, status, reviews, average_rating, rating_1, rating_2, rating_3, rating_4, rating_5 FROM ${database}.review_ratings_by_product_month_status ORDER BY product_id, month, status`,
        );
        expect(numeric(rows, RATING_COLUMNS)).toEqual([
          { product_id: 'p1', month: '2026-10-01', status: 'approved', ...ratings(2, 4.5, [0, 0, 0, 1, 1]) },
          { product_id: 'p1', month: '2026-10-01', status: 'pending', ...ratings(1, 1, [1, 0, 0, 0, 0]) },
          { product_id: 'p1', month: '2026-10-01', status: 'rejected', ...ratings(1, 2, [0, 1, 0, 0, 0]) },
          { product_id: 'p1', month: '2026-11-01', status: 'approved', ...ratings(1, 3, [0, 0, 1, 0, 0]) },
          { product_id: 'p2', month: '2026-10-01', status: 'pending', ...ratings(1, 5, [0, 0, 0, 0, 1]) },
          { product_id: 'p2', month: '2026-11-01', status: '', ...ratings(1, 4, [0, 0, 0, 1, 0]) },
        ]);
      });

      it.each(['review_ratings_by_product_month_approved', 'review_ratings_by_product_month'])(
        '%s counts approved reviews only',
        async (view) => {
          const rows = await warehouse.query<Row>(
            `SELECT product_id, toString(month) AS month, reviews, average_rating, rating_1, rating_2, rating_3, rating_4, rating_5 FROM ${database}.${view} ORDER BY product_id, month`,
          );
          expect(numeric(rows, RATING_COLUMNS)).toEqual(APPROVED);
        },
      );

      it("a merchant's INSERT adds or removes an attribution question; a rerun of 013 keeps those edits", async () => {
        const questions = `${database}.survey_attribution_questions`;
        await warehouse.command(
          `INSERT INTO ${questions} (question_id, note) VALUES ('${MERCHANT_QUESTION_ID}', 'our email survey')`,
        );
        const merchantRow = {
          channel: 'email',
          question: MERCHANT_QUESTION,
          answer: 'Podcast',
          responses: 1,
          orders: 1,
        };
        expect(await readAttribution()).toEqual([merchantRow, ...ATTRIBUTION_ROWS]);

        // Removing a seeded text by any case and spacing removes every answer sent with that normalised text.
        await warehouse.command(
          `INSERT INTO ${questions} (question_text, is_active, note) VALUES (' HOW DID YOU HEAR ABOUT US? ', 0, 'we ask it elsewhere')`,
        );
        expect(await readAttribution()).toEqual([merchantRow]);

        // An interrupted migration runs 013's statements again: the seed comes back dated 2000-01-01, older than
        // the merchant's rows, so the list and the view are unchanged.
        const listQuery = `SELECT question_id, question_text FROM ${database}.survey_attribution_questions_current ORDER BY question_id, question_text`;
        const before = await warehouse.query<Row>(listQuery);
        expect(before).toContainEqual({ question_id: MERCHANT_QUESTION_ID, question_text: '' });
        expect(before).not.toContainEqual({ question_id: '', question_text: 'how did you hear about us?' });
        expect(before).toContainEqual({ question_id: '', question_text: 'where did you hear about us?' });
        // 014 runs after it as well (it re-creates survey_attribution), as it would after an interruption.
        const rerun = (await loadMigrations()).filter((m) => m.version >= 13);
        for (const statement of rerun.flatMap((m) => m.statements)) {
          await warehouse.command(statement.replaceAll('{database}', database));
        }
        expect(await warehouse.query<Row>(listQuery)).toEqual(before);
        expect(await readAttribution(), name).toEqual([merchantRow]);
      });

      it("the schema README's INSERT examples edit the list, and its loyalty query runs", async () => {
        const inserts = (await readmeQueries('Attribution views'))
          .flatMap((block) => block.split(/;\s*/))
          .filter((sql) => sql !== '');
        expect(inserts).toHaveLength(3);
        for (const sql of inserts) await warehouse.command(sql.replaceAll('okendo.', `${database}.`));
        const list = await warehouse.query<Row>(
          `SELECT question_id, question_text FROM ${database}.survey_attribution_questions_current`,
        );
        expect(list).toContainEqual({
          question_id: 'a5c1e8f3-7d29-4b06-b4e1-0f6d9a2c8e75',
          question_text: '',
        });
        expect(list).toContainEqual({ question_id: '', question_text: MERCHANT_QUESTION.toLowerCase() });
        expect(list).not.toContainEqual({ question_id: '', question_text: 'how did you find us?' });
        // The merchant's question is now listed by id and by text: its answers still count once.
        expect(await readAttribution()).toEqual([
          { channel: 'email', question: MERCHANT_QUESTION, answer: 'Podcast', responses: 1, orders: 1 },
        ]);

        const [loyalty, ...more] = await readmeQueries('Values of enumerated columns');
        expect(more).toEqual([]);
        await expect(warehouse.query(loyalty?.replaceAll('okendo.', `${database}.`) ?? '')).resolves.toEqual(
          [],
        );
      });
    });
  },
);
