/**
 * Every configured source's subscriptions, read through the CLI context's Okendo client. A source whose
 * Okendo call fails is a banner line on the page (and a count in console_okendo_api_errors_total), never a
 * failed page; what was read updates console_okendo_subscription_enabled.
 */
import type { Result, WebhookSubscription } from '@okendo/okendo-api';
import type { ConsoleDeps } from '../app.js';
import { rowsOf, type SubscriptionRow } from './subscription-rows.js';

/** The largest page Okendo serves: fewest requests under its 2 requests/s limit. */
const PAGE_SIZE = 100;

export interface LoadedSubscriptions {
  rows: SubscriptionRow[];
  subscriptions: Map<string, WebhookSubscription[]>;
  /** One line per source Okendo did not answer for (or refused), for the banner. */
  problems: string[];
}

/** The message of an Okendo error that says whether Okendo answered at all (5xx, timeout) or refused. */
export function okendoProblem(source: string, code: string, message: string): string {
  const unanswered = code === 'server_error' || code === 'network_error' || code === 'rate_limited';
  return unanswered
    ? `Okendo did not answer for source "${source}" (${message}); the list may be incomplete, try again shortly.`
    : `Okendo refused the request for source "${source}": ${message}`;
}

export async function loadSubscriptions(deps: ConsoleDeps): Promise<LoadedSubscriptions> {
  const context = deps.cliContext();
  const loaded: LoadedSubscriptions = { rows: [], subscriptions: new Map(), problems: [] };
  // Sources one after another: the client's rate limit is per source but Okendo's may be per account.
  for (const source of deps.config.sources) {
    let answer: Result<WebhookSubscription[]>;
    try {
      answer = await context.okendo(source).listAllSubscriptions({ limit: PAGE_SIZE });
    } catch (error) {
      // Missing credentials for the source: a configuration problem the operator must see on the page.
      loaded.problems.push(`Source "${source}": ${error instanceof Error ? error.message : String(error)}`);
      deps.metrics.recordOkendoError(source, 'configuration');
      continue;
    }
    if (!answer.ok) {
      loaded.problems.push(okendoProblem(source, answer.error.code, answer.error.message));
      deps.metrics.recordOkendoError(source, answer.error.code);
      continue;
    }
    loaded.subscriptions.set(source, answer.value);
    loaded.rows.push(...rowsOf(source, answer.value));
    deps.metrics.recordSubscriptions(
      source,
      answer.value.map((s) => ({ id: s.webhookSubscriptionId, isEnabled: s.isEnabled })),
    );
  }
  return loaded;
}
