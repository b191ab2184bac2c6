/**
 * One replay run: pages from a source, each published and acknowledged before its cursor goes into the
 * checkpoint, the counts per resource type and per reason left out, and the progress bar. A dry run counts
 * what a run would publish (the source's count query when it has one, else the same pages read and routed)
 * and publishes nothing. Pages shrink by half when the warehouse answers that a result is too large (the
 * sink's POST /sql caps rows and bytes), and grow back no further than asked.
 */
import type { WebhookEnvelope } from '@okendo/schemas';
import { CliError, EXIT } from '../exit-codes.js';
import type { EnvelopePublisher } from '../kafka/envelope-publisher.js';
import type { Progress } from '../output.js';
import {
  type ReplayCheckpoint,
  type ReplayFrom,
  readCheckpoint,
  sameReplay,
  writeCheckpoint,
} from './checkpoint.js';
import { bump, type Cursor, type ReplayFilter, type ReplaySource } from './replay-source.js';

export interface ReplayRunOptions {
  from: ReplayFrom;
  database: string;
  filter: ReplayFilter;
  source: ReplaySource;
  pageSize: number;
  checkpointPath?: string;
  /** undefined on a dry run */
  publisher?: EnvelopePublisher;
  progress: (total: number) => Progress;
  /** a page's size was cut (result too large) */
  onShrink?: (size: number) => void;
  /** true once the operator asked to stop (SIGINT): the run ends after the page in flight */
  stopRequested?: () => boolean;
}

export interface ReplaySummary {
  from: ReplayFrom;
  dryRun: boolean;
  /** counts include a checkpoint's earlier runs */
  resumed: boolean;
  /** the checkpoint said the replay was already complete: nothing was read */
  alreadyComplete: boolean;
  /** messages published (would be, on a dry run), per resource type and in all */
  byType: Record<string, number>;
  published: number;
  /** rows left out, by reason */
  skipped: Record<string, number>;
  /** this run alone */
  pages: number;
  read: number;
  publishedThisRun: number;
  seconds: number;
  eventsPerSecond: number;
  /** false when stopped before the end (SIGINT) */
  complete: boolean;
  /** rows per page at the end (smaller than asked when results were too large) */
  pageSize: number;
}

export function isResultTooLarge(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return (
    code === 'result_too_large' || (error instanceof Error && /\bresult_too_large\b/.test(error.message))
  );
}

const sum = (counts: Record<string, number>) => Object.values(counts).reduce((a, n) => a + n, 0);

export async function runReplay(options: ReplayRunOptions): Promise<ReplaySummary> {
  const started = performance.now();
  const identity = { from: options.from, database: options.database, filter: options.filter };
  const saved =
    options.checkpointPath === undefined
      ? undefined
      : await readCheckpoint(options.checkpointPath, options.source);
  if (saved !== undefined && !sameReplay(saved, identity)) {
    throw new CliError(
      `the checkpoint ${options.checkpointPath} belongs to another replay (source, database or filters differ): use another file, or remove it to start over`,
      EXIT.usage,
    );
  }
  const summary: ReplaySummary = {
    from: options.from,
    dryRun: options.publisher === undefined,
    resumed: saved !== undefined,
    alreadyComplete: saved?.done === true,
    byType: { ...(saved?.byType ?? {}) },
    published: saved?.published ?? 0,
    skipped: { ...(saved?.skipped ?? {}) },
    pages: 0,
    read: 0,
    publishedThisRun: 0,
    seconds: 0,
    eventsPerSecond: 0,
    complete: true,
    pageSize: options.pageSize,
  };
  if (summary.alreadyComplete) return finish(summary, started);
  let cursor: Cursor | undefined = saved?.cursor ?? undefined;

  if (summary.dryRun && options.source.plan !== undefined) {
    for (const [type, n] of Object.entries(await options.source.plan(cursor))) bump(summary.byType, type, n);
    summary.published = sum(summary.byType);
    return finish(summary, started);
  }

  const bar = options.progress(await options.source.count(cursor));
  let size = options.pageSize;
  try {
    for (;;) {
      if (options.stopRequested?.() === true) {
        summary.complete = false;
        break;
      }
      let page: Awaited<ReturnType<ReplaySource['page']>>;
      try {
        page = await options.source.page(cursor, size);
      } catch (error) {
        if (!isResultTooLarge(error) || size === 1) throw error;
        size = Math.max(1, Math.floor(size / 2));
        summary.pageSize = size;
        options.onShrink?.(size);
        continue;
      }
      if (page === undefined) break;
      await publish(options.publisher, page.envelopes);
      summary.pages++;
      summary.read += page.read;
      for (const envelope of page.envelopes) bump(summary.byType, envelope.resourceType);
      summary.published += page.envelopes.length;
      summary.publishedThisRun += page.envelopes.length;
      for (const [reason, n] of Object.entries(page.skipped)) bump(summary.skipped, reason, n);
      cursor = page.cursor;
      if (options.checkpointPath !== undefined && !summary.dryRun)
        await writeCheckpoint(options.checkpointPath, checkpointOf(summary, identity, cursor, false));
      bar.increment(page.read);
    }
  } finally {
    bar.stop();
  }
  if (options.checkpointPath !== undefined && !summary.dryRun && summary.complete)
    await writeCheckpoint(options.checkpointPath, checkpointOf(summary, identity, cursor ?? null, true));
  return finish(summary, started);
}

async function publish(publisher: EnvelopePublisher | undefined, envelopes: readonly WebhookEnvelope[]) {
  if (publisher !== undefined && envelopes.length > 0) await publisher.publish(envelopes);
}

function checkpointOf(
  summary: ReplaySummary,
  identity: Pick<ReplayCheckpoint, 'from' | 'database' | 'filter'>,
  cursor: Cursor | null,
  done: boolean,
): ReplayCheckpoint {
  return {
    version: 1,
    ...identity,
    cursor,
    published: summary.published,
    byType: summary.byType,
    skipped: summary.skipped,
    done,
    updatedAt: new Date().toISOString(),
  };
}

function finish(summary: ReplaySummary, started: number): ReplaySummary {
  summary.seconds = (performance.now() - started) / 1_000;
  summary.eventsPerSecond = summary.seconds > 0 ? summary.publishedThisRun / summary.seconds : 0;
  return summary;
}
