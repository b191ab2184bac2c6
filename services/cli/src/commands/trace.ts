/**
 * `okendo-pipeline trace <message-id>`: where one delivery went, each hop with its time
 * (delivery/trace-message.ts). Exit 1 when the id is found nowhere.
 */
import { access as fileAccess } from 'node:fs/promises';
import type { Command } from '@commander-js/extra-typings';
import { runCommand } from '../command-runner.js';
import type { CliContext } from '../context.js';
import { isTraceableMessageId, traceFound, traceMessage, traceRows } from '../delivery/trace-message.js';
import { CliError, EXIT, type ExitCode } from '../exit-codes.js';
import { table } from '../output.js';

async function trace(
  context: CliContext,
  messageId: string,
  ingestLog: string | undefined,
): Promise<ExitCode> {
  if (!isTraceableMessageId(messageId))
    throw new CliError('the message id must be 1 to 200 printable characters without spaces', EXIT.usage);
  if (ingestLog !== undefined)
    await fileAccess(ingestLog).catch(() => {
      throw new CliError(`--ingest-log: cannot read ${ingestLog}`, EXIT.usage);
    });
  const warehouse = await context.warehouse();
  const found = await traceMessage(warehouse, messageId, ingestLog);
  if (!traceFound(found)) {
    const where = `${ingestLog === undefined ? '' : 'the ingest log, '}events, dead_letters, unrouted_deliveries (${warehouse.via})`;
    context.output.result(found, () => '');
    throw new CliError(`message ${messageId} found nowhere: ${where}`, EXIT.failed);
  }
  context.output.result(found, () =>
    [`message ${messageId}`, table(['hop', 'time', 'detail'], traceRows(found))].join('\n'),
  );
  return EXIT.ok;
}

export function registerTrace(program: Command): void {
  program
    .command('trace')
    .description(
      "Follow one delivery by its webhook message id: the ingest's answer, Kafka position, events row, state row, dead letter or unrouted",
    )
    .argument('<message-id>', 'the webhook-id (svix-id) of the delivery')
    .option('--ingest-log <file>', "the ingest's JSON log file, to show its answer(s) to the message")
    .action((messageId, options, command) =>
      runCommand(command, (context) => trace(context, messageId, options.ingestLog)),
    );
}
