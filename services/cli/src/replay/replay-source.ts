/**
 * Where a replay reads from: the event log, the open dead letters, or the unrouted deliveries. Each source reads
 * one page at a time after a cursor (keyset paging on its table's own key, so a page is never skipped or read
 * twice, and a checkpoint is just the last cursor), and turns the page into the envelopes to publish plus the
 * rows it leaves out, counted by reason.
 */
import type { ResourceType, WebhookEnvelope } from '@okendo/schemas';

/** What every source filters on; a source applies each to its own columns (the --help says which). */
export interface ReplayFilter {
  resourceTypes: readonly ResourceType[];
  sources: readonly string[];
  /** epoch ms, inclusive */
  sinceMs?: number;
  /** epoch ms, exclusive */
  untilMs?: number;
  messageIds: readonly string[];
}

export type Cursor = Readonly<Record<string, string>>;

export interface ReplayPage {
  /** rows read from the table (before leaving any out) */
  read: number;
  envelopes: WebhookEnvelope[];
  /** rows left out of this page, by reason (what an operator must look at) */
  skipped: Record<string, number>;
  /** rows the filter could only tell apart once read (an unrouted delivery of another resource type) */
  notSelected?: number;
  /** where the next page starts */
  cursor: Cursor;
}

export interface ReplaySource {
  /** "events", "dead_letters_open", "unrouted_deliveries": for messages */
  readonly table: string;
  /** How many rows the filter matches after `cursor` (the progress bar's total). */
  count(cursor: Cursor | undefined): Promise<number>;
  /**
   * What a run from `cursor` would publish per resource type, when the source can tell without reading the
   * pages (the event log); otherwise a dry run reads and routes every page as a run does, publishing nothing.
   */
  plan?(cursor: Cursor | undefined): Promise<Record<string, number>>;
  /** The next page after `cursor`, at most `size` rows; undefined when there is none. */
  page(cursor: Cursor | undefined, size: number): Promise<ReplayPage | undefined>;
  /** Whether a checkpoint's cursor has this source's shape. */
  isCursor(value: unknown): value is Cursor;
}

export interface WarehouseReader {
  query<Row = Record<string, unknown>>(sql: string): Promise<Row[]>;
}

export function bump(counts: Record<string, number>, key: string, by = 1): void {
  counts[key] = (counts[key] ?? 0) + by;
}

export function isStringRecord(value: unknown, keys: readonly string[]): value is Cursor {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return keys.every((key) => typeof record[key] === 'string');
}

export function whereClause(conditions: readonly string[]): string {
  return conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`;
}
