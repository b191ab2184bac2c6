/**
 * `reconcile reviews`: per day (UTC, by dateCreated) and moderation status, how many reviews Okendo has and
 * how many reviews_current has, and a backfill of only the (day, status) groups that differ.
 *
 * Okendo has no date filter and no count, so every status is read once, oldest first (`date asc`); a day's
 * group is complete when the first review of a later day arrives, and only then compared and, if it differs,
 * published. Memory is one day's reviews of one status. `--until` ends a pass early (pages are in date order).
 */
import type { OkendoApiError, OkendoReview, Result, ReviewPage, ReviewStatus } from '@okendo/okendo-api';
import type { WebhookEnvelope } from '@okendo/schemas';
import { CliError, EXIT } from '../exit-codes.js';
import { snapshotEnvelope } from './snapshot-envelope.js';

export interface ReconcileDay {
  day: string;
  okendo: number;
  warehouse: number;
  /** reviews published for this day */
  backfilled: number;
}

export interface ReconcileResult {
  days: ReconcileDay[];
  /** days whose counts differ */
  differing: number;
  /** days where the warehouse has more than Okendo (deleted at Okendo, or a status a snapshot cannot change) */
  moreInWarehouse: number;
  published: number;
  /** reviews without a readable dateCreated (not counted) */
  undated: number;
  complete: boolean;
  error?: OkendoApiError;
}

export interface ReconcileOptions {
  statuses: readonly ReviewStatus[];
  /** YYYY-MM-DD, inclusive */
  since?: string;
  /** YYYY-MM-DD, exclusive */
  until?: string;
  pages(status: ReviewStatus): AsyncIterable<Result<ReviewPage>>;
  /** `${day}\u0000${status}` -> count in reviews_current */
  warehouseCounts: ReadonlyMap<string, number>;
  source: string;
  /** unset: a dry run, nothing is published */
  publish?: (envelopes: readonly WebhookEnvelope[]) => Promise<void>;
  now?: () => number;
}

/** The UTC day of an ISO date-time, or undefined when it is not one. */
export function utcDay(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString().slice(0, 10);
}

export const groupKey = (day: string, status: string): string => `${day}\u0000${status}`;

export async function reconcileReviews(options: ReconcileOptions): Promise<ReconcileResult> {
  const now = options.now ?? Date.now;
  const okendo = new Map<string, number>();
  const backfilled = new Map<string, number>();
  let published = 0;
  let undated = 0;
  const inRange = (day: string) =>
    (options.since === undefined || day >= options.since) &&
    (options.until === undefined || day < options.until);

  const close = async (day: string, status: ReviewStatus, reviews: OkendoReview[]) => {
    okendo.set(day, (okendo.get(day) ?? 0) + reviews.length);
    const stored = options.warehouseCounts.get(groupKey(day, status)) ?? 0;
    if (stored === reviews.length || options.publish === undefined) return;
    const envelopes = reviews
      .map((review) => snapshotEnvelope('review', review, options.source, now()))
      .filter((envelope) => envelope !== undefined);
    await options.publish(envelopes);
    published += envelopes.length;
    backfilled.set(day, (backfilled.get(day) ?? 0) + envelopes.length);
  };

  const result = (complete: boolean, error?: OkendoApiError): ReconcileResult => {
    const warehouse = new Map<string, number>();
    for (const [key, count] of options.warehouseCounts) {
      const day = key.split('\u0000')[0] ?? '';
      if (inRange(day)) warehouse.set(day, (warehouse.get(day) ?? 0) + count);
    }
    const dayNames = [...new Set([...okendo.keys(), ...warehouse.keys()])].sort();
    const days = dayNames.map((day) => ({
      day,
      okendo: okendo.get(day) ?? 0,
      warehouse: warehouse.get(day) ?? 0,
      backfilled: backfilled.get(day) ?? 0,
    }));
    return {
      days,
      differing: days.filter((d) => d.okendo !== d.warehouse).length,
      moreInWarehouse: days.filter((d) => d.warehouse > d.okendo).length,
      published,
      undated,
      complete,
      ...(error === undefined ? {} : { error }),
    };
  };

  for (const status of options.statuses) {
    let day: string | undefined;
    let group: OkendoReview[] = [];
    let pastUntil = false;
    for await (const page of options.pages(status)) {
      if (!page.ok) return result(false, page.error);
      for (const review of page.value.reviews) {
        const reviewDay = utcDay(review.dateCreated);
        if (reviewDay === undefined) {
          undated += 1;
          continue;
        }
        if (day !== undefined && reviewDay < day)
          throw new CliError(
            `Okendo's ${status} reviews are not in date order (${reviewDay} after ${day}); cannot reconcile by day`,
            EXIT.failed,
          );
        if (options.until !== undefined && reviewDay >= options.until) {
          pastUntil = true;
          break;
        }
        if (reviewDay !== day) {
          if (day !== undefined && inRange(day)) await close(day, status, group);
          day = reviewDay;
          group = [];
        }
        if (inRange(reviewDay)) group.push(review);
      }
      if (pastUntil) break;
    }
    if (day !== undefined && inRange(day)) await close(day, status, group);
  }
  return result(true);
}
