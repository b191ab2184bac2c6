/**
 * What `npm run rebuild|redrive` and `okendo-pipeline rebuild|redrive` share: the filter built from the
 * command-line values (checked the same way) and the summary's report lines, so both say the same.
 */
import { isResourceType, RESOURCE_TYPES } from '@okendo/schemas';
import type { EventLogFilter } from './event-log-reader.js';
import type { RebuildSummary } from './rebuild.js';
import type { RedriveSummary } from './redrive.js';
import { formatCounts, parseIsoDate, UsageError } from './terminal.js';

/** Repeated or comma-separated values, trimmed, empties dropped. */
export function listValues(values: readonly string[] | undefined): string[] {
  return (values ?? [])
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v !== '');
}

/** The rebuild filter from the command line's values; throws UsageError naming the flag. */
export function rebuildFilter(values: {
  resourceTypes?: readonly string[] | undefined;
  sources?: readonly string[] | undefined;
  since?: string;
  until?: string;
}): EventLogFilter {
  const named = listValues(values.resourceTypes);
  const unknown = named.filter((t) => !isResourceType(t));
  if (unknown.length > 0) {
    throw new UsageError(
      `--resource-type: unknown ${unknown.join(', ')} (known: ${RESOURCE_TYPES.join(', ')})`,
    );
  }
  const filter: EventLogFilter = {
    resourceTypes: named.filter(isResourceType),
    sources: listValues(values.sources),
    ...(values.since === undefined ? {} : { sinceMs: parseIsoDate('--since', values.since) }),
    ...(values.until === undefined ? {} : { untilMs: parseIsoDate('--until', values.until) }),
  };
  if (filter.sinceMs !== undefined && filter.untilMs !== undefined && filter.sinceMs >= filter.untilMs) {
    throw new UsageError('--since must be before --until');
  }
  return filter;
}

/** Done, but some events could not be planned or some rows were refused (exit 3). */
export function rebuildIncomplete(summary: RebuildSummary): boolean {
  return Object.keys(summary.notPlanned).length > 0 || Object.keys(summary.refused).length > 0;
}

export function rebuildReport(summary: RebuildSummary): string[] {
  const verb = summary.dryRun ? 'would write' : 'written';
  const lines = [
    `${summary.dryRun ? 'rebuild (dry run, nothing written)' : 'rebuild'}: ${summary.eventsRead.toLocaleString('en-US')} events read in ${summary.pages} page(s), ${summary.seconds.toFixed(1)} s, ${Math.round(summary.eventsPerSecond).toLocaleString('en-US')} events/s`,
    `rows ${verb} per table:`,
    ...formatCounts(summary.rowsByTable),
  ];
  if (Object.keys(summary.notPlanned).length > 0) {
    lines.push('events that could not be planned (the sink would dead-letter them; not published):');
    lines.push(...formatCounts(summary.notPlanned));
  }
  if (Object.keys(summary.refused).length > 0) {
    lines.push('rows the warehouse refused, per table:', ...formatCounts(summary.refused));
  }
  return lines;
}

export function redriveReport(summary: RedriveSummary): string[] {
  const lines = [
    `${summary.dryRun ? 'redrive (dry run, nothing written)' : 'redrive'}: ${summary.open} open dead letter(s), ${summary.redriven} ${summary.dryRun ? 'would be ' : ''}re-driven, ${summary.open - summary.redriven} stay open; ${summary.alreadyRedriven} re-driven earlier (skipped); ${summary.seconds.toFixed(1)} s`,
  ];
  if (Object.keys(summary.rowsByTable).length > 0) {
    lines.push(
      `rows ${summary.dryRun ? 'that would be ' : ''}written per table:`,
      ...formatCounts(summary.rowsByTable),
    );
  }
  if (Object.keys(summary.stay).length > 0)
    lines.push('staying open, by reason:', ...formatCounts(summary.stay));
  return lines;
}
