/**
 * Publishes to Kafka with the delivery rules in one place: idempotent producer, acks=all, and a promise per
 * message that resolves only once the broker acknowledged it (the ingest answers 2xx only then).
 *
 * Concurrent requests are group-committed: while one batch is in flight, new messages queue up and go out
 * together in the next sendBatch. That keeps one request in flight (idempotent ordering) without paying a
 * broker round trip per HTTP request.
 */
import {
  CompressionTypes,
  type Kafka,
  type Message,
  Partitioners,
  type Producer,
  type TopicMessages,
} from 'kafkajs';

export interface OutgoingMessage {
  topic: string;
  key: string;
  value: Buffer;
}

export type PublishFailure = 'publish_timeout' | 'overloaded' | 'kafka_error' | 'closed';

/** A failed publish: always retriable by the sender, which is why the ingest maps it to 503 + Retry-After. */
export class PublishError extends Error {
  readonly retriable = true;
  constructor(
    readonly code: PublishFailure,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'PublishError';
  }
}

export interface PublisherOptions {
  /** A message not acknowledged within this time fails (the request gets 503). */
  publishTimeoutMs: number;
  /** Beyond this many queued messages, new ones fail at once instead of piling up in memory. */
  maxQueuedMessages: number;
  /** Upper bound of messages in one sendBatch. */
  maxBatchMessages: number;
}

interface Pending {
  message: OutgoingMessage;
  settled: boolean;
  resolve: () => void;
  reject: (error: PublishError) => void;
  timer: NodeJS.Timeout;
}

/**
 * The producer settings nobody overrides: idempotent, one request in flight (per-key order), acks=all on every
 * send. Retries are bounded on purpose: after a broker crash kafkajs can get stuck retrying a batch the broker
 * rejects forever (OUT_OF_ORDER_SEQUENCE_NUMBER, UNKNOWN_PRODUCER_ID), so a batch that keeps failing fails
 * (its requests get 503 and the sender retries) and the publisher replaces the producer. The price is a possible
 * duplicate in Kafka, which the warehouse absorbs (events are deduplicated by message id).
 */
export function createIdempotentProducer(kafka: Kafka): Producer {
  return kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
    allowAutoTopicCreation: false,
    retry: { retries: 5, initialRetryTime: 100, maxRetryTime: 1_000 },
  });
}

export class KafkaPublisher {
  private readonly queue: Pending[] = [];
  private inFlight: Promise<void> | undefined;
  private inFlightSince = 0;
  /** why the last batch failed; cleared by the next success */
  private lastError: string | undefined;
  private closed = false;
  private producer: Producer | undefined;
  private connected = false;

  constructor(
    private readonly newProducer: () => Producer,
    private readonly options: PublisherOptions,
  ) {}

  /** Connects the first producer; the ingest serves only once this succeeded. */
  async start(): Promise<void> {
    await this.currentProducer();
  }

  /** Whether the current producer is connected (for /readyz). */
  get isConnected(): boolean {
    return this.connected;
  }

  private async currentProducer(): Promise<Producer> {
    if (this.producer !== undefined) return this.producer;
    const producer = this.newProducer();
    producer.on(producer.events.CONNECT, () => {
      this.connected = true;
    });
    producer.on(producer.events.DISCONNECT, () => {
      if (this.producer === producer) this.connected = false;
    });
    await producer.connect();
    this.producer = producer;
    return producer;
  }

  /** Drops a producer whose batch failed; the next batch gets a new one (a new producer id). */
  private replaceProducer(): void {
    const old = this.producer;
    this.producer = undefined;
    this.connected = false;
    old?.disconnect().catch(() => undefined);
  }

  get queuedMessages(): number {
    return this.queue.length;
  }

  /** Healthy unless a batch has been stuck past the publish timeout or the last batch failed. */
  health(now = Date.now()): { healthy: boolean; reason?: string } {
    if (this.closed) return { healthy: false, reason: 'shutting down' };
    if (this.inFlight && now - this.inFlightSince > this.options.publishTimeoutMs) {
      return { healthy: false, reason: `a batch has waited ${now - this.inFlightSince} ms for the broker` };
    }
    if (this.lastError) return { healthy: false, reason: `last publish failed: ${this.lastError}` };
    return { healthy: true };
  }

  publish(message: OutgoingMessage): Promise<void> {
    if (this.closed) return Promise.reject(new PublishError('closed', 'the ingest is shutting down'));
    if (this.queue.length >= this.options.maxQueuedMessages) {
      return Promise.reject(
        new PublishError('overloaded', `${this.queue.length} messages already wait for the broker`),
      );
    }
    return new Promise<void>((resolve, reject) => {
      const pending: Pending = {
        message,
        settled: false,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.settle(
            pending,
            new PublishError(
              'publish_timeout',
              `Kafka did not acknowledge within ${this.options.publishTimeoutMs} ms`,
            ),
          );
        }, this.options.publishTimeoutMs),
      };
      this.queue.push(pending);
      if (this.inFlight === undefined) this.scheduleFlush();
    });
  }

  /**
   * Stops taking messages and sends what is queued, for at most the publish timeout (a broker that is down
   * must not hold the shutdown forever: unacknowledged requests got 503 and will be retried), then disconnects.
   */
  async close(): Promise<void> {
    this.closed = true;
    const deadline = Date.now() + this.options.publishTimeoutMs;
    while ((this.inFlight !== undefined || this.queue.some((p) => !p.settled)) && Date.now() < deadline) {
      if (this.inFlight === undefined) this.scheduleFlush();
      const timeLeft = new Promise((resolve) =>
        setTimeout(resolve, Math.max(0, deadline - Date.now())).unref(),
      );
      await Promise.race([this.inFlight, timeLeft]);
    }
    await this.producer?.disconnect();
  }

  private settle(pending: Pending, error?: PublishError): void {
    if (pending.settled) return;
    pending.settled = true;
    clearTimeout(pending.timer);
    if (error) pending.reject(error);
    else pending.resolve();
  }

  private scheduleFlush(): void {
    // setImmediate lets the requests of the current event-loop turn join the batch.
    this.inFlight = new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.flush());
    this.inFlightSince = Date.now();
  }

  private async flush(): Promise<void> {
    const batch: Pending[] = [];
    while (batch.length < this.options.maxBatchMessages && this.queue.length > 0) {
      const next = this.queue.shift() as Pending;
      // A message whose request already timed out is not sent: the sender will retry it anyway.
      if (!next.settled) batch.push(next);
    }
    if (batch.length > 0) {
      this.inFlightSince = Date.now();
      try {
        const producer = await this.currentProducer();
        await producer.sendBatch({
          topicMessages: byTopic(batch),
          acks: -1,
          compression: CompressionTypes.None,
        });
        this.lastError = undefined;
        for (const pending of batch) this.settle(pending);
      } catch (error) {
        this.replaceProducer();
        this.lastError = (error as Error).message;
        const failure = new PublishError(
          'kafka_error',
          `Kafka rejected the batch: ${(error as Error).message}`,
          {
            cause: error,
          },
        );
        for (const pending of batch) this.settle(pending, failure);
      }
    }
    this.inFlight = undefined;
    if (this.queue.length > 0) this.scheduleFlush();
  }
}

function byTopic(batch: readonly Pending[]): TopicMessages[] {
  const topics = new Map<string, Message[]>();
  for (const { message } of batch) {
    let messages = topics.get(message.topic);
    if (messages === undefined) {
      messages = [];
      topics.set(message.topic, messages);
    }
    messages.push({ key: message.key, value: message.value });
  }
  return [...topics].map(([topic, messages]) => ({ topic, messages }));
}
