/**
 * Writes the WebhookEnvelope in Avro binary, byte for byte what envelopeCodec.encode writes, into one buffer
 * of the exact size. avsc writes each record into a shared 1 KB scratch buffer and writes it again when it did
 * not fit (most bodies), and this schema's longs (bigint) go through an 8-byte Buffer each: ~5 us per event
 * against ~1 us here, on every request. Avro binary is canonical (zig-zag varints, length-prefixed UTF-8), so
 * the bytes are the same; the field layout is checked against the schema when this module loads (a changed
 * envelope.avsc fails the start-up and the unit tests, never writes a different layout silently), and
 * test/unit/ingest-envelope-writer.test.ts compares the bytes with envelopeCodec's.
 */
import { envelopeCodec, type WebhookEnvelope } from '@okendo/schemas';

/** The envelope's fields as this writer writes them, in the schema's order. */
const LAYOUT = [
  ['messageId', 'string'],
  ['senderTimestamp', 'long'],
  ['receivedAtMs', 'long'],
  ['source', 'string'],
  ['resourceType', 'string'],
  [
    'topic',
    { name: 'io.okendo.pipeline.WebhookTopic', type: 'enum', symbols: ['create', 'update', 'delete'] },
  ],
  ['sequenceNumber', 'long'],
  ['version', 'string'],
  ['subscriberId', ['null', 'string']],
  ['entityId', 'string'],
  ['rawBody', 'bytes'],
] as const;

const TOPIC_INDEX: Readonly<Record<string, number>> = { create: 0, update: 1, delete: 2 };

/**
 * A lone surrogate (possible in text from the JSON body, e.g. "\ud800"): avsc writes its code unit as 3 raw
 * bytes where Buffer writes U+FFFD, so such an envelope is left to avsc to keep the bytes identical.
 */
function wellFormed(text: string): boolean {
  return (text as unknown as { isWellFormed(): boolean }).isWellFormed();
}

/** Longs below this are written with number arithmetic (exact below 2^53 once doubled by zig-zag). */
const SMALL_LONG = 2n ** 51n;

/** Throws unless the codec's schema has exactly the fields (names, types, order) this writer writes. */
export function checkEnvelopeLayout(schema: unknown = envelopeCodec.type.schema()): void {
  const fields = (schema as { fields?: Array<{ name: string; type: unknown }> }).fields ?? [];
  const actual = JSON.stringify(fields.map(({ name, type }) => [name, type]));
  const expected = JSON.stringify(LAYOUT);
  if (actual !== expected) {
    throw new Error(
      `envelope-writer.ts writes the WebhookEnvelope as ${expected}, but the schema is now ${actual}: update it`,
    );
  }
}
checkEnvelopeLayout();

/** Bytes of an Avro long (zig-zag varint). */
function longBytes(value: bigint): number {
  if (value >= 0n && value < SMALL_LONG) return lengthBytes(Number(value));
  let zigzag = value >= 0n ? value << 1n : (-value << 1n) - 1n;
  let bytes = 1;
  while (zigzag >= 0x80n) {
    zigzag >>= 7n;
    bytes += 1;
  }
  return bytes;
}

/** Bytes of the zig-zag varint of a non-negative integer below 2^51 (lengths, small longs). */
function lengthBytes(length: number): number {
  let zigzag = length * 2;
  let bytes = 1;
  while (zigzag >= 0x80) {
    zigzag = Math.floor(zigzag / 0x80);
    bytes += 1;
  }
  return bytes;
}

class Writer {
  pos = 0;
  constructor(readonly buffer: Buffer) {}

  /** A non-negative integer below 2^51, zig-zag encoded (number arithmetic: no bigint on the hot path). */
  small(value: number): void {
    let zigzag = value * 2;
    while (zigzag >= 0x80) {
      this.buffer[this.pos++] = (zigzag % 0x80) | 0x80;
      zigzag = Math.floor(zigzag / 0x80);
    }
    this.buffer[this.pos++] = zigzag;
  }

  long(value: bigint): void {
    if (value >= 0n && value < SMALL_LONG) {
      this.small(Number(value));
      return;
    }
    let zigzag = value >= 0n ? value << 1n : (-value << 1n) - 1n;
    while (zigzag >= 0x80n) {
      this.buffer[this.pos++] = Number(zigzag & 0x7fn) | 0x80;
      zigzag >>= 7n;
    }
    this.buffer[this.pos++] = Number(zigzag);
  }

  string(value: string, byteLength: number): void {
    this.small(byteLength);
    this.pos += this.buffer.write(value, this.pos, byteLength, 'utf8');
  }

  bytes(value: Buffer): void {
    this.small(value.length);
    this.pos += value.copy(this.buffer, this.pos);
  }
}

/** The envelope in Avro binary: the same bytes as envelopeCodec.encode(envelope). */
export function writeEnvelope(envelope: WebhookEnvelope): Buffer {
  const topicIndex = TOPIC_INDEX[envelope.topic];
  if (topicIndex === undefined) throw new Error(`not a WebhookTopic: ${envelope.topic}`);
  if (
    !wellFormed(envelope.messageId) ||
    !wellFormed(envelope.source) ||
    !wellFormed(envelope.resourceType) ||
    !wellFormed(envelope.version) ||
    (envelope.subscriberId !== null && !wellFormed(envelope.subscriberId)) ||
    !wellFormed(envelope.entityId)
  )
    return envelopeCodec.encode(envelope);
  const messageId = Buffer.byteLength(envelope.messageId);
  const source = Buffer.byteLength(envelope.source);
  const resourceType = Buffer.byteLength(envelope.resourceType);
  const version = Buffer.byteLength(envelope.version);
  const subscriberId = envelope.subscriberId === null ? -1 : Buffer.byteLength(envelope.subscriberId);
  const entityId = Buffer.byteLength(envelope.entityId);
  const size =
    lengthBytes(messageId) +
    messageId +
    longBytes(envelope.senderTimestamp) +
    longBytes(envelope.receivedAtMs) +
    lengthBytes(source) +
    source +
    lengthBytes(resourceType) +
    resourceType +
    1 + // the enum index (0..2)
    longBytes(envelope.sequenceNumber) +
    lengthBytes(version) +
    version +
    1 + // the union branch (0 null, 1 string)
    (subscriberId < 0 ? 0 : lengthBytes(subscriberId) + subscriberId) +
    lengthBytes(entityId) +
    entityId +
    lengthBytes(envelope.rawBody.length) +
    envelope.rawBody.length;
  const out = new Writer(Buffer.allocUnsafe(size));
  out.string(envelope.messageId, messageId);
  out.long(envelope.senderTimestamp);
  out.long(envelope.receivedAtMs);
  out.string(envelope.source, source);
  out.string(envelope.resourceType, resourceType);
  out.small(topicIndex);
  out.long(envelope.sequenceNumber);
  out.string(envelope.version, version);
  if (envelope.subscriberId === null) out.small(0);
  else {
    out.small(1);
    out.string(envelope.subscriberId, subscriberId);
  }
  out.string(envelope.entityId, entityId);
  out.bytes(envelope.rawBody);
  // Every byte of the unsafe allocation is written: a size computed wrong must never send stale memory.
  if (out.pos !== size) throw new Error(`envelope-writer: wrote ${out.pos} of ${size} bytes`);
  return out.buffer;
}
