/**
 * Encodes a dead letter so that it always fits the dead_letter topic's max.message.bytes: a letter that would
 * not fit keeps a prefix of its origin value (originTruncated), while its origin (topic, partition, offset),
 * the whole value's size and SHA-256 travel in full. The error text is bounded as well (ClickHouse errors can
 * quote a lot of data).
 */
import { type DeadLetter, deadLetterCodec } from '@okendo/schemas';

export const MAX_ERROR_CHARS = 16_384;
/** Room left for the record batch framing, timestamps and headers around the key and value. */
export const RECORD_OVERHEAD_BYTES = 512;

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}... (${text.length - max} more characters)`;
}

export function fitDeadLetter(
  letter: DeadLetter,
  keyBytes: number,
  maxMessageBytes: number,
): { value: Buffer; letter: DeadLetter } {
  const budget = maxMessageBytes - RECORD_OVERHEAD_BYTES - keyBytes;
  let fitted: DeadLetter = { ...letter, error: cut(letter.error, MAX_ERROR_CHARS) };
  let value = deadLetterCodec.encode(fitted);
  if (value.length <= budget) return { value, letter: fitted };
  // Without the origin value; then as much of it as the rest leaves room for.
  fitted = { ...fitted, originValue: Buffer.alloc(0), originTruncated: true };
  if (deadLetterCodec.encode(fitted).length > budget) fitted = { ...fitted, error: cut(fitted.error, 256) };
  let room = budget - deadLetterCodec.encode(fitted).length - 8; // 8: the bytes' length prefix can grow
  for (;;) {
    fitted = { ...fitted, originValue: letter.originValue.subarray(0, Math.max(0, room)) };
    value = deadLetterCodec.encode(fitted);
    if (value.length <= budget || room <= 0) return { value, letter: fitted };
    room -= value.length - budget;
  }
}
