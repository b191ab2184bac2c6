/**
 * `okendo-pipeline send-test <resourceType>`: a signed sample delivery through the real pipeline, with the
 * latency of each hop (delivery/send-test-run.ts). Exit 0 when it arrived everywhere (or, with
 * --bad-signature, when the ingest refused it with 401).
 */
import { type Command, Option } from '@commander-js/extra-typings';
import { RESOURCE_TYPES } from '@okendo/schemas';
import { runCommand } from '../command-runner.js';
import type { CliContext } from '../context.js';
import {
  buildSampleDelivery,
  parseSetEdit,
  SAMPLE_TOPICS,
  type SetEdit,
} from '../delivery/sample-delivery.js';
import { sendTestHops } from '../delivery/send-test-hops.js';
import { runSendTest, type SendTestResult } from '../delivery/send-test-run.js';
import { resolveSigningSecret } from '../delivery/signing-secret.js';
import { durationOption } from '../durations.js';
import { CliError, EXIT, type ExitCode } from '../exit-codes.js';
import { table } from '../output.js';

export interface SendTestOptions {
  topic: string;
  set: SetEdit[];
  badSignature?: true;
  source: string;
  timeout: number;
}

function humanReport(result: SendTestResult): string {
  const rows = sendTestHops(result);
  return [
    `${result.resourceType} ${result.topic}, message ${result.messageId}, entity ${result.entityId}, source ${result.source}, signed with ${result.secretLabel}`,
    table(['hop', 'ms', 'detail'], rows),
  ].join('\n');
}

/** The command's body, also run by the console's Send test (its result goes to context.output). */
export async function sendTest(
  context: CliContext,
  resourceType: string,
  options: SendTestOptions,
): Promise<ExitCode> {
  const delivery = buildSampleDelivery(resourceType, options.topic, options.set);
  const badSignature = options.badSignature === true;
  // --bad-signature signs with a made-up secret: it needs none configured.
  const secret = badSignature
    ? { secret: '', label: '' }
    : await resolveSigningSecret(context.env, options.source);
  const target = `${options.source}/${delivery.resourceType}`;
  let result: SendTestResult;
  try {
    result = await runSendTest(context, {
      delivery,
      source: options.source,
      secret,
      badSignature,
      timeoutMs: options.timeout,
    });
  } catch (error) {
    const reason = error instanceof CliError ? error.message.slice(0, 200) : 'error';
    await context.audit({ command: 'send-test', target, outcome: 'failed', detail: reason });
    throw error;
  }
  const refused = result.ingest.status === 401;
  const ok = badSignature ? refused : true;
  await context.audit({
    command: 'send-test',
    target,
    outcome: ok ? 'ok' : 'failed',
    detail: `message ${result.messageId}, ingest ${result.ingest.status}${badSignature ? ', bad signature' : ''}`,
  });
  context.output.result(result, () => humanReport(result));
  if (badSignature && !refused)
    throw new CliError(
      `--bad-signature: expected 401 from the ingest, got ${result.ingest.status} ${result.ingest.answer}`,
      EXIT.failed,
    );
  return EXIT.ok;
}

export function registerSendTest(program: Command): void {
  program
    .command('send-test')
    .description(
      'Send one signed sample delivery through the pipeline (ingest -> Kafka -> sink -> ClickHouse) and print how long each hop took',
    )
    .argument('<resourceType>', `the sample's resource type: ${RESOURCE_TYPES.join(', ')}`)
    .option('--topic <topic>', `the sample's webhook topic: ${SAMPLE_TOPICS.join(', ')}`, 'create')
    .option(
      '--set <path=value>',
      'edit the sample body at a dotted path before signing (repeatable; value read as JSON when it parses), e.g. resource.rating=2',
      (text: string, previous: SetEdit[]) => [...previous, parseSetEdit(text)],
      [] as SetEdit[],
    )
    .option(
      '--bad-signature',
      'sign with a secret the ingest does not know: expect 401 (exit 0 when it is refused)',
    )
    .option(
      '--source <name>',
      'the pipeline source: its secret signs, and it posts to /webhooks/okendo/<source>',
      'default',
    )
    .addOption(
      new Option('--timeout <duration>', 'how long each hop may take, e.g. 90s')
        .argParser(durationOption({ minMs: 100 }))
        .default(30_000, '30s'),
    )
    .action((resourceType, options, command) =>
      runCommand(command, (context) => sendTest(context, resourceType, options as SendTestOptions)),
    );
}
