/**
 * How many bytes a message costs on the broker, and whether the configured body limit can fit the topics the
 * ingest publishes to. The broker compares a topic's `max.message.bytes` with the whole record batch of a
 * partition (batch header + records), so that is what is counted here.
 */
/** Record batch header (magic v2): base offset, length, epoch, magic, CRC, attributes, deltas, ids, count. */
export const RECORD_BATCH_HEADER_BYTES = 61;
/** Per record, beyond key and value: length, attributes, timestamp and offset deltas, two lengths, headers. */
const RECORD_FIXED_BYTES = 5 + 1 + 10 + 5 + 5 + 5 + 1;

/**
 * A bound of the envelope around a body of the limit's size, for the start-up check. The fields the ingest
 * sets are bounded by its own rules (message id <= 256 header characters, at most 2 UTF-8 bytes each; source
 * <= 63; longs <= 10 bytes each). The fields copied from the body (entity id, also the key; version;
 * subscriberId) are identifiers: they get an allowance. A body whose envelope still does not fit is refused
 * per message with 413 (checkMessageFits), so the allowance decides only what start-up accepts.
 */
export const ENVELOPE_OVERHEAD_BYTES =
  RECORD_BATCH_HEADER_BYTES +
  RECORD_FIXED_BYTES +
  (2 + 512) + // messageId
  3 * 10 + // senderTimestamp, receivedAtMs, sequenceNumber
  (1 + 63) + // source
  (1 + 63) + // resourceType
  1 + // topic enum
  5 + // rawBody's length
  1_024 + // version, subscriberId, entityId (value) and their lengths
  256; // entityId again, as the key

/** The bytes one message adds to a record batch (without the batch header). */
export function recordBytes(key: string, value: Buffer): number {
  return RECORD_FIXED_BYTES + Buffer.byteLength(key) + value.length;
}

/** The record batch of this message alone, as the broker measures it against max.message.bytes. */
export function soloBatchBytes(key: string, value: Buffer): number {
  return RECORD_BATCH_HEADER_BYTES + recordBytes(key, value);
}

export class BodyLimitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BodyLimitError';
  }
}

/** Refuses a body limit that some topic cannot take once wrapped; names the topic and both figures. */
export function checkBodyLimitFits(bodyLimitBytes: number, limits: ReadonlyMap<string, number>): void {
  const needed = bodyLimitBytes + ENVELOPE_OVERHEAD_BYTES;
  const tooSmall = [...limits].filter(([, max]) => max < needed);
  if (tooSmall.length === 0) return;
  const list = tooSmall.map(([topic, max]) => `${topic} (max.message.bytes=${max})`).join(', ');
  const smallest = Math.min(...tooSmall.map(([, max]) => max));
  throw new BodyLimitError(
    `INGEST_BODY_LIMIT_BYTES=${bodyLimitBytes} needs topics that accept ${needed} bytes ` +
      `(body + ${ENVELOPE_OVERHEAD_BYTES} bytes of envelope and record overhead), but ${list} cannot: ` +
      `lower INGEST_BODY_LIMIT_BYTES to at most ${smallest - ENVELOPE_OVERHEAD_BYTES} or raise max.message.bytes`,
  );
}
