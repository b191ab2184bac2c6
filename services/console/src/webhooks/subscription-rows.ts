/**
 * The webhooks table: one row per (resource type, topic) pair of each subscription, and the server-side
 * search and filters over them (so they work without JavaScript).
 */
import type { WebhookSubscription } from '@okendo/okendo-api';

export interface SubscriptionRow {
  source: string;
  subscriptionId: string;
  resourceType: string;
  topic: string;
  endpointUrl: string;
  isEnabled: boolean;
}

export type StatusFilter = 'all' | 'active' | 'inactive';

export interface RowFilter {
  /** Matches the resource type, the topic (event) or the URL, case-insensitive; empty matches all. */
  q: string;
  /** A configured source, or undefined for all. */
  source: string | undefined;
  status: StatusFilter;
}

export function rowsOf(source: string, subscriptions: readonly WebhookSubscription[]): SubscriptionRow[] {
  return subscriptions.flatMap((s) =>
    (s.subscriptions.length > 0 ? s.subscriptions : [{ resourceType: '', topic: '' }]).map((pair) => ({
      source,
      subscriptionId: s.webhookSubscriptionId,
      resourceType: pair.resourceType,
      topic: pair.topic,
      endpointUrl: s.endpointUrl,
      isEnabled: s.isEnabled,
    })),
  );
}

export function filterRows(rows: readonly SubscriptionRow[], filter: RowFilter): SubscriptionRow[] {
  const q = filter.q.trim().toLowerCase();
  return rows.filter(
    (row) =>
      (filter.source === undefined || row.source === filter.source) &&
      (filter.status === 'all' || row.isEnabled === (filter.status === 'active')) &&
      (q === '' ||
        row.resourceType.toLowerCase().includes(q) ||
        row.topic.toLowerCase().includes(q) ||
        `${row.resourceType}.${row.topic}`.toLowerCase().includes(q) ||
        row.endpointUrl.toLowerCase().includes(q)),
  );
}

/** The filter from the query string; an unknown source or status is a message for the page, not a 500. */
export function readFilter(
  query: unknown,
  sources: readonly string[],
): { filter: RowFilter; problem?: string } {
  const get = (name: string): string => {
    const value = (query as Record<string, unknown> | undefined)?.[name];
    return typeof value === 'string' ? value.trim() : '';
  };
  const q = get('q').slice(0, 200);
  const sourceText = get('source');
  const statusText = get('status') || 'all';
  const problems: string[] = [];
  let source: string | undefined;
  if (sourceText !== '' && sourceText !== 'all') {
    if (sources.includes(sourceText)) source = sourceText;
    else
      problems.push(
        `unknown source ${JSON.stringify(sourceText)}; this console manages ${sources.join(', ')}`,
      );
  }
  let status: StatusFilter = 'all';
  if (statusText === 'active' || statusText === 'inactive') status = statusText;
  else if (statusText !== 'all') problems.push(`status: expected all, active or inactive`);
  return { filter: { q, source, status }, ...(problems.length > 0 ? { problem: problems.join('; ') } : {}) };
}
