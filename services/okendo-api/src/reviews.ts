/**
 * `GET /reviews` of Okendo's Merchant REST API ("Okendo Enterprise API 1.2.1", docs.okendo.io merchant-rest-api,
 * endpoints/reviews), read for backfills.
 *
 * Documented: query `limit` (1..100, default 25), `lastEvaluated` (the URL-encoded JSON cursor of the next
 * page), `orderBy` (`(date|rating) (asc|desc)`, default `date desc`), `status` (`approved` | `pending` |
 * `rejected`, default `approved`: so a full read is one pass per status); the answer `{ reviews: [...], nextUrl? }`
 * with `nextUrl` relative and absent on the last page; 400 for bad parameters, 401 for bad credentials. A review
 * has the fields the webhook's `resource` has (okendo-webhooks.md), `reviewId` (uuid) and `dateCreated` (ISO).
 * Assumed (not documented): that `nextUrl` carries `lastEvaluated` in its query (as for webhook subscriptions),
 * that `date asc` is a total order stable while a pass runs (ties broken the same way on every page), and that a
 * review has no modification date (none is documented; the backfill hashes the content instead).
 */

export const REVIEW_STATUSES = ['approved', 'pending', 'rejected'] as const;
export type ReviewStatus = (typeof REVIEW_STATUSES)[number];

export const isReviewStatus = (value: string): value is ReviewStatus =>
  (REVIEW_STATUSES as readonly string[]).includes(value);

/** A review as Okendo sends it: only the id and creation date are checked, the rest travels untouched. */
export interface OkendoReview {
  readonly reviewId: string;
  readonly dateCreated?: string;
  readonly [field: string]: unknown;
}

export type CatalogOrder = 'date asc' | 'date desc';

export interface ListReviewsOptions {
  status?: ReviewStatus;
  /** 1..100; Okendo's default is 25, backfills ask for 100 */
  limit?: number;
  /** `date asc` keeps pages stable while new reviews arrive (they land after the cursor) */
  orderBy?: CatalogOrder | 'rating asc' | 'rating desc';
  /** resume from the cursor a previous page gave (ReviewPage.lastEvaluated) */
  lastEvaluated?: string;
}

export interface ReviewPage {
  reviews: OkendoReview[];
  /** the cursor of the next page (raw JSON text), absent on the last page */
  lastEvaluated?: string;
}

type Fields = Record<string, unknown>;
const isObject = (value: unknown): value is Fields =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** One catalog page: `listField` holds objects, each with a non-empty string `idField`. A string says what is wrong. */
export function parseCatalogPage(
  value: unknown,
  listField: string,
  idField: string,
): { items: Fields[]; nextUrl?: string } | string {
  if (!isObject(value) || !Array.isArray(value[listField])) return `the page has no ${listField} list`;
  const items: Fields[] = [];
  for (const item of value[listField] as unknown[]) {
    if (!isObject(item)) return `an entry of ${listField} is not an object`;
    const id = item[idField];
    if (typeof id !== 'string' || id === '') return `an entry of ${listField} has no ${idField}`;
    items.push(item);
  }
  const nextUrl = value['nextUrl'];
  if (nextUrl !== undefined && nextUrl !== null && typeof nextUrl !== 'string')
    return 'nextUrl is not a string';
  return typeof nextUrl === 'string' && nextUrl !== '' ? { items, nextUrl } : { items };
}

export function reviewQuery(options: ListReviewsOptions): URLSearchParams {
  const query = new URLSearchParams();
  if (options.status !== undefined) query.set('status', options.status);
  if (options.limit !== undefined) query.set('limit', String(options.limit));
  if (options.orderBy !== undefined) query.set('orderBy', options.orderBy);
  if (options.lastEvaluated !== undefined) query.set('lastEvaluated', options.lastEvaluated);
  return query;
}
