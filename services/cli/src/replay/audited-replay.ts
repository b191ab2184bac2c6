/**
 * One audited replay run (a source, a publisher unless it is a dry run, runReplay), shared by
 * `okendo-pipeline replay` and the console's Replay buttons: the audit row is written whatever the outcome,
 * and the summary is returned for the caller to print or render.
 */
import { formatCounts } from '@okendo/sink';
import { oneLine } from '../command-runner.js';
import type { CliContext } from '../context.js';
import { CliError, EXIT } from '../exit-codes.js';
import { type EnvelopePublisher, openEnvelopePublisher } from '../kafka/envelope-publisher.js';
import type { Progress } from '../output.js';
import type { ReplayFrom } from './checkpoint.js';
import { deadLetterSource } from './dead-letter-source.js';
import { eventSource } from './event-source.js';
import type { ReplayFilter, ReplaySource, WarehouseReader } from './replay-source.js';
import { type ReplaySummary, runReplay } from './run-replay.js';

export interface AuditedReplayOptions {
  from: ReplayFrom;
  filter: ReplayFilter;
  dryRun: boolean;
  rate?: number;
  checkpoint?: string;
  pageSize: number;
  /** asked before a real run, with the rows it may publish; throws to cancel (audited as failed) */
  confirm?: (target: string, total: number) => Promise<void>;
  /** called just before the first page (the CLI installs its SIGINT handler); returns its undo */
  beforeRun?: () => () => void;
  progress?: (label: string, total: number) => Progress;
  onShrink?: (size: number) => void;
  stopRequested?: () => boolean;
}

async function sourceFor(
  from: ReplayFrom,
  reader: WarehouseReader,
  database: string,
  filter: ReplayFilter,
): Promise<ReplaySource> {
  if (from === 'dead-letters') return deadLetterSource(reader, database, filter);
  if (from === 'unrouted') {
    // Loaded only here: the ingest's routing pulls in its HTTP stack, which no other command needs at start-up.
    const { unroutedSource } = await import('./unrouted-source.js');
    return unroutedSource(reader, database, filter);
  }
  return eventSource(reader, database, filter);
}

export function describeReplay(from: ReplayFrom, filter: ReplayFilter): string {
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

/** Rows were left out, or the run stopped before the end (exit 3 for the CLI). */
export function replayIsPartial(summary: ReplaySummary): boolean {
  return Object.values(summary.skipped).some((n) => n > 0) || !summary.complete;
}

export function replayReport(summary: ReplaySummary, checkpoint: string | undefined): string[] {
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
  return lines;
}

const NO_PROGRESS: Progress = { increment() {}, setTotal() {}, stop() {} };

export async function auditedReplay(
  context: CliContext,
  options: AuditedReplayOptions,
): Promise<ReplaySummary> {
  const { from, filter, dryRun } = options;
  const target = describeReplay(from, filter);
  let summary: ReplaySummary;
  try {
    const warehouse = await context.warehouse();
    const source = await sourceFor(from, warehouse, warehouse.database, filter);
    let publisher: EnvelopePublisher | undefined;
    if (!dryRun) {
      if (options.confirm !== undefined) await options.confirm(target, await source.count(undefined));
      publisher = await openPublisher(context, options.rate);
    }
    const undo = options.beforeRun?.();
    summary = await runReplay({
      from,
      database: warehouse.database,
      filter,
      source,
      pageSize: options.pageSize,
      ...(options.checkpoint === undefined ? {} : { checkpointPath: options.checkpoint }),
      ...(publisher === undefined ? {} : { publisher }),
      progress: (total) => options.progress?.(`replay ${from}`, total) ?? NO_PROGRESS,
      ...(options.onShrink === undefined ? {} : { onShrink: options.onShrink }),
      ...(options.stopRequested === undefined ? {} : { stopRequested: options.stopRequested }),
    }).finally(() => undo?.());
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
  await context.audit({
    command: 'replay',
    target,
    outcome: dryRun ? 'dry_run' : replayIsPartial(summary) ? 'incomplete' : 'ok',
    detail: `${dryRun ? 'would publish' : 'published'} ${summary.published} (${countsText(summary.byType) || 'none'}); this run ${summary.publishedThisRun}; left out ${leftOut}${leftOut > 0 ? ` (${countsText(summary.skipped)})` : ''}${summary.complete ? '' : '; stopped'}${options.checkpoint === undefined ? '' : '; checkpoint'}`,
  });
  return summary;
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
