/**
 * Collects the messages of many partition batches into one flush (group commit): kafkajs hands the sink one
 * partition's batch per eachBatch call, and inserting each on its own would mean many small ClickHouse
 * inserts. Calls add() and await the flush that covers their messages. One flush runs at a time; what arrives
 * meanwhile goes into the next one, started as soon as it ends. A flush starts when the rows or bytes limit is
 * reached, or the first waiting message is maxWaitMs old, or (flushWhenCaughtUp) at once when every batch
 * waiting came from a partition the consumer has caught up on: nothing more is queued in Kafka, so waiting for
 * batch-mates would only add latency (live traffic), while a backlog still fills batches up to the limits.
 */
import type { ConsumedMessage } from './consumed-message.js';

export interface FlushLimits {
  maxMessages: number;
  maxBytes: number;
  maxWaitMs: number;
  /** flush without waiting for maxWaitMs when the consumer has caught up (the sink's default) */
  flushWhenCaughtUp?: boolean;
}

/** Where a batch stands in its partition: caught up when it ends at the partition's high watermark. */
export interface BatchPosition {
  caughtUp: boolean;
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
  private soon: NodeJS.Immediate | undefined;
  /** every batch waiting since the last flush ended its partition's backlog */
  private pendingCaughtUp = true;
  private flushing: Promise<void> | undefined;

  constructor(
    private readonly limits: FlushLimits,
    private readonly flush: (messages: ConsumedMessage[]) => Promise<void>,
  ) {}

  /** Resolves once these messages are durably written (or rejects if that flush failed). */
  add(messages: readonly ConsumedMessage[], position: BatchPosition = { caughtUp: false }): Promise<void> {
    if (messages.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.pending.push(...messages);
      for (const message of messages) this.pendingBytes += message.sizeBytes;
      this.waiters.push({ resolve, reject });
      this.pendingCaughtUp &&= position.caughtUp;
      if (this.pending.length >= this.limits.maxMessages || this.pendingBytes >= this.limits.maxBytes)
        this.trigger();
      else if (this.limits.flushWhenCaughtUp === true && this.pendingCaughtUp) this.triggerSoon();
      else this.waitForBatchMates();
    });
  }

  /** Flushes once the first waiting message is maxWaitMs old (unless a limit triggers it first). */
  private waitForBatchMates(): void {
    this.timer ??= setTimeout(() => this.trigger(), this.limits.maxWaitMs);
  }

  /**
   * kafkajs hands over the batches of one fetch (one per partition) in the same turn of the event loop: flush on
   * the next turn, so they all join it, unless a batch with a backlog behind it arrived meanwhile.
   */
  private triggerSoon(): void {
    this.soon ??= setImmediate(() => {
      this.soon = undefined;
      if (this.pendingCaughtUp) this.trigger();
      else this.waitForBatchMates();
    });
  }

  /** Fails everything still waiting (shutdown, lost partitions): those messages are not committed. */
  abort(error: unknown): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    clearImmediate(this.soon);
    this.soon = undefined;
    this.pendingCaughtUp = true;
    const waiters = this.waiters;
    this.pending = [];
    this.pendingBytes = 0;
    this.waiters = [];
    for (const waiter of waiters) waiter.reject(error);
  }

  private trigger(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    clearImmediate(this.soon);
    this.soon = undefined;
    if (this.flushing !== undefined) return; // picked up when the running flush ends
    const messages = this.pending;
    const waiters = this.waiters;
    this.pending = [];
    this.pendingBytes = 0;
    this.waiters = [];
    this.pendingCaughtUp = true;
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
