/**
 * Collects the messages of many partition batches into one flush (group commit): kafkajs hands the sink one
 * partition's batch per eachBatch call, and inserting each on its own would mean many small ClickHouse
 * inserts. Calls add() and await the flush that covers their messages; a flush starts when the rows or bytes
 * limit is reached or the first waiting message is maxWaitMs old. One flush runs at a time.
 */
import type { ConsumedMessage } from './consumed-message.js';

export interface FlushLimits {
  maxMessages: number;
  maxBytes: number;
  maxWaitMs: number;
}

interface Waiter {
  resolve: () => void;
  reject: (error: unknown) => void;
}

export class BatchAccumulator {
  private pending: ConsumedMessage[] = [];
  private pendingBytes = 0;
  private waiters: Waiter[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;

  constructor(
    private readonly limits: FlushLimits,
    private readonly flush: (messages: ConsumedMessage[]) => Promise<void>,
  ) {}

  /** Resolves once these messages are durably written (or rejects if that flush failed). */
  add(messages: readonly ConsumedMessage[]): Promise<void> {
    if (messages.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.pending.push(...messages);
      for (const message of messages) this.pendingBytes += message.sizeBytes;
      this.waiters.push({ resolve, reject });
      if (this.pending.length >= this.limits.maxMessages || this.pendingBytes >= this.limits.maxBytes)
        this.trigger();
      else this.timer ??= setTimeout(() => this.trigger(), this.limits.maxWaitMs);
    });
  }

  /** Fails everything still waiting (shutdown, lost partitions): those messages are not committed. */
  abort(error: unknown): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const waiters = this.waiters;
    this.pending = [];
    this.pendingBytes = 0;
    this.waiters = [];
    for (const waiter of waiters) waiter.reject(error);
  }

  private trigger(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.flushing !== undefined) return; // picked up when the running flush ends
    const messages = this.pending;
    const waiters = this.waiters;
    this.pending = [];
    this.pendingBytes = 0;
    this.waiters = [];
    if (messages.length === 0) return;
    this.flushing = this.flush(messages).then(
      () => {
        for (const waiter of waiters) waiter.resolve();
      },
      (error: unknown) => {
        for (const waiter of waiters) waiter.reject(error);
      },
    );
    void this.flushing.finally(() => {
      this.flushing = undefined;
      if (this.pending.length > 0) this.trigger();
    });
  }
}
