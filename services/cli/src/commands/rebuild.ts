/**
 * `okendo-pipeline rebuild`: `npm run rebuild` as a CLI command (the same library call, rebuildState, and the
 * same options and exit codes), audited.
 */
import type { Command } from '@commander-js/extra-typings';
import { RESOURCE_TYPES } from '@okendo/schemas';
import {
  DEFAULT_PAGE_SIZE,
  type EventLogFilter,
  type RebuildSummary,
  rebuildFilter,
  rebuildIncomplete,
  rebuildReport,
  rebuildState,
  UsageError,
} from '@okendo/sink';
import { oneLine, runCommand } from '../command-runner.js';
import type { CliContext } from '../context.js';
import { CliError, EXIT, type ExitCode } from '../exit-codes.js';
import { openWritableWarehouse } from '../replay/open-writable-warehouse.js';
import { progressReporter } from '../replay/progress-reporter.js';
import { collect, pageSizeOption } from '../replay/replay-options.js';

interface RebuildOptions {
  resourceType: readonly string[];
  source: readonly string[];
  since?: string;
  until?: string;
  dryRun?: boolean;
  skipEvents?: boolean;
  pageSize: number;
}

async function rebuild(context: CliContext, options: RebuildOptions): Promise<ExitCode> {
  let filter: EventLogFilter;
  try {
    filter = rebuildFilter({
      resourceTypes: options.resourceType,
      sources: options.source,
      ...(options.since === undefined ? {} : { since: options.since }),
      ...(options.until === undefined ? {} : { until: options.until }),
    });
  } catch (error) {
    if (error instanceof UsageError) throw new CliError(error.message, EXIT.usage);
    throw error;
  }
  const dryRun = options.dryRun === true;
  const target = [
    filter.resourceTypes?.length ? `types ${filter.resourceTypes.join(',')}` : 'all types',
    ...(filter.sources?.length ? [`sources ${filter.sources.join(',')}`] : []),
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
  const incomplete = rebuildIncomplete(summary);
  const rows = Object.values(summary.rowsByTable).reduce((a, n) => a + n, 0);
  await context.audit({
    command: 'rebuild',
    target,
    outcome: dryRun ? 'dry_run' : incomplete ? 'incomplete' : 'ok',
    detail: `events read ${summary.eventsRead}; rows ${dryRun ? 'planned' : 'written'} ${rows}; not planned ${Object.values(summary.notPlanned).reduce((a, n) => a + n, 0)}; refused ${Object.values(summary.refused).reduce((a, n) => a + n, 0)}`,
  });
  const done = summary;
  context.output.result(done, () => rebuildReport(done).join('\n'));
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
      collect,
      [] as string[],
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
    )
    .option('--until <date>', 'only events received before this time')
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
