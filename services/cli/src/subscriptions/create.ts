/**
 * `subscriptions create`: a webhook subscription at Okendo, and its signing secret (which Okendo shows only
 * in this answer) written at once to the secrets file the ingest reads. The file is locked and read before
 * Okendo is called, so a bad or busy file stops the command before anything exists at Okendo.
 */
import type { CliContext } from '../context.js';
import { CliError, EXIT, type ExitCode } from '../exit-codes.js';
import { audited } from './audited.js';
import { orFail } from './okendo-failure.js';
import { ingestSourceOf, urlWithoutQuery } from './render.js';
import { addSecret, describeLocation, secretsFileLocation, withSecretsFile } from './secrets-file.js';
import {
  describePairs,
  missingPairs,
  resourceTypesOption,
  topicPairs,
  topicsOption,
} from './topic-subscriptions.js';

export interface CreateOptions {
  source: string;
  url: string;
  resourceTypes?: string;
  topics?: string;
  disabled?: boolean;
  showSecret?: boolean;
  secretsFile?: string;
}

export function checkEndpointUrl(text: string): string {
  const url = URL.canParse(text) ? new URL(text) : undefined;
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:'))
    throw new CliError(
      '--url: expected an absolute http(s) URL, e.g. https://ingest.example.com/webhooks/okendo',
      EXIT.usage,
    );
  return text;
}

export async function createSubscription(context: CliContext, options: CreateOptions): Promise<ExitCode> {
  const { source } = options;
  const { output } = context;
  const endpointUrl = checkEndpointUrl(options.url);
  const pairs = topicPairs(resourceTypesOption(options.resourceTypes), topicsOption(options.topics));
  const location = secretsFileLocation(options.secretsFile, context.env);
  const okendo = context.okendo(source);
  const served = ingestSourceOf(endpointUrl);
  if (served !== undefined && served !== source)
    output.warn(
      `the URL delivers to the ingest's source "${served}", but the secret goes under --source "${source}": the ingest will refuse these deliveries`,
    );
  let id: string | undefined;
  return audited(
    context,
    'subscriptions create',
    () => `${source}/${id ?? `new ${urlWithoutQuery(endpointUrl)}`}`,
    () =>
      withSecretsFile(location, async (file) => {
        const created = orFail(
          await okendo.createSubscription({
            endpointUrl,
            isEnabled: options.disabled !== true,
            subscriptions: pairs,
          }),
          'creating the subscription',
        );
        id = created.webhookSubscriptionId;
        const { webhookSecret, ...subscription } = created;
        const refused = missingPairs(pairs, subscription.subscriptions);
        const added = addSecret(file.sources, source, id, webhookSecret, Date.now());
        const writeError = await file.write(added.sources).then(
          () => undefined,
          (error: unknown) => (error instanceof Error ? error.message : String(error)),
        );
        output.result(
          {
            source,
            subscription,
            secretLabel: added.label,
            secretsFile: location.path,
            secretsFileFrom: location.from,
            secretWritten: writeError === undefined,
            refused,
            ...(options.showSecret ? { secret: webhookSecret } : {}),
          },
          () =>
            [
              `created subscription ${id} (${subscription.isEnabled ? 'enabled' : 'disabled'}) -> ${subscription.endpointUrl}`,
              `  topics: ${describePairs(subscription.subscriptions)}`,
              writeError === undefined
                ? `  secret ${added.label} added under source "${source}" in ${describeLocation(location)}`
                : `  secret ${added.label} NOT written (see the warning)`,
              options.showSecret ? `  secret: ${webhookSecret}` : '  (--show-secret prints the secret)',
            ].join('\n'),
        );
        if (refused.length > 0)
          output.warn(`Okendo did not subscribe to ${refused.join(', ')} (the subscription has the rest)`);
        if (writeError !== undefined)
          output.warn(
            `the secret could not be written to ${location.path} (${writeError}); deliveries will be refused until it is: fix the file, then run subscriptions rotate-secret ${id} --source ${source}`,
          );
        const detail = [
          `created ${subscription.isEnabled ? 'enabled' : 'disabled'}, ${subscription.subscriptions.length} topic(s)`,
          refused.length > 0 ? `refused ${refused.join(',')}` : '',
          writeError === undefined ? `secret ${added.label} in ${location.path}` : 'secret NOT written',
        ]
          .filter((part) => part !== '')
          .join('; ');
        const complete = refused.length === 0 && writeError === undefined;
        return { detail, exitCode: complete ? EXIT.ok : EXIT.incomplete };
      }),
  );
}
