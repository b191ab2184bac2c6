import { readFile } from 'node:fs/promises';
import { envelopeCodec, FIXTURES, unroutedCodec, type WebhookEnvelope } from '@okendo/schemas';
import { describe, expect, it } from 'vitest';
import { renderContract } from '../../schemas/src/codegen/render-contract.js';
import { generatedContractPath, readSchemaFiles } from '../../schemas/src/codegen/schema-files.js';

describe('the event contract', () => {
  it('generated types and schema objects match schemas/avro (run npm run schemas:generate if not)', async () => {
    const expected = renderContract(await readSchemaFiles());
    expect(await readFile(generatedContractPath, 'utf8')).toBe(expected);
  });

  const envelope: WebhookEnvelope = {
    messageId: 'msg_2fT',
    senderTimestamp: 1_790_000_000n,
    receivedAtMs: 1_790_000_000_456n,
    source: 'default',
    resourceType: 'review',
    topic: 'update',
    sequenceNumber: 9_223_372_036_854_775_807n,
    version: '2025-02-01',
    subscriberId: null,
    entityId: 'r-1',
    rawBody: Buffer.from(FIXTURES[1]?.body ?? ''),
  };

  it('round-trips an envelope through Avro, 64-bit sequence numbers and raw bytes intact', () => {
    const decoded = envelopeCodec.decode(envelopeCodec.encode(envelope));
    expect(decoded).toEqual(envelope);
    expect(decoded.sequenceNumber).toBe(2n ** 63n - 1n);
    expect(decoded.rawBody.equals(envelope.rawBody)).toBe(true);
  });

  it('refuses to encode what the schema does not allow', () => {
    expect(() => envelopeCodec.encode({ ...envelope, sequenceNumber: 2n ** 63n })).toThrow();
    expect(() => envelopeCodec.encode({ ...envelope, topic: 'upsert' as 'create' })).toThrow();
  });

  it('round-trips an unrouted delivery', () => {
    const delivery = {
      messageId: 'msg_x',
      senderTimestamp: 1n,
      receivedAtMs: 2n,
      source: 'eu',
      reasonCode: 'invalid_json',
      reason: 'the body is not valid JSON',
      rawBody: Buffer.from([0xff, 0xfe, 0x00]),
    };
    expect(unroutedCodec.decode(unroutedCodec.encode(delivery))).toEqual(delivery);
  });
});
