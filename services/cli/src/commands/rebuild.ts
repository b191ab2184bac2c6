/**
 * `okendo-pipeline rebuild`: `npm run rebuild` as a CLI command (the same library call, rebuildState, and the
 * same options and exit codes), audited.
 */
import type { Command } from '@commander-js/extra-typings';
import { RESOURCE_TYPES } from '@okendo/schemas';
import { DEFAULT_PAGE_SIZE, formatCounts, type RebuildSummary, rebuildState, UsageError } from '@okendo/sink';
import { oneLine, runCommand } from '../command-runner.js';
import type { CliContext } from '../context.js';
import { CliError, EXIT, type ExitCode } from '../exit-codes.js';
import { openWritableWarehouse } from '../replay/open-writable-warehouse.js';
import { progressReporter } from '../replay/progress-reporter.js';
import {
  collect,
  collectResourceType,
  dateOption,
  type FilterOptions,
  pageSizeOption,
  replayFilter,
} from '../replay/replay-options.js';

function report(summary: RebuildSummary): string {
  const verb = summary.dryRun ? 'would write' : 'written';
  const lines = [
    `${summary.dryRun ? 'rebuild (dry run, nothing written)' : 'rebuild'}: ${summary.eventsRead.toLocaleString('en-US')} events read in ${summary.pages} page(s), ${summary.seconds.toFixed(1)} s, ${Math.round(summary.eventsPerSecond).toLocaleString('en-US')} events/s`,
    `rows ${verb} per table:`,
    ...formatCounts(summary.rowsByTable),
  ];
  if (Object.keys(summary.notPlanned).length > 0)
    lines.push(
      'events that could not be planned (the sink would dead-letter them):',
      ...formatCounts(summary.notPlanned),
    );
  if (Object.keys(summary.refused).length > 0)
    lines.push('rows the warehouse refused, per table:', ...formatCounts(summary.refused));
  return lines.join('\n');
}

interface RebuildOptions extends Omit<FilterOptions, 'messageId'> {
  dryRun?: boolean;
  skipEvents?: boolean;
  pageSize: number;
}

async function rebuild(context: CliContext, options: RebuildOptions): Promise<ExitCode> {
  let filter: ReturnType<typeof replayFilter>;
  try {
    filter = replayFilter({ ...options, messageId: [] });
  } catch (error) {
    if (error instanceof UsageError) throw new CliError(error.message, EXIT.usage);
    throw error;
  }
  const dryRun = options.dryRun === true;
  const target = [
    filter.resourceTypes.length > 0 ? `types ${filter.resourceTypes.join(',')}` : 'all types',
    ...(filter.sources.length > 0 ? [`sources ${filter.sources.join(',')}`] : []),
    ...(filter.sinceMs === undefined ? [] : [`since ${new Date(filter.sinceMs).toISOString()}`]),
    ...(filter.untilMs === undefined ? [] : [`until ${new Date(filter.untilMs).toISOString()}`]),
  ].join(' ');
  const bar = progressReporter(context.output, dryRun ? 'planning' : 'rebuilding');
  let summary: RebuildSummary;
  try {
    const { warehouse, database } = await openWritableWarehouse(context);
    summary = await rebuildState({
      warehouse,
      database,
      filter,
      pageSize: options.pageSize,
      dryRun,
      eventTimes: options.skipEvents !== true,
      onProgress: ({ eventsRead, total }) => bar.update(eventsRead, total),
    });
  } catch (error) {
    bar.stop();
    await context.audit({
      command: 'rebuild',
      target,
      outcome: 'failed',
      detail: `failed: ${oneLine(error instanceof Error ? error.message : String(error)).slice(0, 300)}`,
    });
    throw error;
  }
  bar.stop();
  const incomplete = Object.keys(summary.notPlanned).length > 0 || Object.keys(summary.refused).length > 0;
  const rows = Object.values(summary.rowsByTable).reduce((a, n) => a + n, 0);
  await context.audit({
    command: 'rebuild',
    target,
    outcome: dryRun ? 'dry_run' : incomplete ? 'incomplete' : 'ok',
    detail: `events read ${summary.eventsRead}; rows ${dryRun ? 'planned' : 'written'} ${rows}; not planned ${Object.values(summary.notPlanned).reduce((a, n) => a + n, 0)}; refused ${Object.values(summary.refused).reduce((a, n) => a + n, 0)}`,
  });
  const done = summary;
  context.output.result(done, () => report(done));
  return incomplete ? EXIT.incomplete : EXIT.ok;
}

export function registerRebuild(program: Command): void {
  program
    .command('rebuild')
    .description(
      "Re-derive the state, version and child tables from the event log through the sink's own mapping (what `npm run rebuild` does); safe beside the sink on a ClickHouse server, stop the sink first with chDB",
    )
    .option(
      '--resource-type <type>',
      `only events of this resource type (repeat, or comma-separate): ${RESOURCE_TYPES.join(', ')}`,
      collectResourceType,
      [] as ReturnType<typeof collectResourceType>,
    )
    .option(
      '--source <name>',
      'only events of this source (repeat, or comma-separate; default: every source)',
      collect,
      [] as string[],
    )
    .option(
      '--since <date>',
      'only events received at or after this time (2026-11-30 = UTC midnight, or 2026-11-30T12:00:00Z)',
      dateOption,
    )
    .option('--until <date>', 'only events received before this time', dateOption)
    .option('--dry-run', 'read and plan everything, print the counts, write nothing')
    .option('--skip-events', 'leave the event log as it is (no occurred_at filled in events)')
    .option('--page-size <n>', 'events per page', pageSizeOption, DEFAULT_PAGE_SIZE)
    .addHelpText(
      'after',
      '\nExit 3: done, but some events could not be planned or some rows were refused (see the summary).',
    )
    .action(async (options, command) => {
      await runCommand(command, (context) => rebuild(context, options));
    });
}
