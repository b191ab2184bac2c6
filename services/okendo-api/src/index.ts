export { type OkendoApiConfig, readOkendoApiConfig } from './api-config.js';
export type {
  OkendoApiError,
  OkendoErrorCode,
  Result,
} from './api-result.js';
export {
  type CredentialsResult,
  credentialEnvKeys,
  credentialsBySource,
  DEFAULT_OKENDO_SOURCE,
  OkendoCredentials,
  readOkendoCredentials,
} from './credentials.js';
export { OkendoClient, type OkendoClientOptions, type OkendoRequestLog } from './okendo-client.js';
export type { RateLimit } from './rate-limiter.js';
export { retryAfterMs } from './retry-after.js';
export {
  type CatalogOrder,
  isReviewStatus,
  type ListReviewsOptions,
  type OkendoReview,
  REVIEW_STATUSES,
  type ReviewPage,
  type ReviewStatus,
} from './reviews.js';
export * from './subscription-types.js';
export type { ListSurveyResponsesOptions, OkendoSurveyResponse, SurveyResponsePage } from './surveys.js';
