/** `subscriptions update`, `enable` and `disable`: PUT /webhook_subscriptions/{id} with what changes. */
import type { UpdateWebhookSubscription } from '@okendo/okendo-api';
import type { CliContext } from '../context.js';
import { CliError, EXIT, type ExitCode } from '../exit-codes.js';
import { audited } from './audited.js';
import { checkEndpointUrl } from './create.js';
import { orFail } from './okendo-failure.js';
import { urlWithoutQuery } from './render.js';
import {
  describePairs,
  missingPairs,
  resourceTypesOption,
  topicPairs,
  topicsOption,
} from './topic-subscriptions.js';

export interface UpdateOptions {
  source: string;
  url?: string;
  resourceTypes?: string;
  topics?: string;
}

export async function updateSubscription(
  context: CliContext,
  id: string,
  options: UpdateOptions,
): Promise<ExitCode> {
  const { source } = options;
  if (options.url === undefined && options.resourceTypes === undefined && options.topics === undefined)
    throw new CliError('nothing to change: give --url, --resource-types or --topics', EXIT.usage);
  const endpointUrl = options.url === undefined ? undefined : checkEndpointUrl(options.url);
  // Checked before any call; a missing one is read from the subscription below.
  const types = options.resourceTypes === undefined ? undefined : resourceTypesOption(options.resourceTypes);
  const topics = options.topics === undefined ? undefined : topicsOption(options.topics);
  const okendo = context.okendo(source);
  return audited(
    context,
    'subscriptions update',
    () => `${source}/${id}`,
    async () => {
      const changes: UpdateWebhookSubscription = {};
      if (endpointUrl !== undefined) changes.endpointUrl = endpointUrl;
      if (types !== undefined || topics !== undefined) {
        let current: { resourceTypes: string[]; topics: string[] } | undefined;
        if (types === undefined || topics === undefined) {
          const existing = orFail(await okendo.getSubscription(id), `reading ${id}`);
          current = {
            resourceTypes: [...new Set(existing.subscriptions.map((pair) => pair.resourceType))],
            topics: [...new Set(existing.subscriptions.map((pair) => pair.topic))],
          };
        }
        changes.subscriptions = topicPairs(
          types ?? current?.resourceTypes ?? [],
          topics ?? current?.topics ?? [],
        );
      }
      const updated = orFail(await okendo.updateSubscription(id, changes), `updating ${id}`);
      const refused =
        changes.subscriptions === undefined ? [] : missingPairs(changes.subscriptions, updated.subscriptions);
      context.output.result({ source, subscription: updated, refused }, () =>
        [
          `updated subscription ${id} -> ${updated.endpointUrl}`,
          `  topics: ${describePairs(updated.subscriptions)}`,
        ].join('\n'),
      );
      if (refused.length > 0) context.output.warn(`Okendo did not subscribe to ${refused.join(', ')}`);
      const detail = [
        endpointUrl === undefined ? '' : `url ${urlWithoutQuery(endpointUrl)}`,
        changes.subscriptions === undefined ? '' : `${updated.subscriptions.length} topic(s)`,
        refused.length > 0 ? `refused ${refused.join(',')}` : '',
      ]
        .filter((part) => part !== '')
        .join('; ');
      return { detail, exitCode: refused.length > 0 ? EXIT.incomplete : EXIT.ok };
    },
  );
}

/** enable / disable: a disabled subscription gets no new deliveries (Okendo holds them, Svix-style). */
export async function setEnabled(
  context: CliContext,
  id: string,
  options: { source: string },
  isEnabled: boolean,
): Promise<ExitCode> {
  const { source } = options;
  const okendo = context.okendo(source);
  const verb = isEnabled ? 'enable' : 'disable';
  return audited(
    context,
    `subscriptions ${verb}`,
    () => `${source}/${id}`,
    async () => {
      const updated = orFail(await okendo.updateSubscription(id, { isEnabled }), `${verb} ${id}`);
      context.output.result(
        { source, subscription: updated },
        () => `${verb}d subscription ${id} (${updated.endpointUrl})`,
      );
      return { detail: `isEnabled ${updated.isEnabled}` };
    },
  );
}
