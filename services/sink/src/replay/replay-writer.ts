/**
 * How a replay writes: the live sink's insert path (writeRows: bisection of refused rows, retry with
 * backoff), restricted to the state and child tables, and bounded: a tool run by a person stops with the
 * reason instead of retrying for ever. A table error or a systemic row error (say, the migration that adds
 * the column was not applied) stops it at once; a retriable one after a few attempts (about a minute).
 */
import { RESOURCE_TYPES } from '@okendo/schemas';
import { describeInsertError } from '../batch/insert-errors.js';
import type { RejectedRow } from '../batch/isolate-rejected-rows.js';
import { type BlockedWrite, WriteAbortedError, writeRows } from '../batch/write-plan.js';
import type { Row } from '../mapping/rows.js';
import { TABLE_LAYOUTS } from '../mapping/table-layout.js';
import type { Warehouse } from '../warehouse/warehouse.js';

/**
 * The state, version and child tables: what a replay derives. Never `events` (the rows are there already;
 * only a rebuild rewrites the ones whose occurred_at it derives anew, rebuild.ts).
 */
export const DERIVED_TABLES: ReadonlySet<string> = new Set(
  RESOURCE_TYPES.flatMap((type) => [
    TABLE_LAYOUTS[type].table,
    TABLE_LAYOUTS[type].versionTable,
    ...TABLE_LAYOUTS[type].children.map((child) => child.table),
  ]),
);

/** The derived rows of a plan, in its insert order (state, then version, then child tables). */
export function derivedRows(rows: ReadonlyMap<string, readonly Row[]>): Map<string, readonly Row[]> {
  return new Map([...rows].filter(([table, list]) => DERIVED_TABLES.has(table) && list.length > 0));
}

/** A write the replay gave up on; nothing after it was written. */
export class ReplayStoppedError extends Error {
  constructor(
    message: string,
    readonly blocked: BlockedWrite | undefined,
  ) {
    super(message);
    this.name = 'ReplayStoppedError';
  }
}

export interface ReplayWriteOptions {
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** attempts of one table's insert before giving up on a retriable error */
  maxAttempts?: number;
  signal?: AbortSignal;
}

export async function writeDerived(
  warehouse: Pick<Warehouse, 'insertJsonEachRow'>,
  database: string,
  rows: ReadonlyMap<string, readonly Row[]>,
  options: ReplayWriteOptions = {},
): Promise<Map<string, RejectedRow[]>> {
  const stop = new AbortController();
  const outer = options.signal;
  const forward = () => stop.abort();
  outer?.addEventListener('abort', forward, { once: true });
  let gaveUp: BlockedWrite | undefined;
  try {
    return await writeRows(warehouse, database, rows, {
      retry: {
        initialBackoffMs: options.initialBackoffMs ?? 200,
        maxBackoffMs: options.maxBackoffMs ?? 15_000,
      },
      signal: stop.signal,
      observer: {
        onBlocked: (blocked) => {
          if (blocked.systemic || blocked.attempt >= (options.maxAttempts ?? 8)) {
            gaveUp = blocked;
            stop.abort();
          }
        },
      },
    });
  } catch (error) {
    if (!(error instanceof WriteAbortedError)) throw error;
    if (gaveUp === undefined) throw new ReplayStoppedError('stopped', undefined);
    const what = describeInsertError(gaveUp.errorClass, gaveUp.table);
    const hint = gaveUp.systemic
      ? ' (a table or column is missing or refused: apply the migrations first)'
      : '';
    throw new ReplayStoppedError(
      `the warehouse refused the ${gaveUp.table} insert after ${gaveUp.attempt} attempt(s): ${what}${hint}`,
      gaveUp,
    );
  } finally {
    outer?.removeEventListener('abort', forward);
  }
}
