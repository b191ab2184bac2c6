/**
 * `reconcile reviews`: per-day review counts in Okendo (by dateCreated, UTC) against reviews_current, and a
 * backfill of only the days that differ (backfill/reconcile-reviews.ts). `--dry-run` compares only.
 */
import type { Command } from '@commander-js/extra-typings';
import type { ReviewStatus } from '@okendo/okendo-api';
import { stringLiteral } from '@okendo/sink';
import { parseDay, parsePageSize, parseRate, parseStatuses } from '../backfill/options.js';
import { openBackfillPublisher, publishOrUnavailable } from '../backfill/publisher.js';
import { groupKey, reconcileReviews } from '../backfill/reconcile-reviews.js';
import { runCommand } from '../command-runner.js';
import type { CliContext } from '../context.js';
import { CliError, EXIT, type ExitCode } from '../exit-codes.js';
import { table } from '../output.js';
import { okendoExit } from './backfill.js';

interface ReconcileOptions {
  source: string;
  since?: string;
  until?: string;
  status: ReviewStatus[];
  dryRun?: boolean;
  rate?: number;
  pageSize: number;
}

/** A ClickHouse string literal (both engines read backslash escapes). */

async function warehouseCounts(context: CliContext, options: ReconcileOptions): Promise<Map<string, number>> {
  const access = await context.warehouse();
  const range = [
    options.since
      ? `AND date_created >= toDateTime(${stringLiteral(`${options.since} 00:00:00`)}, 'UTC')`
      : '',
    options.until
      ? `AND date_created < toDateTime(${stringLiteral(`${options.until} 00:00:00`)}, 'UTC')`
      : '',
  ].join(' ');
  const rows = await access.query<{ day: string; status: string; reviews: string | number }>(
    `SELECT toString(toDate(assumeNotNull(date_created))) AS day, ifNull(status, '') AS status, count() AS reviews
     FROM ${access.database}.reviews_current
     WHERE source = ${stringLiteral(options.source)} AND date_created IS NOT NULL ${range}
       AND ifNull(status, '') IN (${options.status.map(stringLiteral).join(', ')})
     GROUP BY day, status`,
  );
  const counts = new Map<string, number>();
  for (const row of rows) counts.set(groupKey(row.day, row.status), Number(row.reviews));
  return counts;
}

async function reconcile(context: CliContext, options: ReconcileOptions): Promise<ExitCode> {
  const command = 'reconcile reviews';
  if (options.since && options.until && options.since >= options.until)
    throw new CliError('--since must be before --until', EXIT.usage);
  const client = context.okendo(options.source);
  const dryRun = options.dryRun === true;
  let audited = false;
  // A run may be killed before its end: this row records that it started, the last row how it ended.
  await context.audit({ command, target: options.source, outcome: 'incomplete', detail: 'started' });
  try {
    const counts = await warehouseCounts(context, options);
    const publisher = dryRun ? undefined : await openBackfillPublisher(context, options.rate);
    const result = await reconcileReviews({
      statuses: options.status,
      ...(options.since ? { since: options.since } : {}),
      ...(options.until ? { until: options.until } : {}),
      pages: (status) => client.reviewPages({ status, limit: options.pageSize, orderBy: 'date asc' }),
      warehouseCounts: counts,
      source: options.source,
      ...(publisher ? { publish: publishOrUnavailable(publisher, 'run it again') } : {}),
    });
    const differing = result.days.filter((d) => d.okendo !== d.warehouse);
    await context.audit({
      command,
      target: options.source,
      outcome: !result.complete ? 'incomplete' : dryRun ? 'dry_run' : 'ok',
      detail:
        `days ${result.days.length}, differing ${differing.length}` +
        `${
          differing.length > 0
            ? ` (${differing
                .slice(0, 10)
                .map((d) => d.day)
                .join(', ')}${differing.length > 10 ? ', ...' : ''})`
            : ''
        }` +
        `, published ${result.published}${result.error ? `; stopped: ${result.error.code}` : ''}`,
    });
    audited = true;
    context.output.result(
      { source: options.source, dryRun, ...result, error: result.error?.message ?? null },
      () =>
        [
          table(
            ['day', 'okendo', 'warehouse', 'action'],
            result.days.map((d) => [
              d.day,
              String(d.okendo),
              String(d.warehouse),
              d.backfilled > 0
                ? `backfilled ${d.backfilled}`
                : d.okendo === d.warehouse
                  ? 'ok'
                  : d.warehouse > d.okendo
                    ? 'more in warehouse'
                    : dryRun
                      ? 'would backfill'
                      : 'differs',
            ]),
          ),
          `${differing.length} of ${result.days.length} days differ; ${result.published} reviews published` +
            `${result.undated > 0 ? `; ${result.undated} reviews without dateCreated not counted` : ''}`,
        ].join('\n'),
    );
    if (result.error) throw new CliError(result.error.message, okendoExit(result.error));
    // A dry run with gaps, or days a snapshot cannot fix (more in the warehouse), are checks that did not hold.
    if (dryRun && differing.length > 0) return EXIT.failed;
    return result.moreInWarehouse > 0 ? EXIT.failed : EXIT.ok;
  } catch (error) {
    if (!audited)
      await context.audit({
        command,
        target: options.source,
        outcome: 'failed',
        detail: (error instanceof Error ? error.message : String(error)).slice(0, 300),
      });
    throw error;
  }
}

export function registerReconcile(program: Command): void {
  program
    .command('reconcile')
    .description("Compare Okendo's data with the warehouse and backfill what is missing")
    .command('reviews')
    .description(
      'per-day review counts (dateCreated, UTC) in Okendo vs reviews_current; backfills only the days that differ',
    )
    .option('--source <name>', 'the Okendo account and pipeline source', 'default')
    .option('--since <day>', 'first day compared, YYYY-MM-DD (UTC)', parseDay)
    .option('--until <day>', 'day the comparison stops before, YYYY-MM-DD (UTC)', parseDay)
    .option(
      '--status <list>',
      'statuses, comma-separated',
      parseStatuses,
      parseStatuses('approved,pending,rejected'),
    )
    .option('--dry-run', 'compare and print the table only; exit 1 when days differ')
    .option('--rate <n/s>', 'publish at most this many reviews a second', parseRate)
    .option('--page-size <n>', 'reviews per Okendo page, 1-100', parsePageSize, 100)
    .action(async (options, command) => runCommand(command, (context) => reconcile(context, options)));
}
