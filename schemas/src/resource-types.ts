/**
 * Okendo resource types and how each is routed: its Kafka topic and the field that identifies its entity
 * (the Kafka key, so that all events of one entity stay in order on one partition).
 */

/** resourceType values as they appear in a webhook body (okendo-webhooks.md). */
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

const resourceTypeSet: ReadonlySet<string> = new Set(RESOURCE_TYPES);

export function isResourceType(value: unknown): value is ResourceType {
  return typeof value === 'string' && resourceTypeSet.has(value);
}

/**
 * The field of `resource` holding the entity id. quiz_response has no published payload: quizResponseId is
 * our best reading of the help centre (unconfirmed); a body without it is parked as unroutable, not lost.
 */
export const ENTITY_ID_FIELD: Readonly<Record<ResourceType, string>> = {
  review: 'reviewId',
  loyalty_customer: 'loyaltyCustomerId',
  loyalty_adjustment_transaction: 'loyaltyTransactionId',
  loyalty_earning_transaction: 'loyaltyTransactionId',
  loyalty_redemption_transaction: 'loyaltyTransactionId',
  quiz_response: 'quizResponseId',
  survey_response: 'surveyResponseId',
};

/** The entity id of a resource, or undefined when it has none usable (ids may arrive as strings or numbers). */
export function entityIdOf(
  resourceType: ResourceType,
  resource: Readonly<Record<string, unknown>>,
): string | undefined {
  const id = resource[ENTITY_ID_FIELD[resourceType]];
  if (typeof id === 'string') return id.trim() === '' ? undefined : id;
  if (typeof id === 'number' && Number.isSafeInteger(id)) return String(id);
  return undefined;
}

/** Topics besides the resource topics: signed-but-unroutable deliveries, and events the sink could not map. */
export const SPECIAL_TOPICS = ['unrouted', 'dead_letter'] as const;
export type SpecialTopic = (typeof SPECIAL_TOPICS)[number];
export type TopicKey = ResourceType | SpecialTopic;

/** The Kafka topic name for a resource type or special topic: `<prefix><key>`, e.g. okendo.review. */
export function topicName(key: TopicKey, prefix: string): string {
  return `${prefix}${key}`;
}

export const DEFAULT_TOPIC_PREFIX = 'okendo.';
