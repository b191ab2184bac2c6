/** Command-line values of backfill and reconcile, checked with a message naming the option. */
import { InvalidArgumentError } from '@commander-js/extra-typings';
import { isReviewStatus, type ReviewStatus } from '@okendo/okendo-api';

/** `50`, `50/s`: messages a second, 1..100000. */
export function parseRate(value: string): number {
  const match = /^(\d+)(?:\/s)?$/.exec(value.trim());
  const rate = match ? Number(match[1]) : Number.NaN;
  if (!(rate >= 1 && rate <= 100_000)) throw new InvalidArgumentError('a whole number a second, e.g. 50/s');
  return rate;
}

export function parsePageSize(value: string): number {
  const size = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!(size >= 1 && size <= 100)) throw new InvalidArgumentError('1 to 100 (Okendo pages hold at most 100)');
  return size;
}

export function parseStatuses(value: string): ReviewStatus[] {
  const statuses = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const bad = statuses.filter((s) => !isReviewStatus(s));
  if (statuses.length === 0 || bad.length > 0)
    throw new InvalidArgumentError('a comma-separated list of approved, pending, rejected');
  return [...new Set(statuses)] as ReviewStatus[];
}

/** `2026-11-30`: a UTC day. */
export function parseDay(value: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`)))
    throw new InvalidArgumentError('a day as YYYY-MM-DD (UTC)');
  return value;
}

/** A repeatable, comma-separable option's values. */
export function collectIds(value: string, previous: string[]): string[] {
  const ids = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (ids.length === 0) throw new InvalidArgumentError('an id');
  return [...previous, ...ids];
}
