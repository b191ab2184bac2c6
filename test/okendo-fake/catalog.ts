/**
 * The fake's catalog: Okendo's documented read endpoints for backfills, `GET /reviews` and
 * `GET /surveys/{surveyId}/responses` (services/okendo-api/src/reviews.ts and surveys.ts say what is documented
 * and what is assumed). Mounted by FakeOkendo through `options.routes` (the fake checks credentials, the API
 * version header and its rate limit before any route), or alone by a test's own server.
 *
 * Pages are keyset pages over a total order (the sort field, then the id), so a cursor stays valid while
 * reviews are added: a new one lands where its date puts it, never shifting what later pages hold.
 */
import { FIXTURES } from '@okendo/schemas';

/** The same shape as FakeRoute in fake-okendo.ts (structural, so either side may be written first). */
export interface CatalogAnswer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}
export type CatalogRoute = (method: string, url: URL, body: unknown) => CatalogAnswer | undefined;

type Item = Record<string, unknown>;
type Order = { field: 'date' | 'rating'; direction: 'asc' | 'desc' };

const STATUSES = new Set(['approved', 'pending', 'rejected']);
const REVIEWS_PATH = /\/reviews$/;
const RESPONSES_PATH = /\/surveys\/([^/]+)\/responses$/;

const invalid = (description: string): CatalogAnswer => ({ status: 400, body: { error: { description } } });

export class FakeCatalog {
  readonly #reviews = new Map<string, Item>();
  readonly #surveys = new Map<string, Map<string, Item>>();
  /** pages served, per endpoint: what a test reads to count requests */
  readonly pagesServed = { reviews: 0, surveyResponses: 0 };

  /** Adds or replaces reviews (by reviewId). */
  addReviews(reviews: readonly Item[]): void {
    for (const review of reviews) this.#reviews.set(String(review['reviewId']), structuredClone(review));
  }

  removeReview(reviewId: string): void {
    this.#reviews.delete(reviewId);
  }

  addSurveyResponses(surveyId: string, responses: readonly Item[]): void {
    const survey = this.#surveys.get(surveyId) ?? new Map<string, Item>();
    for (const response of responses)
      survey.set(String(response['surveyResponseId']), structuredClone({ surveyId, ...response }));
    this.#surveys.set(surveyId, survey);
  }

  reviewCount(): number {
    return this.#reviews.size;
  }

  readonly route: CatalogRoute = (method, url) => {
    if (REVIEWS_PATH.test(url.pathname)) {
      if (method !== 'GET') return { status: 405, body: { error: { description: 'method not allowed' } } };
      return this.#reviewsPage(url);
    }
    const survey = RESPONSES_PATH.exec(url.pathname);
    if (survey) {
      if (method !== 'GET') return { status: 405, body: { error: { description: 'method not allowed' } } };
      const surveyId = decodeURIComponent(survey[1] ?? '');
      const responses = this.#surveys.get(surveyId);
      if (responses === undefined)
        return { status: 404, body: { error: { description: 'survey not found' } } };
      const page = keysetPage(url, [...responses.values()], 'surveyResponseId', ['date']);
      if ('status' in page) return page;
      this.pagesServed.surveyResponses += 1;
      return { status: 200, body: { surveyResponses: page.items, ...page.next } };
    }
    return undefined;
  };

  #reviewsPage(url: URL): CatalogAnswer {
    const status = url.searchParams.get('status') ?? 'approved';
    if (!STATUSES.has(status)) return invalid("status must be one of 'approved', 'pending', 'rejected'");
    const matching = [...this.#reviews.values()].filter((review) => review['status'] === status);
    const page = keysetPage(url, matching, 'reviewId', ['date', 'rating']);
    if ('status' in page) return page;
    this.pagesServed.reviews += 1;
    return { status: 200, body: { reviews: page.items, ...page.next } };
  }
}

/** One page of `items` after the cursor in `url`, with the relative nextUrl when more follow. */
function keysetPage(
  url: URL,
  items: Item[],
  idField: string,
  orderFields: ReadonlyArray<Order['field']>,
): { items: Item[]; next: { nextUrl?: string } } | CatalogAnswer {
  const limitText = url.searchParams.get('limit') ?? '25';
  const limit = Number(limitText);
  if (!/^\d+$/.test(limitText) || limit < 1 || limit > 100) return invalid('limit must be between 1 and 100');
  const order = parseOrder(url.searchParams.get('orderBy') ?? 'date desc', orderFields);
  if (order === undefined) return invalid(`orderBy must be '(${orderFields.join('|')}) (asc|desc)'`);
  const key = (item: Item): [number, string, string] => [
    order.field === 'rating' ? Number(item['rating'] ?? 0) : 0,
    String(item['dateCreated'] ?? ''),
    String(item[idField]),
  ];
  const sign = order.direction === 'asc' ? 1 : -1;
  const compare = (a: [number, string, string], b: [number, string, string]): number =>
    sign * (a[0] - b[0] || a[1].localeCompare(b[1]) || a[2].localeCompare(b[2]));
  let after: [number, string, string] | undefined;
  const cursorText = url.searchParams.get('lastEvaluated');
  if (cursorText !== null) {
    after = parseCursor(cursorText, idField);
    if (after === undefined) return invalid('lastEvaluated is not a cursor this endpoint gave');
  }
  const sorted = items
    .map((item) => ({ item, key: key(item) }))
    .filter(({ key: k }) => after === undefined || compare(k, after) > 0)
    .sort((a, b) => compare(a.key, b.key));
  const page = sorted.slice(0, limit);
  const last = page.at(-1);
  if (last === undefined || sorted.length <= limit) return { items: page.map(({ item }) => item), next: {} };
  const cursor = JSON.stringify({ [idField]: last.key[2], dateCreated: last.key[1], rating: last.key[0] });
  const query = new URLSearchParams(url.searchParams);
  query.set('lastEvaluated', cursor);
  return { items: page.map(({ item }) => item), next: { nextUrl: `${url.pathname}?${query}` } };
}

function parseOrder(text: string, fields: ReadonlyArray<Order['field']>): Order | undefined {
  const [field, direction, ...rest] = text.trim().split(/\s+/);
  if (rest.length > 0 || (direction !== 'asc' && direction !== 'desc')) return undefined;
  if (!fields.includes(field as Order['field'])) return undefined;
  return { field: field as Order['field'], direction };
}

function parseCursor(text: string, idField: string): [number, string, string] | undefined {
  try {
    const cursor = JSON.parse(text) as Record<string, unknown>;
    const id = cursor[idField];
    const date = cursor['dateCreated'];
    const rating = cursor['rating'];
    if (typeof id !== 'string' || typeof date !== 'string' || typeof rating !== 'number') return undefined;
    return [rating, date, id];
  } catch {
    return undefined;
  }
}

export interface SampleReviewOptions {
  count: number;
  /** makes the ids unique to a test */
  prefix: string;
  /** the first day (UTC, YYYY-MM-DD) reviews are created on; they spread over `days` days from there */
  firstDay: string;
  days: number;
  /** shares of pending and rejected reviews; the rest are approved */
  pendingShare?: number;
  rejectedShare?: number;
}

/**
 * Reviews as `GET /reviews` returns them, built from the traffic fixtures' full review (every documented
 * field): fresh ids, creation times spread evenly over the days, ratings 1-5 and statuses by share.
 */
export function sampleReviews(options: SampleReviewOptions): Item[] {
  const fixture = FIXTURES.find((f) => f.resourceType === 'review' && f.topic === 'create');
  if (fixture === undefined) throw new Error('no review.create fixture');
  const template = (JSON.parse(fixture.body) as { resource: Item }).resource;
  const start = Date.parse(`${options.firstDay}T00:00:00Z`);
  const dayMs = 86_400_000;
  const pending = options.pendingShare ?? 0.1;
  const rejected = options.rejectedShare ?? 0.05;
  return Array.from({ length: options.count }, (_, i) => {
    const day = i % options.days;
    const withinDay = Math.floor(((i / options.days) * 7_919) % (dayMs - 1_000));
    const share = (i * 0.618_034) % 1;
    const status = share < pending ? 'pending' : share < pending + rejected ? 'rejected' : 'approved';
    return {
      ...structuredClone(template),
      reviewId: `${options.prefix}-review-${i}`,
      rating: 1 + (i % 5),
      status,
      title: `Review ${i} of ${options.prefix}`,
      dateCreated: new Date(start + day * dayMs + withinDay).toISOString(),
    };
  });
}

/**
 * Responses of one survey as `GET /surveys/{id}/responses` returns them, built from the survey_response
 * fixture (its answered questions and attribution answer): fresh ids, one every hour from `firstDay`.
 */
export function sampleSurveyResponses(
  surveyId: string,
  count: number,
  prefix: string,
  firstDay: string,
): Item[] {
  const fixture = FIXTURES.find((f) => f.resourceType === 'survey_response' && f.topic === 'create');
  if (fixture === undefined) throw new Error('no survey_response.create fixture');
  const template = (JSON.parse(fixture.body) as { resource: Item }).resource;
  const start = Date.parse(`${firstDay}T00:00:00Z`);
  return Array.from({ length: count }, (_, i) => ({
    ...structuredClone(template),
    surveyResponseId: `${prefix}-response-${i}`,
    surveyId,
    dateCreated: new Date(start + i * 3_600_000).toISOString(),
  }));
}
