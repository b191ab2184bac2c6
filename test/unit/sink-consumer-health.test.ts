/**
 * /healthz and /readyz of the sink's consumer, driven through a fake kafkajs object (no broker): what kafkajs
 * reports by its events is what the probes answer.
 */
import { createSinkMetrics, SinkConsumer } from '@okendo/sink';
import type { Kafka } from 'kafkajs';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';

type Listener = (event: { payload: Record<string, unknown> }) => void;

function fakeKafka() {
  const listeners = new Map<string, Listener[]>();
  const events = { GROUP_JOIN: 'consumer.group_join', CRASH: 'consumer.crash', STOP: 'consumer.stop' };
  const consumer = {
    events,
    on: (name: string, listener: Listener) => {
      listeners.set(name, [...(listeners.get(name) ?? []), listener]);
      return () => undefined;
    },
  };
  const emit = (name: string, payload: Record<string, unknown> = {}) => {
    for (const listener of listeners.get(name) ?? []) listener({ payload });
  };
  const kafka = { consumer: () => consumer, producer: () => ({}), admin: () => ({}) } as unknown as Kafka;
  return { kafka, emit, events };
}

function consumerWith(kafka: Kafka) {
  return new SinkConsumer({
    kafka,
    groupId: 'g',
    topicPrefix: 't.',
    warehouse: {} as never,
    database: 'db',
    limits: { maxMessages: 10, maxBytes: 1_000, maxWaitMs: 10 },
    retry: { initialBackoffMs: 1, maxBackoffMs: 1 },
    sessionTimeoutMs: 30_000,
    metrics: createSinkMetrics(),
    logger: pino({ level: 'silent' }),
  });
}

describe('SinkConsumer probes', () => {
  it('ready once in the group; a crash kafkajs restarts from is not ready but alive', () => {
    const { kafka, emit, events } = fakeKafka();
    const sink = consumerWith(kafka);
    expect(sink.health()).toEqual({ healthy: false, reason: 'not in the consumer group yet' });
    emit(events.GROUP_JOIN);
    expect(sink.health()).toEqual({ healthy: true });
    emit(events.CRASH, { error: new Error('coordinator moved'), restart: true });
    expect(sink.health().healthy).toBe(false);
    expect(sink.liveness()).toEqual({ healthy: true });
    emit(events.GROUP_JOIN);
    expect(sink.health()).toEqual({ healthy: true });
  });

  it('a crash kafkajs will not restart from fails /healthz for good', () => {
    const { kafka, emit, events } = fakeKafka();
    const sink = consumerWith(kafka);
    emit(events.GROUP_JOIN);
    const error = Object.assign(new Error('not retriable'), { name: 'KafkaJSNonRetriableError' });
    emit(events.CRASH, { error, restart: false });
    expect(sink.liveness()).toEqual({
      healthy: false,
      reason: 'consumer crashed (KafkaJSNonRetriableError) and will not restart',
    });
    emit(events.GROUP_JOIN);
    expect(sink.liveness().healthy).toBe(false);
  });

  it('the stop kafkajs reports before restarting after a crash leaves /healthz at 200', () => {
    const { kafka, emit, events } = fakeKafka();
    const sink = consumerWith(kafka);
    emit(events.GROUP_JOIN);
    emit(events.STOP);
    emit(events.CRASH, { error: new Error('coordinator is loading'), restart: true });
    expect(sink.liveness()).toEqual({ healthy: true });
  });
});
