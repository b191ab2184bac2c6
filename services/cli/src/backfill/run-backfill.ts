/**
 * The backfill loop: each pass (a review status, a survey) page by page from its checkpointed cursor; each
 * page's objects become snapshot envelopes, published and acknowledged by the broker, and only then is the
 * checkpoint moved past that page. A finished backfill removes its checkpoint, so the next run starts afresh.
 */
import type { OkendoApiError, Result } from '@okendo/okendo-api';
import type { ResourceType, WebhookEnvelope } from '@okendo/schemas';
import {
  type BackfillCheckpoint,
  type PassProgress,
  readCheckpoint,
  removeCheckpoint,
  writeCheckpoint,
} from './checkpoint.js';
import { snapshotEnvelope } from './snapshot-envelope.js';

export interface CatalogPage {
  items: Record<string, unknown>[];
  /** the cursor of the next page, absent on the last */
  lastEvaluated?: string;
}

export interface BackfillPass {
  pass: string;
  pages(cursor: string | undefined): AsyncIterable<Result<CatalogPage>>;
}

export interface BackfillOptions {
  kind: BackfillCheckpoint['kind'];
  resourceType: ResourceType;
  source: string;
  passes: readonly BackfillPass[];
  checkpointPath: string;
  publish: (envelopes: readonly WebhookEnvelope[]) => Promise<void>;
  /** after each acknowledged page: how many objects it published */
  onPage?: (published: number) => void;
  now?: () => number;
}

export interface BackfillSummary {
  passes: PassProgress[];
  published: number;
  skipped: number;
  /** whether this run continued a checkpoint */
  resumed: boolean;
  /** published in this run (a resumed run does not count what earlier runs published) */
  publishedThisRun: number;
  seconds: number;
  complete: boolean;
  /** what stopped an incomplete run */
  error?: OkendoApiError;
}

export async function runBackfill(options: BackfillOptions): Promise<BackfillSummary> {
  const now = options.now ?? Date.now;
  const startedMs = now();
  const names = options.passes.map((p) => p.pass);
  const existing = await readCheckpoint(options.checkpointPath, {
    kind: options.kind,
    source: options.source,
    passes: names,
  });
  const checkpoint: BackfillCheckpoint = existing ?? {
    kind: options.kind,
    source: options.source,
    passes: names.map((pass) => ({ pass, done: false, published: 0, skipped: 0 })),
    startedAt: new Date(startedMs).toISOString(),
    updatedAt: new Date(startedMs).toISOString(),
  };
  let publishedThisRun = 0;
  const summary = (complete: boolean, error?: OkendoApiError): BackfillSummary => ({
    passes: checkpoint.passes,
    published: checkpoint.passes.reduce((sum, p) => sum + p.published, 0),
    skipped: checkpoint.passes.reduce((sum, p) => sum + p.skipped, 0),
    resumed: existing !== undefined,
    publishedThisRun,
    seconds: (now() - startedMs) / 1_000,
    complete,
    ...(error === undefined ? {} : { error }),
  });

  for (const pass of options.passes) {
    const progress = checkpoint.passes.find((p) => p.pass === pass.pass);
    if (progress === undefined || progress.done) continue;
    const pages = pass.pages(progress.cursor)[Symbol.asyncIterator]();
    let ahead = pages.next();
    for (;;) {
      const { value: page, done } = await ahead;
      if (done) break;
      if (!page.ok) return summary(false, page.error);
      // Read the next page while this one is published (Okendo's rate limit, not Kafka, sets the pace).
      ahead = pages.next();
      // Awaited on the next turn; this only keeps a publish failure from leaving it an unhandled rejection.
      ahead.catch(() => undefined);
      const envelopes = page.value.items
        .map((item) => snapshotEnvelope(options.resourceType, item, options.source, now()))
        .filter((envelope) => envelope !== undefined);
      await options.publish(envelopes);
      progress.published += envelopes.length;
      progress.skipped += page.value.items.length - envelopes.length;
      publishedThisRun += envelopes.length;
      if (page.value.lastEvaluated === undefined) {
        progress.done = true;
        delete progress.cursor;
      } else progress.cursor = page.value.lastEvaluated;
      checkpoint.updatedAt = new Date(now()).toISOString();
      await writeCheckpoint(options.checkpointPath, checkpoint);
      options.onPage?.(envelopes.length);
    }
    // An iterator that ended without a last page (none at all) still means the pass is read.
    progress.done = true;
  }
  await removeCheckpoint(options.checkpointPath);
  return summary(true);
}
