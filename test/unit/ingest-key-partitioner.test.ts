/**
 * The ingest's partitioner must put every key in the partition kafkajs' DefaultPartitioner (Kafka's Java
 * murmur2) chooses: a different partition would split an entity's events across partitions during an upgrade.
 */
import { randomBytes } from 'node:crypto';
import { KeyPartitioner, murmur2 } from '@okendo/ingest';
import { Partitioners, type PartitionMetadata } from 'kafkajs';
import { describe, expect, it } from 'vitest';

function partitions(count: number): PartitionMetadata[] {
  return Array.from({ length: count }, (_, partitionId) => ({
    partitionId,
    leader: 1,
    partitionErrorCode: 0,
    replicas: [1],
    isr: [1],
  }));
}

/** Keys of every length 0..300 and every kind: ASCII ids, UUIDs, multi-byte UTF-8, lone surrogates. */
function sampleKeys(): string[] {
  const keys: string[] = ['', 'a', 'ab', 'abc', 'abcd', '21', 'é', '日本', '🙂', '\ud800', 'x\udfffy'];
  for (let length = 0; length <= 300; length++)
    keys.push(randomBytes(length).toString('base64').slice(0, length));
  for (let i = 0; i < 2_000; i++)
    keys.push(crypto.randomUUID(), `${i}`, `rev_${randomBytes(12).toString('hex')}`);
  for (let i = 0; i < 300; i++) {
    const units = Array.from({ length: 1 + (i % 40) }, () => Math.floor(Math.random() * 0xffff));
    keys.push(String.fromCharCode(...units));
  }
  keys.push('k'.repeat(1_365), 'k'.repeat(1_366), '日'.repeat(2_000), 'z'.repeat(10_000));
  return keys;
}

describe('KeyPartitioner', () => {
  it('chooses the partition kafkajs DefaultPartitioner chooses, for every key and partition count', () => {
    const ours = KeyPartitioner();
    const theirs = Partitioners.DefaultPartitioner();
    const keys = sampleKeys();
    for (const count of [1, 2, 3, 6, 7, 12, 100]) {
      const partitionMetadata = partitions(count);
      const differing = keys.filter((key) => {
        const args = { topic: 't', partitionMetadata, message: { key, value: null } };
        return ours(args) !== theirs(args);
      });
      expect(differing, `${count} partitions`).toEqual([]);
    }
  });

  it('computes Kafka murmur2 (the Java client value of a known key)', () => {
    // org.apache.kafka.common.utils.Utils.murmur2("21".getBytes()) = -973932308
    expect(murmur2(Buffer.from('21'))).toBe(-973932308);
  });

  it('keeps an explicit partition and leaves keyless messages to kafkajs (round robin)', () => {
    const ours = KeyPartitioner();
    const partitionMetadata = partitions(6);
    expect(ours({ topic: 't', partitionMetadata, message: { key: 'a', value: null, partition: 4 } })).toBe(4);
    const chosen = new Set(
      Array.from({ length: 12 }, () => ours({ topic: 't', partitionMetadata, message: { value: null } })),
    );
    expect(chosen.size).toBe(6);
  });
});
