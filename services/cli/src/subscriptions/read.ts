/** `subscriptions list` (every page) and `get`: read-only, so not audited. */

import { readWebhookSourcesFile } from '@okendo/common';
import type { CliContext } from '../context.js';
import type { ExitCode } from '../exit-codes.js';
import { orFail } from './okendo-failure.js';
import { subscriptionDetails, subscriptionTable } from './render.js';
import { secretsFileLocation, subscriptionLabels } from './secrets-file.js';

/** The largest page Okendo serves: fewest requests under its 2 requests/s limit. */
const PAGE_SIZE = 100;

export async function listSubscriptions(
  context: CliContext,
  options: { source: string },
): Promise<ExitCode | undefined> {
  const okendo = context.okendo(options.source);
  const subscriptions = orFail(
    await okendo.listAllSubscriptions({ limit: PAGE_SIZE }),
    'listing the subscriptions',
  );
  context.output.result({ source: options.source, count: subscriptions.length, subscriptions }, () =>
    subscriptionTable(subscriptions),
  );
  return undefined;
}

export async function getSubscription(
  context: CliContext,
  id: string,
  options: { source: string; secretsFile?: string },
): Promise<ExitCode | undefined> {
  const okendo = context.okendo(options.source);
  const subscription = orFail(await okendo.getSubscription(id), `reading ${id}`);
  const location = secretsFileLocation(options.secretsFile, context.env);
  // Labels only, never values; a file that cannot be read is a warning here, not a failure of `get`.
  const labels = await readWebhookSourcesFile(location.path).then(
    (sources) => subscriptionLabels(sources, options.source, id),
    (error: unknown) => {
      context.output.warn(`cannot read the secrets file: ${(error as Error).message}`);
      return [];
    },
  );
  context.output.result(
    { source: options.source, subscription, secretLabels: labels, secretsFile: location.path },
    () => subscriptionDetails(subscription, labels),
  );
  return undefined;
}
