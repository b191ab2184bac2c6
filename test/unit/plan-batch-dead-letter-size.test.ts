import { createHash } from 'node:crypto';
import { deadLetterCodec } from '@okendo/schemas';
import { type ConsumedMessage, fitDeadLetter, newDeadLetter } from '@okendo/sink';
import { describe, expect, it } from 'vitest';

function letterFor(value: Buffer, error = 'undecodable envelope: boom') {
  const message: ConsumedMessage = {
    topic: 'okendo.review',
    topicKey: 'review',
    partition: 3,
    offset: '41',
    key: Buffer.from('entity-1'),
    value,
    sizeBytes: value.length,
  };
  return newDeadLetter(message, error, undefined, 1_790_000_000_000);
}

describe('fitDeadLetter: a dead letter always fits the dead_letter topic', () => {
  it('leaves a letter that fits untouched', () => {
    const letter = letterFor(Buffer.from('small'));
    const { value } = fitDeadLetter(letter, 8, 1_000_000);
    expect(deadLetterCodec.decode(value)).toEqual(letter);
  });

  it('cuts the origin value of a letter that does not fit, keeping origin, size and hash', () => {
    const big = Buffer.alloc(3_000_000, 'x');
    const limit = 1_048_588;
    const { value } = fitDeadLetter(letterFor(big), 8, limit);
    expect(value.length).toBeLessThanOrEqual(limit - 512 - 8);
    const decoded = deadLetterCodec.decode(value);
    expect(decoded).toMatchObject({
      originTopic: 'okendo.review',
      originPartition: 3,
      originOffset: 41n,
      originSizeBytes: 3_000_000n,
      originTruncated: true,
      originSha256: createHash('sha256').update(big).digest('hex'),
    });
    expect(decoded.originValue.length).toBeGreaterThan(1_000_000);
    expect(big.subarray(0, decoded.originValue.length).equals(decoded.originValue)).toBe(true);
  });

  it('bounds a huge error text too, even under a tiny limit', () => {
    const { value } = fitDeadLetter(letterFor(Buffer.alloc(50_000), 'e'.repeat(500_000)), 8, 4_096);
    expect(value.length).toBeLessThanOrEqual(4_096 - 512 - 8);
    const decoded = deadLetterCodec.decode(value);
    expect(decoded.error.length).toBeLessThan(400);
    expect(decoded.originTruncated).toBe(true);
  });
});
