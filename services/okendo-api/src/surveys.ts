/**
 * `GET /surveys/{surveyId}/responses` of Okendo's Merchant REST API (docs.okendo.io merchant-rest-api,
 * endpoints/surveys), read for backfills.
 *
 * Documented: path `surveyId` (uuid); query `limit` (1..100, default 25), `lastEvaluated` (URL-encoded JSON
 * cursor), `orderBy` (`date asc|desc`, default `date desc`); the answer `{ surveyResponses: [...], nextUrl? }`.
 * A response has the webhook resource's fields (`surveyResponseId`, `surveyId`, `dateCreated`,
 * `answeredQuestions`, ...). Not documented: an endpoint listing the surveys themselves, so the operator names
 * each survey id; as for reviews, `lastEvaluated` is read from `nextUrl`'s query (assumed).
 */
import type { CatalogOrder } from './reviews.js';

export interface OkendoSurveyResponse {
  readonly surveyResponseId: string;
  readonly surveyId?: string;
  readonly dateCreated?: string;
  readonly [field: string]: unknown;
}

export interface ListSurveyResponsesOptions {
  limit?: number;
  orderBy?: CatalogOrder;
  lastEvaluated?: string;
}

export interface SurveyResponsePage {
  surveyResponses: OkendoSurveyResponse[];
  lastEvaluated?: string;
}

export function surveyResponseQuery(options: ListSurveyResponsesOptions): URLSearchParams {
  const query = new URLSearchParams();
  if (options.limit !== undefined) query.set('limit', String(options.limit));
  if (options.orderBy !== undefined) query.set('orderBy', options.orderBy);
  if (options.lastEvaluated !== undefined) query.set('lastEvaluated', options.lastEvaluated);
  return query;
}
