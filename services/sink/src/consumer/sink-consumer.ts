/**
 * The consumer group that feeds the warehouse: joins the group, hands each partition's batch to the
 * BatchAccumulator (group commit across partitions), runs each flush (flush.ts) and commits its offsets.
 * It also measures lag on a timer (lag-monitor.ts) and tells /healthz when the consumer is gone for good.
 */
import { readMaxMessageBytes } from '@okendo/infra/kafka';
import { RESOURCE_TYPES, SPECIAL_TOPICS, type TopicKey, topicName } from '@okendo/schemas';
import {
  type Admin,
  type Consumer,
  type EachBatchPayload,
  type Kafka,
  Partitioners,
  type Producer,
} from 'kafkajs';
import type { Logger } from 'pino';
import { BatchAccumulator, type FlushLimits } from '../batch/batch-accumulator.js';
import type { ConsumedMessage } from '../batch/consumed-message.js';
import { fitDeadLetter } from '../batch/fit-dead-letter.js';
import type { OutgoingDeadLetter } from '../batch/plan-batch.js';
import type { RetryPolicy } from '../batch/write-plan.js';
import { type FailpointConfig, Failpoints } from '../failpoints.js';
import type { SinkMetrics } from '../metrics.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import { runFlush, type WriteStatus } from './flush.js';
import { probeMessageTimestamps } from './group-lag.js';
import { LagMonitor } from './lag-monitor.js';

export interface SinkConsumerOptions {
  kafka: Kafka;
  /** The client the lag probe's short-lived consumers use (default `kafka`): server.ts gives it quieter logs. */
  probeKafka?: Kafka;
  groupId: string;
  topicPrefix: string;
  warehouse: Warehouse;
  database: string;
  limits: FlushLimits;
  retry: RetryPolicy;
  sessionTimeoutMs: number;
  metrics: SinkMetrics;
  logger: Logger;
  /** how often consumer lag is measured */
  lagIntervalMs?: number;
  failpoint?: FailpointConfig | undefined;
}

const HEARTBEAT_EVERY_MS = 2_000;
/** Below the broker default (1048588), for when the dead_letter topic's max.message.bytes cannot be read. */
const DEFAULT_MAX_MESSAGE_BYTES = 1_000_000;

export class SinkConsumer {
  private readonly consumer: Consumer;
  private readonly producer: Producer;
  private readonly admin: Admin;
  private readonly accumulator: BatchAccumulator;
  private readonly topicKeys = new Map<string, TopicKey>();
  private readonly stopSignal = new AbortController();
  private readonly status: WriteStatus = { blocked: undefined };
  private readonly failpoints: Failpoints;
  private readonly lag: LagMonitor;
  private readonly deadLetterTopic: string;
  private maxDeadLetterBytes = DEFAULT_MAX_MESSAGE_BYTES;
  private joined = false;
  /** set when kafkajs will not restart the consumer: only a new process helps (/healthz 503) */
  private gone: string | undefined;

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
    this.admin = options.kafka.admin();
    this.accumulator = new BatchAccumulator(options.limits, (messages) => this.flush(messages));
    for (const key of [...RESOURCE_TYPES, ...SPECIAL_TOPICS])
      this.topicKeys.set(topicName(key, options.topicPrefix), key);
    this.deadLetterTopic = topicName('dead_letter', options.topicPrefix);
    this.failpoints = new Failpoints(options.failpoint);
    this.lag = new LagMonitor({
      admin: this.admin,
      groupId: options.groupId,
      topics: [...this.topicKeys.keys()],
      metrics: options.metrics,
      logger: options.logger,
      intervalMs: options.lagIntervalMs ?? 5_000,
      readTimestamps: probeMessageTimestamps(options.probeKafka ?? options.kafka, { timeoutMs: 5_000 }),
    });
    const { events } = this.consumer;
    this.consumer.on(events.GROUP_JOIN, () => {
      this.joined = true;
    });
    this.consumer.on(events.CRASH, (event) => {
      this.joined = false;
      const { error, restart } = event.payload;
      const name = error instanceof Error ? error.name : 'Error';
      // Kafka client errors, never payload: insert errors are handled (and described) before they get here.
      const detail = error instanceof Error ? error.message.slice(0, 300) : '';
      // kafkajs restarts the consumer after a retriable error (a coordinator still loading on a fresh broker):
      // a warning; only a crash it will not restart from is an error.
      if (restart)
        options.logger.warn({ error: name, detail, restart }, 'consumer crashed; kafkajs restarts it');
      else options.logger.error({ error: name, detail, restart }, 'consumer crashed');
      // kafkajs stops (STOP event) before every crash report, restarted or not: only restart=false is final.
      if (!restart) this.gone = `consumer crashed (${name}) and will not restart`;
    });
  }

  /** /readyz: in the group, and the last flush is not blocked. */
  health(): { healthy: boolean; reason?: string } {
    if (this.gone !== undefined) return { healthy: false, reason: this.gone };
    if (!this.joined) return { healthy: false, reason: 'not in the consumer group yet' };
    const blocked = this.status.blocked;
    if (blocked !== undefined) {
      const what = blocked.systemic ? 'paused on a systemic insert error' : 'insert failing, retrying';
      return { healthy: false, reason: `${what}: ${blocked.summary}` };
    }
    return { healthy: true };
  }

  /** /healthz: false once the consumer crashed for good (kafkajs will not restart it). */
  liveness(): { healthy: boolean; reason?: string } {
    return this.gone === undefined ? { healthy: true } : { healthy: false, reason: this.gone };
  }

  async start(): Promise<void> {
    await this.admin.connect();
    this.maxDeadLetterBytes = await this.readMaxMessageBytes(this.deadLetterTopic);
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
    this.lag.start();
  }

  /** Stops consuming after the in-flight flush (bounded by the caller's timeout), then disconnects. */
  async stop(): Promise<void> {
    await this.lag.stop();
    await this.consumer.stop();
    this.accumulator.abort(new Error('sink stopping'));
    await this.consumer.disconnect();
    await this.producer.disconnect();
    await this.admin.disconnect();
  }

  /** Gives up on a flush that is retrying forever (shutdown with ClickHouse down): nothing gets committed. */
  abortRetries(): void {
    this.stopSignal.abort();
  }

  private async readMaxMessageBytes(topic: string): Promise<number> {
    try {
      const limit = (await readMaxMessageBytes(this.admin, [topic])).get(topic);
      if (limit !== undefined) return limit;
    } catch (error) {
      this.options.logger.warn(
        { topic, error: error instanceof Error ? error.name : 'Error', assumed: DEFAULT_MAX_MESSAGE_BYTES },
        'could not read max.message.bytes of the dead-letter topic',
      );
    }
    return DEFAULT_MAX_MESSAGE_BYTES;
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
    const consumedAtMs = Date.now();
    const messages: ConsumedMessage[] = batch.messages.map((message) => ({
      topic: batch.topic,
      topicKey,
      partition: batch.partition,
      offset: message.offset,
      key: message.key,
      value: message.value,
      sizeBytes: (message.value?.length ?? 0) + (message.key?.length ?? 0),
      timing: { kafkaTimestampMs: Number(message.timestamp), consumedAtMs },
    }));
    const beat = setInterval(() => {
      heartbeat().catch(() => undefined);
    }, HEARTBEAT_EVERY_MS);
    try {
      // offsetLag: how far the partition's high watermark is beyond this batch's last message.
      await this.accumulator.add(messages, { caughtUp: batch.offsetLag() === '0' });
    } finally {
      clearInterval(beat);
    }
    if (!isRunning() || isStale()) return;
    resolveOffset(batch.lastOffset());
    await heartbeat();
  }

  private flush(messages: ConsumedMessage[]): Promise<void> {
    return runFlush(messages, {
      warehouse: this.options.warehouse,
      database: this.options.database,
      retry: this.options.retry,
      metrics: this.options.metrics,
      logger: this.options.logger,
      failpoints: this.failpoints,
      status: this.status,
      signal: this.stopSignal.signal,
      publish: (letters) => this.publish(letters),
      commit: (flushed) => this.commit(flushed),
    });
  }

  /**
   * max.message.bytes bounds a whole record batch, and kafkajs puts one send's messages for a partition in one
   * batch: send in chunks that each fit.
   */
  private async publish(letters: readonly OutgoingDeadLetter[]): Promise<void> {
    const limit = this.maxDeadLetterBytes;
    let chunk: { key: Buffer | null; value: Buffer }[] = [];
    let chunkBytes = 0;
    const send = async () => {
      if (chunk.length === 0) return;
      await this.producer.send({ topic: this.deadLetterTopic, acks: -1, messages: chunk });
      chunk = [];
      chunkBytes = 0;
    };
    for (const { key, letter } of letters) {
      const { value } = fitDeadLetter(letter, key?.length ?? 0, limit);
      const bytes = value.length + (key?.length ?? 0) + 64;
      if (chunkBytes + bytes > limit - 512) await send();
      chunk.push({ key, value });
      chunkBytes += bytes;
    }
    await send();
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
        { error: error instanceof Error ? error.name : 'Error' },
        'offset commit failed; those messages will be consumed again',
      );
    }
  }
}
