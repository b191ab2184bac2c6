/**
 * Acceptance of issue 10's survey answers and confirmed fields, through the whole pipeline (signed webhook ->
 * ingest -> Kafka -> sink) on the ClickHouse server and on chDB: every answer shape lands as one
 * survey_answers row per answered question, read through survey_answers_current; the confirmed review,
 * loyalty and transaction fields land in their columns; the queries the schema README shows for them run.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ANSWER_SHAPE_QUESTIONS,
  EDGE_CASE_FIXTURES,
  FIXTURES,
  TRAFFIC_SHAPE_VARIANTS,
  type WebhookFixture,
} from '@okendo/schemas';
import { describe, expect, it } from 'vitest';
import { EXPECTED_ANSWERS, expectedAnswerJson } from '../harness/answer-shapes.js';
import { runInfra, titleWithSkipReason } from '../harness/infra.js';
import { pipelineTargets, type TestPipeline } from '../harness/pipeline.js';
import { pipelineForSuite } from '../harness/pipeline-suite.js';
import { repoRoot } from '../vitest.shared.js';

const infra = runInfra();

const fixture = (name: string): WebhookFixture => {
  const found = [...FIXTURES, ...EDGE_CASE_FIXTURES, ...TRAFFIC_SHAPE_VARIANTS].find((f) => f.name === name);
  if (found === undefined) throw new Error(`no fixture ${name}`);
  return found;
};

interface AnswerRow {
  question_id: string;
  sequence_number: string;
  answers: string[];
  answer: string | null;
  answer_number: number | string | null;
  answer_json: string | null;
}

/** The rows as the expectations are written (Float64 may arrive as a number or as text). */
const comparable = (rows: AnswerRow[]) =>
  rows.map((row) => ({
    questionId: row.question_id,
    answers: row.answers,
    answer: row.answer,
    answerNumber: row.answer_number === null ? null : Number(row.answer_number),
    answerJson: row.answer_json,
  }));

const expectedRows = (questionIds: readonly unknown[]) =>
  questionIds.map((id) => {
    const expected = EXPECTED_ANSWERS[String(id)];
    if (expected === undefined) throw new Error(`no expectation for ${String(id)}`);
    return { questionId: id, ...expected, answerJson: expectedAnswerJson(String(id)) };
  });

/** The ```sql blocks of the README's Loyalty and Surveys sections (the Example queries have their own test). */
async function columnSectionQueries(): Promise<string[]> {
  const readme = await readFile(join(repoRoot, 'infra', 'clickhouse', 'README.md'), 'utf8');
  const sections = readme
    .split(/^## /m)
    .filter((s) => /^(Loyalty|Surveys)\s*$/m.test(s.split('\n')[0] ?? ''));
  return sections.flatMap((s) => [...s.matchAll(/```sql\n([\s\S]*?)```/g)].map((m) => (m[1] ?? '').trim()));
}

describe.each(pipelineTargets(infra))(
  'survey answers and confirmed fields into $name',
  ({ name, target, missing }) => {
    describe.skipIf(missing !== undefined)(titleWithSkipReason(name, missing), () => {
      let pipeline: TestPipeline;
      let db: string;
      pipelineForSuite(infra, target, (started) => {
        pipeline = started;
        db = started.database;
      });

      it('every answer shape is one survey_answers_current row with its answers, answer_number and answer_json', async () => {
        const create = fixture('edge.survey_response-every-answer-shape');
        const update = fixture('variant.survey_response-every-answer-shape.update');
        const rowsOf = `SELECT question_id, toString(sequence_number) AS sequence_number, answers, answer, answer_number, answer_json FROM ${db}.survey_answers_current WHERE survey_response_id = '${create.entityId}' ORDER BY position`;

        expect(await pipeline.post(create)).toBe(200);
        const created = await pipeline.waitFor<AnswerRow>(
          rowsOf,
          (rows) => rows.length === ANSWER_SHAPE_QUESTIONS.length,
        );
        expect(comparable(created)).toEqual(expectedRows(ANSWER_SHAPE_QUESTIONS.map((q) => q['id'])));

        // The update answers fewer questions: the view shows the current version's rows only.
        const updatedQuestions = JSON.parse(update.body).resource.answeredQuestions as Array<{ id: string }>;
        expect(await pipeline.post(update)).toBe(200);
        const updated = await pipeline.waitFor<AnswerRow>(
          rowsOf,
          (rows) =>
            rows.length === updatedQuestions.length &&
            rows.every((row) => row.sequence_number === update.sequenceNumber),
        );
        expect(comparable(updated)).toEqual(expectedRows(updatedQuestions.map((q) => q.id)));

        const [response] = await pipeline.sql<{
          channel_survey_description: string;
          mapping_issues: string[];
        }>(
          `SELECT channel_survey_description, mapping_issues FROM ${db}.survey_responses_current WHERE survey_response_id = '${create.entityId}'`,
        );
        expect(response).toEqual({
          channel_survey_description: 'Post-delivery email survey',
          mapping_issues: [],
        });
        const [custom] = await pipeline.sql<{ custom_answer: string; custom_answer_option_text: string }>(
          `SELECT custom_answer, custom_answer_option_text FROM ${db}.survey_answers WHERE survey_response_id = '${create.entityId}' AND question_id = 'shape-custom'`,
        );
        expect(custom).toEqual({
          custom_answer: 'A podcast ad',
          custom_answer_option_text: 'Other (please specify)',
        });
      });

      it('confirmed review, loyalty member and transaction fields land in their columns; the README queries run', async () => {
        const sent = [
          fixture('review.create'),
          fixture('loyalty_customer.update'),
          fixture('edge.loyalty_customer-guessed-names'),
          fixture('loyalty_adjustment_transaction.create'),
          fixture('loyalty_earning_transaction.create'),
          fixture('loyalty_redemption_transaction.create'),
          fixture('edge.loyalty_redemption_transaction-positive-amount'),
          fixture('edge.loyalty_adjustment_transaction-negative-amount'),
        ];
        for (const f of sent) expect(await pipeline.post(f), f.name).toBe(200);
        const transactions = sent.filter((f) => f.resourceType.endsWith('_transaction'));
        await pipeline.waitFor<{ n: string }>(
          `SELECT count() AS n FROM ${db}.loyalty_transactions_current WHERE loyalty_transaction_id IN (${transactions.map((f) => `'${f.entityId}'`).join(', ')})`,
          (rows) => rows[0]?.n === String(transactions.length),
        );
        await pipeline.waitFor<{ n: string }>(
          `SELECT (SELECT count() FROM ${db}.loyalty_customers_current) + (SELECT count() FROM ${db}.reviews_current) AS n`,
          (rows) => rows[0]?.n === '3',
        );

        const review = fixture('review.create');
        const [row] = await pipeline.sql<Record<string, unknown>>(
          `SELECT is_incentivized, variant_name, reviewer_avatar_url, reviewer_social_connection, reviewer_country_name, reply_raw_body, reward_type, reward_value FROM ${db}.reviews_current WHERE review_id = '${review.entityId}'`,
        );
        const wire = JSON.parse(review.body).resource;
        expect(row).toEqual({
          is_incentivized: 1,
          variant_name: wire.variantName,
          reviewer_avatar_url: wire.reviewer.avatarUrl,
          reviewer_social_connection: wire.reviewer.socialConnection,
          reviewer_country_name: wire.reviewer.location.country.name,
          reply_raw_body: wire.reply.rawBody,
          reward_type: wire.reward.type,
          reward_value: String(wire.reward.value),
        });
        const attributes = await pipeline.sql<{ title: string; type: string; value: string }>(
          `SELECT title, type, value FROM ${db}.review_reviewer_attributes_current WHERE review_id = '${review.entityId}' ORDER BY position`,
        );
        expect(attributes).toEqual(wire.reviewer.attributes);

        const members = await pipeline.sql<Record<string, unknown>>(
          `SELECT loyalty_customer_id, points_balance, vip_tier_name, minimum_vip_tier_name FROM ${db}.loyalty_customers_current ORDER BY loyalty_customer_id`,
        );
        expect(members.map((m) => ({ ...m, points_balance: Number(m['points_balance']) }))).toEqual(
          [
            {
              loyalty_customer_id: fixture('loyalty_customer.update').entityId,
              points_balance: 2620,
              vip_tier_name: 'Gold',
              minimum_vip_tier_name: 'Silver',
            },
            {
              loyalty_customer_id: fixture('edge.loyalty_customer-guessed-names').entityId,
              points_balance: 380,
              vip_tier_name: 'Bronze',
              minimum_vip_tier_name: null,
            },
          ].sort((a, b) => a.loyalty_customer_id.localeCompare(b.loyalty_customer_id)),
        );

        // 250 adjusted up + 1170 earned - 1000 redeemed - 500 redeemed (sent positive) - 120 adjusted down
        const [net] = await pipeline.sql<{ net: number | string }>(
          `SELECT sum(points_delta) AS net FROM ${db}.loyalty_transactions_current WHERE loyalty_customer_id = '${fixture('loyalty_customer.update').entityId}'`,
        );
        expect(Number(net?.net)).toBe(-200);

        const queries = await columnSectionQueries();
        expect(queries.length).toBe(3);
        for (const query of queries) {
          const rows = await pipeline.sql(query.replaceAll('okendo.', `${db}.`));
          expect(rows.length, query).toBeGreaterThan(0);
        }
      });
    });
  },
);
