/**
 * `okendo-pipeline subscriptions ...`: Okendo webhook subscriptions and their signing secrets. The bodies
 * live in src/subscriptions/; this file is the command line (options, help) only.
 */
import { type Command, Option } from '@commander-js/extra-typings';
import { DEFAULT_OKENDO_SOURCE } from '@okendo/okendo-api';
import { runCommand } from '../command-runner.js';
import { durationOption } from '../durations.js';
import { createSubscription } from '../subscriptions/create.js';
import { deleteSubscription } from '../subscriptions/delete.js';
import { getSubscription, listSubscriptions } from '../subscriptions/read.js';
import { rotateSubscriptionSecret } from '../subscriptions/rotate-secret.js';
import { setEnabled, updateSubscription } from '../subscriptions/update.js';

const DAY_MS = 86_400_000;

const sourceOption = () =>
  new Option(
    '--source <name>',
    'the Okendo account (credentials OKENDO_USER_ID[_<SOURCE>], OKENDO_API_KEY[_<SOURCE>]) and the secrets file source',
  ).default(DEFAULT_OKENDO_SOURCE);

const secretsFileOption = () =>
  new Option(
    '--secrets-file <path>',
    'the ingest secrets file to write (default: OKENDO_WEBHOOK_SOURCES_FILE, else .local/webhook-sources.json)',
  );

const showSecretOption = () =>
  new Option('--show-secret', 'print the signing secret (it is never printed or logged otherwise)');

const RESOURCE_TYPES_HELP =
  'comma-separated resource types (default: the five Okendo documents; quiz_response and survey_response may be named too, and what Okendo refuses is reported)';
const TOPICS_HELP = 'comma-separated topics: create, update, delete (default: all three)';

export function registerSubscriptions(program: Command): void {
  const subscriptions = program
    .command('subscriptions')
    .description("Okendo webhook subscriptions and their signing secrets (in the ingest's secrets file)");

  subscriptions
    .command('list')
    .description(
      'every subscription of the account (all pages): id, url, enabled, resource types/topics, created',
    )
    .addOption(sourceOption())
    .action(async (options, command) =>
      runCommand(command, (context) => listSubscriptions(context, options)),
    );

  subscriptions
    .command('get')
    .description('one subscription, with the labels of its secrets in the secrets file (never the values)')
    .argument('<id>', 'the webhookSubscriptionId')
    .addOption(sourceOption())
    .addOption(secretsFileOption())
    .action(async (id, options, command) =>
      runCommand(command, (context) => getSubscription(context, id, options)),
    );

  subscriptions
    .command('create')
    .description(
      'subscribe an endpoint (the ingest) to Okendo webhooks; the signing secret goes into the secrets file under --source',
    )
    .requiredOption(
      '--url <endpointUrl>',
      'where Okendo delivers, e.g. https://ingest.example.com/webhooks/okendo/<source>',
    )
    .option('--resource-types <list>', RESOURCE_TYPES_HELP)
    .option('--topics <list>', TOPICS_HELP)
    .option('--disabled', 'create it disabled (enable it later with subscriptions enable)')
    .addOption(showSecretOption())
    .addOption(secretsFileOption())
    .addOption(sourceOption())
    .action(async (options, command) =>
      runCommand(command, (context) => createSubscription(context, options)),
    );

  subscriptions
    .command('update')
    .description('change the URL or the resource types/topics of a subscription')
    .argument('<id>', 'the webhookSubscriptionId')
    .option('--url <endpointUrl>', 'the new endpoint URL')
    .option('--resource-types <list>', `${RESOURCE_TYPES_HELP}; without it the current types are kept`)
    .option('--topics <list>', `${TOPICS_HELP}; without it the current topics are kept`)
    .addOption(sourceOption())
    .action(async (id, options, command) =>
      runCommand(command, (context) => updateSubscription(context, id, options)),
    );

  subscriptions
    .command('delete')
    .description('delete a subscription at Okendo, then remove its secrets from the secrets file')
    .argument('<id>', 'the webhookSubscriptionId')
    .addOption(secretsFileOption())
    .addOption(sourceOption())
    .action(async (id, options, command) =>
      runCommand(command, (context) => deleteSubscription(context, id, options)),
    );

  for (const [name, isEnabled] of [
    ['enable', true],
    ['disable', false],
  ] as const)
    subscriptions
      .command(name)
      .description(
        isEnabled
          ? 'resume deliveries to a subscription'
          : 'stop deliveries to a subscription (Okendo holds new events until it is enabled)',
      )
      .argument('<id>', 'the webhookSubscriptionId')
      .addOption(sourceOption())
      .action(async (id, options, command) =>
        runCommand(command, (context) => setEnabled(context, id, options, isEnabled)),
      );

  subscriptions
    .command('rotate-secret')
    .description(
      'a new signing secret at Okendo, added to the secrets file; the earlier ones stay accepted for --overlap, then the ingest refuses them',
    )
    .argument('<id>', 'the webhookSubscriptionId')
    .addOption(
      new Option(
        '--overlap <duration>',
        'how long the earlier secrets stay accepted: 90s, 15m, 24h, 7d (at most 7d)',
      )
        .default(DAY_MS, '24h')
        .argParser(durationOption({ maxMs: 7 * DAY_MS })),
    )
    .addOption(showSecretOption())
    .addOption(secretsFileOption())
    .addOption(sourceOption())
    .action(async (id, options, command) =>
      runCommand(command, (context) =>
        rotateSubscriptionSecret(context, id, { ...options, overlapMs: options.overlap }),
      ),
    );
}
