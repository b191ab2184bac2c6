/**
 * Inserts a batch plan into the warehouse, table by table, retrying with capped exponential backoff while
 * the warehouse is unreachable. Nothing is committed by the caller until this resolves, and every insert is
 * idempotent (ReplacingMergeTree keyed by message id / entity and version), so a retry after a partial
 * failure cannot double anything in the _current views.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Row } from '../mapping/rows.js';
import type { Warehouse } from '../warehouse/warehouse.js';

export interface RetryPolicy {
  initialBackoffMs: number;
  maxBackoffMs: number;
}

export interface WriteObserver {
  onInserted?(table: string, rows: number, seconds: number): void;
  onRetry?(error: unknown, attempt: number, backoffMs: number): void;
}

/** Thrown when the writer was told to stop while still retrying: nothing may be committed. */
export class WriteAbortedError extends Error {
  constructor() {
    super('stopped while retrying the warehouse');
    this.name = 'WriteAbortedError';
  }
}

export async function writeRows(
  warehouse: Warehouse,
  database: string,
  rows: ReadonlyMap<string, readonly Row[]>,
  options: {
    retry: RetryPolicy;
    observer?: WriteObserver;
    signal?: AbortSignal;
    onWait?: () => Promise<void>;
  },
): Promise<void> {
  for (const [table, tableRows] of rows) {
    if (tableRows.length === 0) continue;
    for (let attempt = 1; ; attempt++) {
      if (options.signal?.aborted) throw new WriteAbortedError();
      const started = performance.now();
      try {
        await warehouse.insertJsonEachRow(`${database}.${table}`, tableRows);
        options.observer?.onInserted?.(table, tableRows.length, (performance.now() - started) / 1_000);
        break;
      } catch (error) {
        const backoffMs = Math.min(
          options.retry.maxBackoffMs,
          options.retry.initialBackoffMs * 2 ** (attempt - 1),
        );
        options.observer?.onRetry?.(error, attempt, backoffMs);
        // Keep the consumer's group membership alive while waiting (heartbeats).
        await options.onWait?.();
        await sleep(backoffMs, undefined, options.signal ? { signal: options.signal } : undefined).catch(
          () => {
            throw new WriteAbortedError();
          },
        );
      }
    }
  }
}
