/**
 * Inserts a batch plan into the warehouse, table by table (a few at once when asked). A retriable error
 * (warehouse unreachable, busy), a table error (missing table or column) or a systemic row error blocks the write: it is retried with capped
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
  /** how many tables are inserted at once (1: one after another) */
  concurrency?: number;
}

/**
 * Inserts every table's rows, up to `concurrency` tables at a time (default one after another); resolves with
 * the rows ClickHouse refused, by table in the plan's order (empty when none). A failure fails the whole write
 * once every table under way has settled, so nothing goes on writing behind a flush that failed.
 */
export async function writeRows(
  warehouse: Pick<Warehouse, 'insertJsonEachRow'>,
  database: string,
  rows: ReadonlyMap<string, readonly Row[]>,
  options: WriteOptions,
): Promise<Map<string, RejectedRow[]>> {
  const tables = [...rows].filter(([, tableRows]) => tableRows.length > 0);
  const refusedByTable: RejectedRow[][] = [];
  let next = 0;
  const worker = async () => {
    for (let index = next++; index < tables.length; index = next++) {
      const [table, tableRows] = tables[index] as [string, readonly Row[]];
      const refused = await writeTable(warehouse, database, table, tableRows, options);
      refusedByTable[index] = refused;
      if (refused.length > 0) options.observer?.onRejected?.(table, refused);
    }
  };
  const workers = Math.max(1, Math.min(options.concurrency ?? 1, tables.length));
  const settled = await Promise.allSettled(Array.from({ length: workers }, worker));
  const failed = settled.find((result) => result.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
  const rejected = new Map<string, RejectedRow[]>();
  tables.forEach(([table], index) => {
    const refused = refusedByTable[index] ?? [];
    if (refused.length > 0) rejected.set(table, refused);
  });
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
