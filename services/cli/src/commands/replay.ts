/**
 * `okendo-pipeline replay`: re-publishes stored events through Kafka so the running sink applies them again
 * (services/cli/src/replay/ holds the sources, the checkpoint and the run).
 */
import { createInterface } from 'node:readline/promises';
import type { Command } from '@commander-js/extra-typings';
import { RESOURCE_TYPES } from '@okendo/schemas';
import { UsageError } from '@okendo/sink';
import { runCommand } from '../command-runner.js';
import type { CliContext } from '../context.js';
import { CliError, EXIT, type ExitCode } from '../exit-codes.js';
import { auditedReplay, replayIsPartial, replayReport } from '../replay/audited-replay.js';
import type { ReplayFrom } from '../replay/checkpoint.js';
import {
  collect,
  collectResourceType,
  dateOption,
  type FilterOptions,
  pageSizeOption,
  parseFrom,
  rateOption,
  replayFilter,
} from '../replay/replay-options.js';
import type { ReplayFilter } from '../replay/replay-source.js';

const DEFAULT_PAGE_SIZE = 1_000;

const HELP_AFTER = `
Sources and what the filters read:
  events         the event log (events, each message once); --since/--until on the receive time
  dead-letters   the open dead letters (dead_letters_open), from their events rows; only those the current
                 mapping now plans are published, the rest are counted by reason; --since/--until on failed_at.
                 They stay open: run \`okendo-pipeline redrive\` afterwards to close them
  unrouted       unrouted_deliveries routed again by the ingest's current routing; only those it now routes
                 are published, the rest are counted by reason; --since/--until on the receive time

Republished events keep their message id, sequence number and receive time, so the warehouse state does not
change (the events rows point at the new Kafka offsets). A real run asks for confirmation on a terminal;
in a script pass --yes. Exit 3 when a run left rows out or was stopped (SIGINT): the checkpoint resumes. A dry run exits 0.`;

async function confirm(context: CliContext, text: string): Promise<boolean> {
  if (!process.stdin.isTTY) return false;
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(`${text} [y/N] `)).trim());
  } finally {
    rl.close();
    context.output.info('');
  }
}

interface ReplayOptions extends FilterOptions {
  from: ReplayFrom;
  dryRun?: boolean;
  rate?: number;
  checkpoint?: string;
  pageSize: number;
  yes?: boolean;
}

async function replay(context: CliContext, options: ReplayOptions): Promise<ExitCode> {
  let filter: ReplayFilter;
  try {
    filter = replayFilter(options);
  } catch (error) {
    if (error instanceof UsageError) throw new CliError(error.message, EXIT.usage);
    throw error;
  }
  const dryRun = options.dryRun === true;
  let stop = false;
  const summary = await auditedReplay(context, {
    from: options.from,
    filter,
    dryRun,
    ...(options.rate === undefined ? {} : { rate: options.rate }),
    ...(options.checkpoint === undefined ? {} : { checkpoint: options.checkpoint }),
    pageSize: options.pageSize,
    ...(options.yes === true
      ? {}
      : {
          confirm: async (target: string, total: number) => {
            const ok = await confirm(
              context,
              `replay ${target}: up to ${total} row(s) to re-publish to Kafka. Go on?`,
            );
            if (!ok)
              throw new CliError(
                process.stdin.isTTY
                  ? 'replay cancelled'
                  : 'a real replay needs --yes outside a terminal (or use --dry-run)',
                EXIT.usage,
              );
          },
        }),
    beforeRun: () => {
      const onSigint = () => {
        stop = true;
        context.output.warn('stopping after the page in flight (SIGINT again to abort)');
        process.off('SIGINT', onSigint);
      };
      process.on('SIGINT', onSigint);
      return () => process.off('SIGINT', onSigint);
    },
    progress: (label, total) => context.output.progress(label, total),
    onShrink: (size) =>
      context.output.info(`a page was too large for the warehouse's result limit: ${size} rows per page now`),
    stopRequested: () => stop,
  });
  context.output.result(summary, () => replayReport(summary, options.checkpoint).join('\n'));
  return !dryRun && replayIsPartial(summary) ? EXIT.incomplete : EXIT.ok;
}

export function registerReplay(program: Command): void {
  program
    .command('replay')
    .description(
      'Re-publish stored events through Kafka (from the event log, the open dead letters or the unrouted deliveries) so the running sink applies them again',
    )
    .option('--from <source>', 'events, dead-letters or unrouted', parseFrom, 'events' as ReplayFrom)
    .option(
      '--resource-type <type>',
      `only this resource type (repeat, or comma-separate): ${RESOURCE_TYPES.join(', ')}`,
      collectResourceType,
      [] as ReturnType<typeof collectResourceType>,
    )
    .option(
      '--source <name>',
      'only this pipeline source (repeat, or comma-separate; default: every source)',
      collect,
      [] as string[],
    )
    .option(
      '--since <date>',
      'only rows at or after this time (2026-11-30 = UTC midnight, or 2026-11-30T12:00:00Z)',
      dateOption,
    )
    .option('--until <date>', 'only rows before this time', dateOption)
    .option('--message-id <id>', 'only this message id (repeat, or comma-separate)', collect, [] as string[])
    .option('--dry-run', 'count what a run would publish, per resource type; publish nothing')
    .option('--rate <n/s>', 'publish at most this many messages a second, e.g. 200/s', rateOption)
    .option(
      '--checkpoint <file>',
      'resume from this file and record progress in it after every acknowledged page',
    )
    .option(
      '--page-size <n>',
      'rows per page; halved when a result is too large',
      pageSizeOption,
      DEFAULT_PAGE_SIZE,
    )
    .option('--yes', 'do not ask for confirmation (needed outside a terminal)')
    .addHelpText('after', HELP_AFTER)
    .action(async (options, command) => {
      await runCommand(command, (context) => replay(context, options));
    });
}
