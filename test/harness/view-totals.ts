/**
 * The attribution views of infra/clickhouse/migrations/006 and 013, computed in TypeScript from the ledger's expected
 * records, so the views' totals can be checked: a duplicate child or state row that leaks through a join shows
 * up as a count above these. Keys leave out the month (it depends on the server's time zone); measures are summed
 * over what is left out.
 */

type Row = Record<string, unknown>;

export interface ViewSpec {
  view: string;
  keys: readonly string[];
  measures: readonly string[];
}

export const VIEW_TOTALS: readonly ViewSpec[] = [
  { view: 'survey_attribution', keys: ['channel', 'question', 'answer'], measures: ['responses', 'orders'] },
  {
    view: 'quiz_recommendation_orders',
    keys: ['product_id', 'is_runner_up'],
    measures: ['recommendations', 'recommendations_with_order', 'reviewed_in_order'],
  },
  {
    // Every status, so every review's rows are checked (review_ratings_by_product_month is approved only).
    view: 'review_ratings_by_product_month_status',
    keys: ['product_id'],
    measures: ['reviews', 'rating_1', 'rating_2', 'rating_3', 'rating_4', 'rating_5'],
  },
];

/** view -> JSON of the key values -> measures in VIEW_TOTALS order */
export type ViewTotals = Map<string, Map<string, number[]>>;

/** The question texts migration 013 seeds into survey_attribution_questions, lower-cased and trimmed. */
const ATTRIBUTION_QUESTIONS = new Set([
  'how did you hear about us?',
  'where did you hear about us?',
  'how did you find us?',
  'where did you find us?',
  'how did you first hear about us?',
  'where did you first hear about us?',
  'how did you learn about us?',
  'how did you discover us?',
  'how did you hear about us today?',
  'how did you hear about our brand?',
]);

const text = (value: unknown): string => (typeof value === 'string' ? value : '');
const items = (value: unknown): Row[] => (Array.isArray(value) ? (value as Row[]) : []);

function add(totals: Map<string, number[]>, key: unknown[], measures: readonly number[]): void {
  const id = JSON.stringify(key);
  const sum = totals.get(id) ?? measures.map(() => 0);
  totals.set(
    id,
    sum.map((n, i) => n + (measures[i] ?? 0)),
  );
}

function surveyAttribution(surveys: Iterable<Row>): Map<string, number[]> {
  const responses = new Map<string, number[]>();
  const orders = new Map<string, Set<string>>();
  for (const survey of surveys) {
    const channel = text(survey['channel']);
    const order = text(survey['remoteOrderId']);
    for (const question of items(survey['answeredQuestions'])) {
      const asked = text(question['text']);
      if (!ATTRIBUTION_QUESTIONS.has(asked.trim().toLowerCase())) continue;
      for (const answer of (question['answers'] as string[] | undefined) ?? []) {
        const key = [channel, asked, answer];
        add(responses, key, [1, 0]);
        const id = JSON.stringify(key);
        const set = orders.get(id) ?? new Set<string>();
        if (order !== '') set.add(order);
        orders.set(id, set);
      }
    }
  }
  return new Map(
    [...responses].map(([key, [count = 0]]) => [key, [count, orders.get(key)?.size ?? 0]] as const),
  );
}

function quizRecommendationOrders(quizzes: Iterable<Row>, reviews: Iterable<Row>): Map<string, number[]> {
  // ANY LEFT JOIN reviews_current WHERE order_id IS NOT NULL USING (product_id, order_id)
  const reviewed = new Set<string>();
  for (const review of reviews) {
    if (review['orderId'] === null || review['orderId'] === undefined) continue;
    reviewed.add(JSON.stringify([text(review['productId']), text(review['orderId'])]));
  }
  const totals = new Map<string, number[]>();
  for (const quiz of quizzes) {
    const order = text(quiz['orderId']);
    for (const recommendation of items(quiz['productRecommendations'])) {
      const product = text(recommendation['productId']);
      const inOrder = order !== '' && reviewed.has(JSON.stringify([product, order]));
      add(
        totals,
        [product, recommendation['isRunnerUp'] === true ? 1 : 0],
        [1, order === '' ? 0 : 1, inOrder ? 1 : 0],
      );
    }
  }
  return totals;
}

function reviewRatings(reviews: Iterable<Row>): Map<string, number[]> {
  const totals = new Map<string, number[]>();
  for (const review of reviews) {
    const rating = review['rating'];
    if (typeof rating !== 'number' || review['dateCreated'] === null || review['dateCreated'] === undefined)
      continue;
    add(totals, [text(review['productId'])], [1, ...[1, 2, 3, 4, 5].map((r) => (rating === r ? 1 : 0))]);
  }
  return totals;
}

/** records: state table -> entity id -> the normalised record of each current, not-deleted entity */
export function expectedViewTotals(records: ReadonlyMap<string, ReadonlyMap<string, Row>>): ViewTotals {
  const of = (table: string) => records.get(table)?.values() ?? [].values();
  return new Map([
    ['survey_attribution', surveyAttribution(of('survey_responses'))],
    ['quiz_recommendation_orders', quizRecommendationOrders(of('quiz_responses'), of('reviews'))],
    ['review_ratings_by_product_month_status', reviewRatings(of('reviews'))],
  ]);
}
