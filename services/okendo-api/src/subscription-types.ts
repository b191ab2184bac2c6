/**
 * The webhook-subscription shapes of Okendo's Merchant REST API ("Okendo Enterprise API 1.2.1"), as documented
 * (see ../shared/okendo-webhooks.md). Only these calls are typed; responses are checked before use.
 */

/** The only webhook version Okendo documents; sent in `okendo-api-version` and in a subscription's `version`. */
export const OKENDO_API_VERSION = '2025-02-01';

/** Okendo's documented base URL for the Merchant API. */
export const OKENDO_API_BASE_URL = 'https://api.okendo.io/enterprise';

/** The resource types the subscription API documents (surveys and quizzes are delivered but not listed there). */
export const SUBSCRIBABLE_RESOURCE_TYPES = [
  'review',
  'loyalty_customer',
  'loyalty_adjustment_transaction',
  'loyalty_earning_transaction',
  'loyalty_redemption_transaction',
] as const;

export const SUBSCRIPTION_TOPICS = ['create', 'update', 'delete'] as const;

/** A string, since Okendo may accept more types than it documents (the CLI reports what it refuses). */
export type ResourceType = (typeof SUBSCRIBABLE_RESOURCE_TYPES)[number] | (string & {});
export type SubscriptionTopic = (typeof SUBSCRIPTION_TOPICS)[number] | (string & {});

export interface TopicSubscription {
  resourceType: ResourceType;
  topic: SubscriptionTopic;
}

export interface WebhookSubscription {
  subscriberId: string;
  webhookSubscriptionId: string;
  endpointUrl: string;
  version: string;
  subscriptions: TopicSubscription[];
  isEnabled: boolean;
  dateCreated: string;
  dateModified: string;
}

/** POST /webhook_subscriptions answers with the subscription and its signing secret (shown once). */
export interface CreatedWebhookSubscription extends WebhookSubscription {
  webhookSecret: string;
}

export interface CreateWebhookSubscription {
  endpointUrl: string;
  isEnabled: boolean;
  version?: string;
  subscriptions: TopicSubscription[];
}

/** PUT /webhook_subscriptions/{id}: every field optional. */
export type UpdateWebhookSubscription = Partial<CreateWebhookSubscription>;

export interface RotatedSecret {
  webhookSubscriptionSecret: string;
}

export interface ListSubscriptionsOptions {
  /** 1..100, Okendo's default 25. */
  limit?: number;
  orderBy?: 'asc' | 'desc';
  /** Resume from a cursor a previous page returned (`SubscriptionPage.lastEvaluated`). */
  lastEvaluated?: string;
}

export interface SubscriptionPage {
  webhookSubscriptions: WebhookSubscription[];
  /** The cursor of the next page (raw JSON text from `nextUrl`), absent on the last page. */
  lastEvaluated?: string;
}
