/**
 * Inserts a batch plan into the warehouse, table by table. A retriable error (warehouse unreachable, busy),
 * a table error (missing table or column) or a systemic row error blocks the write: it is retried with capped
 * exponential backoff until it clears. A row error is narrowed down to the refused rows by bisection
 * (isolate-rejected-rows.ts); the rest is inserted and the refused rows are returned for the caller to
 * dead-letter. Nothing is committed by the caller until this resolves, and every insert is idempotent
 * (ReplacingMergeTree keyed by message id / entity and version), so a retry after a partial failure cannot
 * double anything in the _current views.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Row } from '../mapping/rows.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import { classifyInsertError, type InsertErrorClass } from './insert-errors.js';
import { isolateRejectedRows, type RejectedRow } from './isolate-rejected-rows.js';

export interface RetryPolicy {
  initialBackoffMs: number;
  maxBackoffMs: number;
}

export interface BlockedWrite {
  table: string;
  error: unknown;
  errorClass: InsertErrorClass;
  /** a table error, or a row error every row shares: an operator has to act */
  systemic: boolean;
  attempt: number;
  backoffMs: number;
}

export interface WriteObserver {
  onInserted?(table: string, rows: number, seconds: number): void;
  onBlocked?(blocked: BlockedWrite): void;
  onRejected?(table: string, rejected: readonly RejectedRow[]): void;
}

/** Thrown when the writer was told to stop while still retrying: nothing may be committed. */
export class WriteAbortedError extends Error {
  constructor() {
    super('stopped while retrying the warehouse');
    this.name = 'WriteAbortedError';
  }
}

export interface WriteOptions {
  retry: RetryPolicy;
  observer?: WriteObserver;
  signal?: AbortSignal;
  onWait?: () => Promise<void>;
}

/** Inserts every table's rows; resolves with the rows ClickHouse refused, by table (empty when none). */
export async function writeRows(
  warehouse: Pick<Warehouse, 'insertJsonEachRow'>,
  database: string,
  rows: ReadonlyMap<string, readonly Row[]>,
  options: WriteOptions,
): Promise<Map<string, RejectedRow[]>> {
  const rejected = new Map<string, RejectedRow[]>();
  for (const [table, tableRows] of rows) {
    if (tableRows.length === 0) continue;
    const refused = await writeTable(warehouse, database, table, tableRows, options);
    if (refused.length > 0) {
      rejected.set(table, refused);
      options.observer?.onRejected?.(table, refused);
    }
  }
  return rejected;
}

async function writeTable(
  warehouse: Pick<Warehouse, 'insertJsonEachRow'>,
  database: string,
  table: string,
  rows: readonly Row[],
  options: WriteOptions,
): Promise<RejectedRow[]> {
  const columns = new Set(Object.keys(rows[0] ?? {}));
  const classify = (error: unknown) => classifyInsertError(error, columns);
  const insert = async (part: readonly Row[]) => {
    const started = performance.now();
    await warehouse.insertJsonEachRow(`${database}.${table}`, part);
    options.observer?.onInserted?.(table, part.length, (performance.now() - started) / 1_000);
  };
  for (let attempt = 1; ; attempt++) {
    if (options.signal?.aborted) throw new WriteAbortedError();
    let blocked: Omit<BlockedWrite, 'table' | 'attempt' | 'backoffMs'>;
    try {
      await insert(rows);
      return [];
    } catch (error) {
      const errorClass = classify(error);
      if (errorClass.kind === 'row') {
        const isolation = await isolateRejectedRows(insert, rows, { error, errorClass }, classify);
        if (isolation.outcome === 'isolated') return isolation.rejected;
        blocked = isolation;
      } else {
        blocked = { error, errorClass, systemic: errorClass.kind === 'table' };
      }
    }
    const backoffMs = Math.min(
      options.retry.maxBackoffMs,
      options.retry.initialBackoffMs * 2 ** (attempt - 1),
    );
    options.observer?.onBlocked?.({ table, ...blocked, attempt, backoffMs });
    // Keep the consumer's group membership alive while waiting (heartbeats).
    await options.onWait?.();
    await sleep(backoffMs, undefined, options.signal ? { signal: options.signal } : undefined).catch(() => {
      throw new WriteAbortedError();
    });
  }
}
