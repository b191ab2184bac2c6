/** Human text for subscriptions (JSON output is the subscription objects as Okendo gave them). */
import type { WebhookSubscription } from '@okendo/okendo-api';
import { table } from '../output.js';
import { describePairs } from './topic-subscriptions.js';

export function subscriptionTable(subscriptions: readonly WebhookSubscription[]): string {
  if (subscriptions.length === 0) return 'no webhook subscriptions';
  return table(
    ['id', 'url', 'enabled', 'resource types / topics', 'created'],
    subscriptions.map((s) => [
      s.webhookSubscriptionId,
      s.endpointUrl,
      s.isEnabled ? 'yes' : 'no',
      describePairs(s.subscriptions),
      s.dateCreated,
    ]),
  );
}

export function subscriptionDetails(subscription: WebhookSubscription, labels: readonly string[]): string {
  const byType = new Map<string, string[]>();
  for (const pair of subscription.subscriptions)
    byType.set(pair.resourceType, [...(byType.get(pair.resourceType) ?? []), pair.topic]);
  return [
    `id        ${subscription.webhookSubscriptionId}`,
    `url       ${subscription.endpointUrl}`,
    `enabled   ${subscription.isEnabled ? 'yes' : 'no'}`,
    `version   ${subscription.version}`,
    `created   ${subscription.dateCreated}`,
    `modified  ${subscription.dateModified}`,
    `secrets   ${labels.length > 0 ? labels.join(', ') : 'none in the secrets file'}`,
    'topics',
    ...[...byType.entries()].map(([type, topics]) => `  ${type}: ${topics.join(', ')}`),
  ].join('\n');
}

/**
 * The source the ingest serves at this URL (`/webhooks/okendo` is `default`, `/webhooks/okendo/<s>` is s),
 * or undefined when the path is not the ingest's.
 */
export function ingestSourceOf(endpointUrl: string): string | undefined {
  if (!URL.canParse(endpointUrl)) return undefined;
  const match = /\/webhooks\/okendo(?:\/([^/]+))?\/?$/.exec(new URL(endpointUrl).pathname);
  if (match === null) return undefined;
  return match[1] === undefined ? 'default' : decodeURIComponent(match[1]);
}

/** Origin and path only, for audit targets and messages: a query string may carry a token. */
export function urlWithoutQuery(endpointUrl: string): string {
  if (!URL.canParse(endpointUrl)) return '(not a URL)';
  const url = new URL(endpointUrl);
  return `${url.origin}${url.pathname}`;
}
