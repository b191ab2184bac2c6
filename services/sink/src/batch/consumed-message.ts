import type { TopicKey } from '@okendo/schemas';

/** A Kafka message as the sink handles it: where it came from, and what kind of topic that is. */
export interface ConsumedMessage {
  topic: string;
  /** resource type, 'unrouted' or 'dead_letter' */
  topicKey: TopicKey;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  sizeBytes: number;
  /**
   * When the message reached the broker (its producer timestamp) and the sink (kafkajs handed it over), for the
   * hop metric; absent for messages that did not come from the live consumer (replay, rebuild).
   */
  timing?: { kafkaTimestampMs: number; consumedAtMs: number };
}
