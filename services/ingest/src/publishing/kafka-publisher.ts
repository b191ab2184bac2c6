/**
 * Publishes to Kafka with the delivery rules in one place: idempotent producer, acks=all, and a promise per
 * message that resolves only once the broker acknowledged it (the ingest answers 2xx only then).
 *
 * Concurrent requests are group-committed: while one batch is in flight, new messages queue up and go out
 * together in the next sendBatch (bounded in messages and bytes). That keeps one request in flight
 * (idempotent ordering) without paying a broker round trip per HTTP request.
 *
 * After a failed batch the publisher heals by itself: it reconnects in the background with capped
 * exponential backoff and probes the broker, so readiness returns without waiting for the next webhook
 * (behind a load balancer a pod that is not ready gets none).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { CompressionTypes, type Kafka, type Message, type Producer, type TopicMessages } from 'kafkajs';
import { KeyPartitioner } from './key-partitioner.js';
import { RECORD_BATCH_HEADER_BYTES, recordBytes, soloBatchBytes } from './message-size.js';

export interface OutgoingMessage {
  topic: string;
  key: string;
  value: Buffer;
}

export type PublishFailure =
  | 'publish_timeout'
  | 'overloaded'
  | 'kafka_error'
  | 'closed'
  /** larger than the topic accepts: the sender's body is too big for this pipeline */
  | 'message_too_large'
  /** the broker refused this one message for another reason (topic config): not the sender's fault */
  | 'message_refused';

const PERMANENT: ReadonlySet<PublishFailure> = new Set(['message_too_large', 'message_refused']);

/** A failed publish; `retriable` says whether the same message can succeed later without a change. */
export class PublishError extends Error {
  readonly retriable: boolean;
  constructor(
    readonly code: PublishFailure,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'PublishError';
    this.retriable = !PERMANENT.has(code);
  }
}

export interface ReconnectOptions {
  /** First wait after a failed batch before reconnecting and probing; doubles per failed attempt. */
  initialBackoffMs: number;
  /** Cap of that wait: once the broker is back, readiness returns within about this much (plus a probe). */
  maxBackoffMs: number;
}

export interface PublisherOptions {
  /** A message not acknowledged within this time fails (the request gets 503). */
  publishTimeoutMs: number;
  /** Beyond this many queued messages, new ones fail at once instead of piling up in memory. */
  maxQueuedMessages: number;
  /** Upper bound of messages in one sendBatch. */
  maxBatchMessages: number;
  /**
   * Upper bound of one sendBatch in bytes (batch header + records). At most the smallest topic limit, so no
   * partition's record batch can exceed its topic's max.message.bytes because of its batch-mates.
   */
  maxBatchBytes: number;
  /** max.message.bytes per topic (read at start-up): a larger message is refused before it is sent. */
  maxMessageBytes?: ReadonlyMap<string, number>;
  reconnect: ReconnectOptions;
}

export interface PublisherClients {
  newProducer: () => Producer;
  /** Resolves once the broker answered for the topics the ingest publishes to; rejects otherwise. */
  probe: () => Promise<void>;
}

interface Pending {
  message: OutgoingMessage;
  bytes: number;
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
    // kafkajs' DefaultPartitioner's partitions, computed cheaper (key-partitioner.ts).
    createPartitioner: KeyPartitioner,
    allowAutoTopicCreation: false,
    retry: { retries: 5, initialRetryTime: 100, maxRetryTime: 1_000 },
  });
}

/** Broker answers that refuse the records themselves: retrying the same bytes cannot help. */
const TOO_LARGE = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE']);
const REFUSED = new Set(['INVALID_RECORD', 'INVALID_TIMESTAMP', 'CORRUPT_MESSAGE']);

/** The kafkajs protocol error type (e.g. MESSAGE_TOO_LARGE) anywhere in the cause chain. */
function kafkaErrorType(error: unknown): string | undefined {
  for (let e = error, depth = 0; e instanceof Error && depth < 5; depth++) {
    const type = (e as { type?: unknown }).type;
    if (typeof type === 'string') return type;
    e = (e as { originalError?: unknown }).originalError ?? e.cause;
  }
  return undefined;
}

/** Name, kafkajs type and message of an error, bounded: what /readyz and the 503 detail show. */
export function describeKafkaError(error: unknown): string {
  if (!(error instanceof Error)) return 'unknown error';
  const type = kafkaErrorType(error);
  const text = `${error.name}${type === undefined ? '' : ` ${type}`}: ${error.message}`;
  return text.length > 300 ? `${text.slice(0, 297)}...` : text;
}

export class KafkaPublisher {
  private readonly queue: Pending[] = [];
  private inFlight: Promise<void> | undefined;
  private inFlightSince = 0;
  /** Why the last batch failed; cleared by a successful batch or probe. */
  private lastError: string | undefined;
  /** While healing: how many reconnect attempts failed, and the last one's error. */
  private reconnectFailure: { attempts: number; error: string } | undefined;
  /** Counts failed batches, so a probe that started before a newer failure does not clear it. */
  private failures = 0;
  private closed = false;
  private producer: Producer | undefined;
  private connecting: Promise<Producer> | undefined;
  private healing: Promise<void> | undefined;
  private readonly stopping = new AbortController();

  constructor(
    private readonly clients: PublisherClients,
    private readonly options: PublisherOptions,
  ) {}

  /** Connects the first producer; the ingest serves only once this succeeded. */
  async start(): Promise<void> {
    await this.currentProducer();
  }

  get queuedMessages(): number {
    return this.queue.length;
  }

  /** Healthy unless a batch has been stuck past the publish timeout or a failed batch has not healed yet. */
  health(now = Date.now()): { healthy: boolean; reason?: string } {
    if (this.closed) return { healthy: false, reason: 'shutting down' };
    if (this.inFlight && now - this.inFlightSince > this.options.publishTimeoutMs) {
      return { healthy: false, reason: `a batch has waited ${now - this.inFlightSince} ms for the broker` };
    }
    if (this.lastError === undefined) return { healthy: true };
    const retry = this.reconnectFailure;
    const reconnecting =
      retry === undefined ? '' : `; ${retry.attempts} reconnect attempt(s) failed, last: ${retry.error}`;
    return { healthy: false, reason: `last publish failed: ${this.lastError}${reconnecting}` };
  }

  publish(message: OutgoingMessage): Promise<void> {
    if (this.closed) return Promise.reject(new PublishError('closed', 'the ingest is shutting down'));
    const limit = this.options.maxMessageBytes?.get(message.topic);
    const size = soloBatchBytes(message.key, message.value);
    if (limit !== undefined && size > limit) {
      return Promise.reject(
        new PublishError(
          'message_too_large',
          `the event is ${size} bytes once wrapped, topic ${message.topic} accepts ${limit}`,
        ),
      );
    }
    if (this.queue.length >= this.options.maxQueuedMessages) {
      return Promise.reject(
        new PublishError('overloaded', `${this.queue.length} messages already wait for the broker`),
      );
    }
    return new Promise<void>((resolve, reject) => {
      const pending: Pending = {
        message,
        bytes: recordBytes(message.key, message.value),
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
   * Stops taking messages, stops reconnecting, and sends what is queued for at most the publish timeout (a
   * broker that is down must not hold the shutdown forever: unacknowledged requests got 503 and will be
   * retried), then disconnects.
   */
  async close(): Promise<void> {
    this.closed = true;
    this.stopping.abort();
    const deadline = Date.now() + this.options.publishTimeoutMs;
    // A reconnect attempt under way (kafkajs' own connect retries) gets the same budget as the flush.
    await Promise.race([this.healing, sleep(this.options.publishTimeoutMs, undefined, { ref: false })]);
    while ((this.inFlight !== undefined || this.queue.some((p) => !p.settled)) && Date.now() < deadline) {
      if (this.inFlight === undefined) this.scheduleFlush();
      const timeLeft = new Promise((resolve) =>
        setTimeout(resolve, Math.max(0, deadline - Date.now())).unref(),
      );
      await Promise.race([this.inFlight, timeLeft]);
    }
    const producer = this.producer;
    this.dropProducer();
    await producer?.disconnect();
  }

  /** The connected producer, or the one being connected; a producer whose connect fails is dropped. */
  private currentProducer(): Promise<Producer> {
    if (this.connecting === undefined) {
      const producer = this.clients.newProducer();
      this.producer = producer;
      const connecting = producer.connect().then(
        () => producer,
        (error: unknown) => {
          if (this.producer === producer) this.dropProducer();
          producer.disconnect().catch(() => undefined);
          throw error;
        },
      );
      this.connecting = connecting;
    }
    return this.connecting;
  }

  /** Forgets the current producer (the next use connects a new one, with a new producer id). */
  private dropProducer(): Producer | undefined {
    const old = this.producer;
    this.producer = undefined;
    this.connecting = undefined;
    return old;
  }

  private replaceProducer(): void {
    // Its disconnect may fail against a broker that is gone; nothing waits for it.
    this.dropProducer()
      ?.disconnect()
      .catch(() => undefined);
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

  /** The next batch: up to maxBatchMessages and maxBatchBytes, at least one message. */
  private takeBatch(): Pending[] {
    const batch: Pending[] = [];
    let bytes = RECORD_BATCH_HEADER_BYTES;
    while (batch.length < this.options.maxBatchMessages) {
      const next = this.queue[0];
      if (next === undefined) break;
      // A message whose request already timed out is not sent: the sender will retry it anyway.
      if (next.settled) {
        this.queue.shift();
        continue;
      }
      if (batch.length > 0 && bytes + next.bytes > this.options.maxBatchBytes) break;
      this.queue.shift();
      batch.push(next);
      bytes += next.bytes;
    }
    return batch;
  }

  private async flush(): Promise<void> {
    const batch = this.takeBatch();
    if (batch.length > 0) {
      this.inFlightSince = Date.now();
      await this.send(batch);
    }
    this.inFlight = undefined;
    if (this.queue.length > 0) this.scheduleFlush();
  }

  /**
   * Sends a batch. When the broker refuses records (too large, invalid), the batch is split in halves and each
   * is sent again, down to the one message refused, so it never fails its batch-mates.
   */
  private async send(batch: readonly Pending[]): Promise<void> {
    const live = batch.filter((p) => !p.settled);
    if (live.length === 0) return;
    try {
      const producer = await this.currentProducer();
      await producer.sendBatch({
        topicMessages: byTopic(live),
        acks: -1,
        compression: CompressionTypes.None,
      });
      this.markHealthy();
      for (const pending of live) this.settle(pending);
    } catch (error) {
      const type = kafkaErrorType(error);
      if (type === undefined || !(TOO_LARGE.has(type) || REFUSED.has(type))) {
        this.fail(live, error);
        return;
      }
      // The broker answered, but kafkajs does not know which partitions of the request it wrote, so its
      // sequence numbers are off: go on with a new producer (a resent batch-mate may be a duplicate).
      this.replaceProducer();
      const [only] = live;
      if (live.length === 1 && only !== undefined) {
        this.settle(only, refusal(type, only.message, error));
        return;
      }
      const middle = Math.ceil(live.length / 2);
      await this.send(live.slice(0, middle));
      await this.send(live.slice(middle));
    }
  }

  private fail(batch: readonly Pending[], error: unknown): void {
    this.replaceProducer();
    this.failures += 1;
    this.lastError = describeKafkaError(error);
    const failure = new PublishError('kafka_error', `Kafka rejected the batch: ${this.lastError}`, {
      cause: error,
    });
    for (const pending of batch) this.settle(pending, failure);
    this.startHealing();
  }

  private markHealthy(): void {
    this.lastError = undefined;
    this.reconnectFailure = undefined;
  }

  private startHealing(): void {
    if (this.healing !== undefined || this.closed) return;
    this.healing = this.heal().finally(() => {
      this.healing = undefined;
    });
  }

  /** Reconnects and probes with capped exponential backoff until healthy, healed by a batch, or closed. */
  private async heal(): Promise<void> {
    let backoffMs = this.options.reconnect.initialBackoffMs;
    while (!this.closed && this.lastError !== undefined) {
      if (!(await this.pause(backoffMs))) return;
      if (this.lastError === undefined) return;
      const failuresBefore = this.failures;
      try {
        await this.currentProducer();
        await this.clients.probe();
        if (this.failures === failuresBefore) this.markHealthy();
      } catch (error) {
        this.reconnectFailure = {
          attempts: (this.reconnectFailure?.attempts ?? 0) + 1,
          error: describeKafkaError(error),
        };
        backoffMs = Math.min(this.options.reconnect.maxBackoffMs, backoffMs * 2);
      }
    }
  }

  /** Waits, unless the publisher closes first; resolves false then. */
  private async pause(ms: number): Promise<boolean> {
    try {
      await sleep(ms, undefined, { signal: this.stopping.signal, ref: false });
      return true;
    } catch (error) {
      if ((error as Error).name === 'AbortError') return false;
      throw error;
    }
  }
}

function refusal(type: string, message: OutgoingMessage, cause: unknown): PublishError {
  const size = soloBatchBytes(message.key, message.value);
  if (TOO_LARGE.has(type)) {
    return new PublishError(
      'message_too_large',
      `topic ${message.topic} refused the event (${size} bytes once wrapped) as ${type}`,
      { cause },
    );
  }
  return new PublishError('message_refused', `topic ${message.topic} refused the event as ${type}`, {
    cause,
  });
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
