/** Okendo resource types as they appear in `resourceType` of a webhook body (okendo-webhooks.md). */
export const RESOURCE_TYPES = [
  'review',
  'loyalty_customer',
  'loyalty_adjustment_transaction',
  'loyalty_earning_transaction',
  'loyalty_redemption_transaction',
  'quiz_response',
  'survey_response',
] as const;

export type ResourceType = (typeof RESOURCE_TYPES)[number];
