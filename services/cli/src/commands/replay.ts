/**
 * `okendo-pipeline replay`: re-publishes stored events through Kafka so the running sink applies them again
 * (services/cli/src/replay/ holds the sources, the checkpoint and the run).
 */
import { createInterface } from 'node:readline/promises';
import type { Command } from '@commander-js/extra-typings';
import { RESOURCE_TYPES } from '@okendo/schemas';
import { formatCounts, UsageError } from '@okendo/sink';
import { oneLine, runCommand } from '../command-runner.js';
import type { CliContext } from '../context.js';
import { CliError, EXIT, type ExitCode } from '../exit-codes.js';
import { type EnvelopePublisher, openEnvelopePublisher } from '../kafka/envelope-publisher.js';
import type { ReplayFrom } from '../replay/checkpoint.js';
import { deadLetterSource } from '../replay/dead-letter-source.js';
import { eventSource } from '../replay/event-source.js';
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
import type { ReplayFilter, ReplaySource, WarehouseReader } from '../replay/replay-source.js';
import { type ReplaySummary, runReplay } from '../replay/run-replay.js';

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

async function sourceFor(
  from: ReplayFrom,
  reader: WarehouseReader,
  database: string,
  filter: ReplayFilter,
): Promise<ReplaySource> {
  if (from === 'dead-letters') return deadLetterSource(reader, database, filter);
  if (from === 'unrouted') {
    // Loaded only here: the ingest's routing pulls in its HTTP stack, which no other command needs at start-up.
    const { unroutedSource } = await import('../replay/unrouted-source.js');
    return unroutedSource(reader, database, filter);
  }
  return eventSource(reader, database, filter);
}

function describeFilter(from: ReplayFrom, filter: ReplayFilter): string {
  const parts = [`from ${from}`];
  if (filter.resourceTypes.length > 0) parts.push(`types ${filter.resourceTypes.join(',')}`);
  if (filter.sources.length > 0) parts.push(`sources ${filter.sources.join(',')}`);
  if (filter.sinceMs !== undefined) parts.push(`since ${new Date(filter.sinceMs).toISOString()}`);
  if (filter.untilMs !== undefined) parts.push(`until ${new Date(filter.untilMs).toISOString()}`);
  if (filter.messageIds.length > 0) parts.push(`${filter.messageIds.length} message id(s)`);
  return parts.join(' ');
}

function countsText(counts: Record<string, number>): string {
  return Object.entries(counts)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, n]) => `${key} ${n}`)
    .join(', ');
}

function report(summary: ReplaySummary, checkpoint: string | undefined): string {
  const n = summary.published.toLocaleString('en-US');
  const head = summary.dryRun
    ? `replay from ${summary.from} (dry run, nothing published): ${n} message(s) would be published`
    : summary.alreadyComplete
      ? `replay from ${summary.from}: already complete per the checkpoint ${checkpoint} (${n} message(s) published); nothing to do`
      : `replay from ${summary.from}: ${n} message(s) published${summary.resumed ? ' (with the runs before, per the checkpoint)' : ''}; this run ${summary.publishedThisRun.toLocaleString('en-US')} in ${summary.pages} page(s), ${summary.seconds.toFixed(1)} s, ${Math.round(summary.eventsPerSecond).toLocaleString('en-US')} events/s`;
  const lines = [head, ...formatCounts(summary.byType)];
  if (Object.keys(summary.skipped).length > 0)
    lines.push('left out (not published), by reason:', ...formatCounts(summary.skipped));
  if (!summary.complete)
    lines.push(`stopped before the end: run it again with --checkpoint ${checkpoint} to resume`);
  return lines.join('\n');
}

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
  const target = describeFilter(options.from, filter);
  const dryRun = options.dryRun === true;
  let summary: ReplaySummary | undefined;
  try {
    const warehouse = await context.warehouse();
    const source = await sourceFor(options.from, warehouse, warehouse.database, filter);
    let publisher: EnvelopePublisher | undefined;
    if (!dryRun) {
      if (options.yes !== true) {
        const total = await source.count(undefined);
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
      }
      publisher = await openPublisher(context, options.rate);
    }
    let stop = false;
    const onSigint = () => {
      stop = true;
      context.output.warn('stopping after the page in flight (SIGINT again to abort)');
      process.off('SIGINT', onSigint);
    };
    process.on('SIGINT', onSigint);
    try {
      summary = await runReplay({
        from: options.from,
        database: warehouse.database,
        filter,
        source,
        pageSize: options.pageSize,
        ...(options.checkpoint === undefined ? {} : { checkpointPath: options.checkpoint }),
        ...(publisher === undefined ? {} : { publisher }),
        progress: (total) => context.output.progress(`replay ${options.from}`, total),
        onShrink: (size) =>
          context.output.info(
            `a page was too large for the warehouse's result limit: ${size} rows per page now`,
          ),
        stopRequested: () => stop,
      });
    } finally {
      process.off('SIGINT', onSigint);
    }
  } catch (error) {
    await context.audit({
      command: 'replay',
      target,
      outcome: 'failed',
      detail: `${dryRun ? 'dry run ' : ''}failed: ${oneLine(error instanceof Error ? error.message : String(error)).slice(0, 300)}`,
    });
    throw error;
  }
  const leftOut = Object.values(summary.skipped).reduce((a, n) => a + n, 0);
  const partial = leftOut > 0 || !summary.complete;
  await context.audit({
    command: 'replay',
    target,
    outcome: dryRun ? 'dry_run' : partial ? 'incomplete' : 'ok',
    detail: `${dryRun ? 'would publish' : 'published'} ${summary.published} (${countsText(summary.byType) || 'none'}); this run ${summary.publishedThisRun}; left out ${leftOut}${leftOut > 0 ? ` (${countsText(summary.skipped)})` : ''}${summary.complete ? '' : '; stopped'}${options.checkpoint === undefined ? '' : '; checkpoint'}`,
  });
  const done = summary;
  context.output.result(done, () => report(done, options.checkpoint));
  return !dryRun && partial ? EXIT.incomplete : EXIT.ok;
}

async function openPublisher(context: CliContext, rate: number | undefined): Promise<EnvelopePublisher> {
  let publisher: EnvelopePublisher;
  try {
    publisher = await openEnvelopePublisher({
      kafka: context.kafka(),
      topicPrefix: context.topicPrefix(),
      ...(rate === undefined ? {} : { ratePerSecond: rate }),
    });
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`Kafka did not answer: ${(error as Error).message}`, EXIT.unavailable);
  }
  context.onClose(() => publisher.close());
  return publisher;
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
