/**
 * The consumer group that feeds the warehouse. Per flush (see BatchAccumulator): plan the rows, publish dead
 * letters, insert (retrying while ClickHouse is down), and only then commit the offsets. A message whose
 * offset is committed is in ClickHouse or in the dead letters; anything else is consumed again.
 */
import { RESOURCE_TYPES, SPECIAL_TOPICS, type TopicKey, topicName } from '@okendo/schemas';
import { type Consumer, type EachBatchPayload, type Kafka, Partitioners, type Producer } from 'kafkajs';
import type { Logger } from 'pino';
import { BatchAccumulator, type FlushLimits } from '../batch/batch-accumulator.js';
import type { ConsumedMessage } from '../batch/consumed-message.js';
import { planBatch } from '../batch/plan-batch.js';
import { type RetryPolicy, writeRows } from '../batch/write-plan.js';
import type { SinkMetrics } from '../metrics.js';
import type { Warehouse } from '../warehouse/warehouse.js';

export interface SinkConsumerOptions {
  kafka: Kafka;
  groupId: string;
  topicPrefix: string;
  warehouse: Warehouse;
  database: string;
  limits: FlushLimits;
  retry: RetryPolicy;
  sessionTimeoutMs: number;
  metrics: SinkMetrics;
  logger: Logger;
}

const HEARTBEAT_EVERY_MS = 2_000;

export class SinkConsumer {
  private readonly consumer: Consumer;
  private readonly producer: Producer;
  private readonly accumulator: BatchAccumulator;
  private readonly topicKeys = new Map<string, TopicKey>();
  private readonly stopSignal = new AbortController();
  private joined = false;
  private lastFlushError: string | undefined;

  constructor(private readonly options: SinkConsumerOptions) {
    this.consumer = options.kafka.consumer({
      groupId: options.groupId,
      sessionTimeout: options.sessionTimeoutMs,
      heartbeatInterval: Math.min(3_000, Math.floor(options.sessionTimeoutMs / 3)),
      maxWaitTimeInMs: Math.max(100, Math.min(options.limits.maxWaitMs, 1_000)),
      // What one fetch may bring in; with the flush limits this bounds the sink's memory.
      maxBytes: Math.min(options.limits.maxBytes, 8 * 1_048_576),
      maxBytesPerPartition: 1_048_576,
      allowAutoTopicCreation: false,
    });
    // Dead letters may be published twice (the dead_letters table collapses them by origin offset); not being
    // idempotent spares this producer kafkajs' stuck-sequence failure mode after a broker crash.
    this.producer = options.kafka.producer({
      idempotent: false,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    this.accumulator = new BatchAccumulator(options.limits, (messages) => this.flush(messages));
    for (const key of [...RESOURCE_TYPES, ...SPECIAL_TOPICS])
      this.topicKeys.set(topicName(key, options.topicPrefix), key);
    this.consumer.on(this.consumer.events.GROUP_JOIN, () => {
      this.joined = true;
    });
    this.consumer.on(this.consumer.events.CRASH, (event) => {
      this.joined = false;
      options.logger.error(
        { err: String(event.payload.error), restart: event.payload.restart },
        'consumer crashed',
      );
    });
  }

  health(): { healthy: boolean; reason?: string } {
    if (!this.joined) return { healthy: false, reason: 'not in the consumer group yet' };
    if (this.lastFlushError !== undefined)
      return { healthy: false, reason: `last insert failed: ${this.lastFlushError}` };
    return { healthy: true };
  }

  async start(): Promise<void> {
    await this.producer.connect();
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [...this.topicKeys.keys()], fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      // Let every partition's batch of a fetch join the same flush.
      partitionsConsumedConcurrently: 64,
      eachBatch: (payload) => this.handleBatch(payload),
    });
  }

  /** Stops consuming after the in-flight flush (bounded by the caller's timeout), then disconnects. */
  async stop(): Promise<void> {
    await this.consumer.stop();
    this.accumulator.abort(new Error('sink stopping'));
    await this.consumer.disconnect();
    await this.producer.disconnect();
  }

  /** Gives up on a flush that is retrying forever (shutdown with ClickHouse down): nothing gets committed. */
  abortRetries(): void {
    this.stopSignal.abort();
  }

  private async handleBatch({
    batch,
    resolveOffset,
    heartbeat,
    isRunning,
    isStale,
  }: EachBatchPayload): Promise<void> {
    if (batch.messages.length === 0) return;
    const topicKey = this.topicKeys.get(batch.topic);
    if (topicKey === undefined) throw new Error(`message from unexpected topic ${batch.topic}`);
    const messages: ConsumedMessage[] = batch.messages.map((message) => ({
      topic: batch.topic,
      topicKey,
      partition: batch.partition,
      offset: message.offset,
      key: message.key,
      value: message.value,
      sizeBytes: (message.value?.length ?? 0) + (message.key?.length ?? 0),
    }));
    const beat = setInterval(() => {
      heartbeat().catch(() => undefined);
    }, HEARTBEAT_EVERY_MS);
    try {
      await this.accumulator.add(messages);
    } finally {
      clearInterval(beat);
    }
    if (!isRunning() || isStale()) return;
    resolveOffset(batch.lastOffset());
    this.options.metrics.consumerLag.set(
      { topic: batch.topic, partition: String(batch.partition) },
      Math.max(0, Number(batch.highWatermark) - Number(batch.lastOffset()) - 1),
    );
    await heartbeat();
  }

  private async flush(messages: ConsumedMessage[]): Promise<void> {
    const { metrics, logger } = this.options;
    const plan = planBatch(messages);
    if (plan.deadLetters.length > 0) {
      const topic = topicName('dead_letter', this.options.topicPrefix);
      await this.producer.send({
        topic,
        acks: -1,
        messages: plan.deadLetters.map((letter) => ({ key: letter.key, value: letter.value })),
      });
      metrics.deadLettered.inc(plan.deadLetters.length);
      for (const { letter } of plan.deadLetters) {
        logger.warn(
          {
            origin: `${letter.originTopic}/${letter.originPartition}@${letter.originOffset}`,
            error: letter.error,
          },
          'dead-lettered',
        );
      }
    }
    await writeRows(this.options.warehouse, this.options.database, plan.rows, {
      retry: this.options.retry,
      signal: this.stopSignal.signal,
      observer: {
        onInserted: (table, rows, seconds) => {
          metrics.rowsInserted.inc({ table }, rows);
          metrics.insertSeconds.observe({ table }, seconds);
        },
        onRetry: (error, attempt, backoffMs) => {
          this.lastFlushError = error instanceof Error ? error.message : String(error);
          metrics.insertRetries.inc();
          logger.warn({ attempt, backoffMs, error: this.lastFlushError }, 'insert failed; retrying');
        },
      },
    });
    this.lastFlushError = undefined;
    const now = Date.now();
    for (const receivedAt of plan.receivedAtMs) metrics.eventAgeSeconds.observe((now - receivedAt) / 1_000);
    metrics.batchMessages.observe(messages.length);
    await this.commit(messages);
  }

  /** Commits the next offset of every partition in the flush; failure only means redelivery (idempotent). */
  private async commit(messages: readonly ConsumedMessage[]): Promise<void> {
    const next = new Map<string, { topic: string; partition: number; offset: bigint }>();
    for (const { topic, partition, offset } of messages) {
      const key = `${topic}\u0000${partition}`;
      const candidate = BigInt(offset) + 1n;
      const current = next.get(key);
      if (current === undefined || candidate > current.offset)
        next.set(key, { topic, partition, offset: candidate });
    }
    try {
      await this.consumer.commitOffsets(
        [...next.values()].map(({ topic, partition, offset }) => ({
          topic,
          partition,
          offset: offset.toString(),
        })),
      );
    } catch (error) {
      this.options.logger.warn(
        { error: String(error) },
        'offset commit failed; those messages will be consumed again',
      );
    }
  }
}
