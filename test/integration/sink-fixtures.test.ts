import { EDGE_CASE_FIXTURES, FIXTURES, type WebhookFixture } from '@okendo/schemas';
import { describe, expect, it } from 'vitest';
import { runInfra, titleWithSkipReason } from '../harness/infra.js';
import { pipelineTargets, type TestPipeline } from '../harness/pipeline.js';
import { pipelineForSuite } from '../harness/pipeline-suite.js';

const infra = runInfra();
const fixture = (name: string): WebhookFixture => {
  const found = [...FIXTURES, ...EDGE_CASE_FIXTURES].find((f) => f.name === name);
  if (found === undefined) throw new Error(`no fixture ${name}`);
  return found;
};
const notDeletes = FIXTURES.filter((f) => f.topic !== 'delete');
const deletes = FIXTURES.filter((f) => f.topic === 'delete');

const targets = pipelineTargets(infra);

describe.each(targets)(
  'sink into $name: every fixture lands in the right tables',
  ({ name, target, missing }) => {
    describe.skipIf(missing !== undefined)(titleWithSkipReason(name, missing), () => {
      let pipeline: TestPipeline;
      let db: string;
      pipelineForSuite(infra, target, (started) => {
        pipeline = started;
        db = started.database;
      });

      it('writes creates and updates into state, child and event tables with their column values', async () => {
        const sent = [...notDeletes, ...EDGE_CASE_FIXTURES];
        for (const f of sent) expect(await pipeline.post(f), f.name).toBe(200);
        await pipeline.waitFor<{ n: string }>(
          `SELECT count() AS n FROM ${db}.events_current`,
          (rows) => rows[0]?.n === String(sent.length),
        );

        const [review] = await pipeline.sql<Record<string, unknown>>(
          `SELECT * FROM ${db}.reviews_current WHERE review_id = '${fixture('review.update').entityId}'`,
        );
        const updated = JSON.parse(fixture('review.update').body).resource;
        expect(review).toMatchObject({
          rating: updated.rating,
          status: updated.status,
          title: updated.title,
          helpful_count: updated.helpfulCount,
          contains_profanity: 0,
          is_recommended: 1,
          reviewer_country_code: updated.reviewer.location.country.code,
          order_id: updated.order.orderId,
          date_created: updated.dateCreated.slice(0, 19).replace('T', ' '),
          sequence_number: fixture('review.update').sequenceNumber,
          event_topic: 'update',
          is_deleted: 0,
          source: 'default',
        });
        const tags = await pipeline.sql<{ tag: string }>(
          `SELECT tag FROM ${db}.review_tags_current WHERE review_id = '${fixture('review.update').entityId}' ORDER BY position`,
        );
        expect(tags.map((t) => t.tag)).toEqual(updated.tags);
        const media = await pipeline.sql<{ n: string }>(
          `SELECT count() AS n FROM ${db}.review_media_current WHERE review_id = '${fixture('edge.review-12-media').entityId}'`,
        );
        expect(media[0]?.n).toBe('12');

        const [edgeUnicode] = await pipeline.sql<{ title: string; body: string }>(
          `SELECT title, body FROM ${db}.reviews_current WHERE review_id = '${fixture('edge.review-unicode').entityId}'`,
        );
        const unicode = JSON.parse(fixture('edge.review-unicode').body).resource;
        expect(edgeUnicode).toEqual({ title: unicode.title, body: unicode.body });
        const [edgeHtml] = await pipeline.sql<{ body: string; reply_body: string }>(
          `SELECT body, reply_body FROM ${db}.reviews_current WHERE review_id = '${fixture('edge.review-html').entityId}'`,
        );
        const html = JSON.parse(fixture('edge.review-html').body).resource;
        expect(edgeHtml).toEqual({ body: html.body, reply_body: html.reply.body });
        const [long] = await pipeline.sql<{ n: string }>(
          `SELECT length(body) AS n FROM ${db}.reviews_current WHERE review_id = '${fixture('edge.review-long').entityId}'`,
        );
        expect(Number(long?.n)).toBe(
          Buffer.byteLength(JSON.parse(fixture('edge.review-long').body).resource.body),
        );
        const [maxSeq] = await pipeline.sql<{ sequence_number: string }>(
          `SELECT sequence_number FROM ${db}.reviews_current WHERE review_id = '${fixture('edge.review-seq-int64-max').entityId}'`,
        );
        expect(maxSeq?.sequence_number).toBe('9223372036854775807');
        const [raw] = await pipeline.sql<{ payload: string }>(
          `SELECT payload FROM ${db}.events_current WHERE entity_id = '${fixture('edge.loyalty_earning_transaction-raw-whitespace').entityId}'`,
        );
        expect(raw?.payload).toBe(fixture('edge.loyalty_earning_transaction-raw-whitespace').body);

        const kinds = await pipeline.sql<{ kind: string; n: string }>(
          `SELECT kind, count() AS n FROM ${db}.loyalty_transactions_current GROUP BY kind ORDER BY kind`,
        );
        expect(kinds.map((k) => k.kind)).toEqual(['adjustment', 'earning', 'redemption']);

        const survey = JSON.parse(fixture('survey_response.update').body).resource;
        const answers = await pipeline.sql<{ question_id: string; answer: string; answers: string[] }>(
          `SELECT question_id, answer, answers FROM ${db}.survey_answers_current WHERE survey_response_id = '${fixture('survey_response.update').entityId}' ORDER BY position`,
        );
        expect(answers.map((a) => a.question_id)).toEqual(
          survey.answeredQuestions.map((q: { id: string }) => q.id),
        );
        const attribution = await pipeline.sql<{
          channel: string;
          answer: string;
          responses: string;
          orders: string;
        }>(
          `SELECT channel, answer, responses, orders FROM ${db}.survey_attribution ORDER BY channel, answer`,
        );
        // The update of the survey response answers "How did you hear about us?" on its order.
        const heard = survey.answeredQuestions.find((q: { text: string }) => /hear about us/i.test(q.text));
        expect(attribution).toContainEqual({
          channel: survey.channel,
          answer: heard.answer,
          responses: '1',
          orders: survey.order?.remoteOrderId ? '1' : '0',
        });

        const quiz = JSON.parse(fixture('quiz_response.update').body).resource;
        const recommendations = await pipeline.sql<{
          product_id: string;
          recommendations: string;
          recommendations_with_order: string;
        }>(
          `SELECT product_id, recommendations, recommendations_with_order FROM ${db}.quiz_recommendation_orders ORDER BY product_id`,
        );
        expect(recommendations.map((r) => r.product_id).sort()).toEqual(
          quiz.productRecommendations.map((p: { productId: string }) => p.productId).sort(),
        );
        const ratings = await pipeline.sql<{
          product_id: string;
          month: string;
          reviews: string;
          average_rating: number;
        }>(
          `SELECT product_id, month, reviews, average_rating FROM ${db}.review_ratings_by_product_month WHERE product_id = '${updated.productId}'`,
        );
        const month = ratings.find((r) => r.month === `${updated.dateCreated.slice(0, 7)}-01`);
        expect(Number(month?.reviews)).toBeGreaterThanOrEqual(1);
        expect(month?.average_rating).toBeGreaterThanOrEqual(1);
        expect(month?.average_rating).toBeLessThanOrEqual(5);
      });

      it('hides deleted entities and their children from the _current views', async () => {
        for (const f of deletes) expect(await pipeline.post(f), f.name).toBe(200);
        const reviewId = fixture('review.delete').entityId;
        await pipeline.waitFor<{ n: string }>(
          `SELECT count() AS n FROM ${db}.reviews_current WHERE review_id = '${reviewId}'`,
          (rows) => rows[0]?.n === '0',
        );
        for (const f of deletes) {
          const table = {
            review: 'reviews',
            loyalty_customer: 'loyalty_customers',
            loyalty_adjustment_transaction: 'loyalty_transactions',
            loyalty_earning_transaction: 'loyalty_transactions',
            loyalty_redemption_transaction: 'loyalty_transactions',
            quiz_response: 'quiz_responses',
            survey_response: 'survey_responses',
          }[f.resourceType];
          const idColumn = {
            reviews: 'review_id',
            loyalty_customers: 'loyalty_customer_id',
            loyalty_transactions: 'loyalty_transaction_id',
            quiz_responses: 'quiz_response_id',
            survey_responses: 'survey_response_id',
          }[table ?? ''];
          await pipeline.waitFor<{ live: string; deleted: string }>(
            `SELECT (SELECT count() FROM ${db}.${table}_current WHERE ${idColumn} = '${f.entityId}') AS live, (SELECT count() FROM ${db}.${table} FINAL WHERE ${idColumn} = '${f.entityId}' AND is_deleted = 1) AS deleted`,
            (rows) => rows[0]?.live === '0' && rows[0]?.deleted === '1',
          );
        }
        for (const [child, idColumn, id] of [
          ['review_tags', 'review_id', reviewId],
          ['review_media', 'review_id', reviewId],
          ['survey_answers', 'survey_response_id', fixture('survey_response.delete').entityId],
          ['quiz_recommendations', 'quiz_response_id', fixture('quiz_response.delete').entityId],
        ] as const) {
          const [hidden] = await pipeline.sql<{ n: string }>(
            `SELECT count() AS n FROM ${db}.${child}_current WHERE ${idColumn} = '${id}'`,
          );
          const [kept] = await pipeline.sql<{ n: string }>(
            `SELECT count() AS n FROM ${db}.${child} WHERE ${idColumn} = '${id}'`,
          );
          expect({ child, hidden: hidden?.n }).toEqual({ child, hidden: '0' });
          expect(Number(kept?.n), child).toBeGreaterThan(0);
        }
      });
    });
  },
);
