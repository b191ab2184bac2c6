/** Checks Okendo's answers against the documented shapes: a string says what is wrong. */
import type { TopicSubscription, WebhookSubscription } from './subscription-types.js';

type Fields = Record<string, unknown>;
const isObject = (value: unknown): value is Fields => typeof value === 'object' && value !== null;

const STRING_FIELDS = ['subscriberId', 'webhookSubscriptionId', 'endpointUrl', 'version'] as const;

export function parseSubscription(value: unknown): WebhookSubscription | string {
  if (!isObject(value)) return 'a subscription is not an object';
  for (const field of STRING_FIELDS)
    if (typeof value[field] !== 'string') return `subscription field ${field} is not a string`;
  if (typeof value['isEnabled'] !== 'boolean') return 'subscription field isEnabled is not a boolean';
  const topics = value['subscriptions'];
  if (!Array.isArray(topics)) return 'subscription field subscriptions is not a list';
  const subscriptions: TopicSubscription[] = [];
  for (const topic of topics) {
    if (!isObject(topic) || typeof topic['resourceType'] !== 'string' || typeof topic['topic'] !== 'string')
      return 'a subscriptions entry lacks resourceType or topic';
    subscriptions.push({ resourceType: topic['resourceType'], topic: topic['topic'] });
  }
  return {
    subscriberId: value['subscriberId'] as string,
    webhookSubscriptionId: value['webhookSubscriptionId'] as string,
    endpointUrl: value['endpointUrl'] as string,
    version: value['version'] as string,
    subscriptions,
    isEnabled: value['isEnabled'],
    // Dates are kept as sent; an absent one (undocumented but harmless) becomes ''.
    dateCreated: typeof value['dateCreated'] === 'string' ? value['dateCreated'] : '',
    dateModified: typeof value['dateModified'] === 'string' ? value['dateModified'] : '',
  };
}

export function parseSubscriptionPage(
  value: unknown,
): { webhookSubscriptions: WebhookSubscription[]; nextUrl?: string } | string {
  if (!isObject(value) || !Array.isArray(value['webhookSubscriptions']))
    return 'the page has no webhookSubscriptions list';
  const webhookSubscriptions: WebhookSubscription[] = [];
  for (const item of value['webhookSubscriptions']) {
    const subscription = parseSubscription(item);
    if (typeof subscription === 'string') return subscription;
    webhookSubscriptions.push(subscription);
  }
  const nextUrl = value['nextUrl'];
  if (nextUrl !== undefined && nextUrl !== null && typeof nextUrl !== 'string')
    return 'nextUrl is not a string';
  return typeof nextUrl === 'string' ? { webhookSubscriptions, nextUrl } : { webhookSubscriptions };
}
