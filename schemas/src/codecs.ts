/**
 * avsc codecs built from the generated schema objects (themselves generated from schemas/avro/*.avsc).
 * Avro `long` decodes to and encodes from bigint: sequence numbers may exceed 2^53.
 */
import avro from 'avsc';
import {
  type DeadLetter,
  deadLetterSchema,
  loyaltyCustomerSchema,
  loyaltyTransactionSchema,
  quizResponseSchema,
  reviewSchema,
  surveyResponseSchema,
  type UnroutedDelivery,
  unroutedDeliverySchema,
  type WebhookEnvelope,
  webhookEnvelopeSchema,
} from './generated/contract.js';
import type { ResourceType } from './resource-types.js';

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

const longAsBigInt = avro.types.LongType.__with({
  fromBuffer: (buffer: Buffer) => buffer.readBigInt64LE(),
  toBuffer: (value: bigint) => {
    const buffer = Buffer.alloc(8);
    buffer.writeBigInt64LE(value);
    return buffer;
  },
  fromJSON: (value: unknown) => BigInt(value as string),
  toJSON: (value: bigint) => value.toString(),
  isValid: (value: unknown) => typeof value === 'bigint' && value >= INT64_MIN && value <= INT64_MAX,
  compare: (a: bigint, b: bigint) => (a === b ? 0 : a < b ? -1 : 1),
});

export interface Codec<T> {
  readonly type: avro.Type;
  encode(value: T): Buffer;
  decode(buffer: Buffer): T;
}

function codecFor<T>(schema: object): Codec<T> {
  // A fresh registry per schema: forSchema records the named types it defines in it.
  const type = avro.Type.forSchema(schema as avro.Schema, { registry: { long: longAsBigInt } });
  return {
    type,
    encode: (value) => type.toBuffer(value),
    decode: (buffer) => type.fromBuffer(buffer) as T,
  };
}

export const envelopeCodec: Codec<WebhookEnvelope> = codecFor(webhookEnvelopeSchema);
export const unroutedCodec: Codec<UnroutedDelivery> = codecFor(unroutedDeliverySchema);
export const deadLetterCodec: Codec<DeadLetter> = codecFor(deadLetterSchema);

/** The normalised record schema of each resource type (the three loyalty transaction types share one). */
export const RESOURCE_RECORD_SCHEMAS: Readonly<
  Record<ResourceType, { name: string; fields: readonly object[] }>
> = {
  review: reviewSchema,
  loyalty_customer: loyaltyCustomerSchema,
  loyalty_adjustment_transaction: loyaltyTransactionSchema,
  loyalty_earning_transaction: loyaltyTransactionSchema,
  loyalty_redemption_transaction: loyaltyTransactionSchema,
  quiz_response: quizResponseSchema,
  survey_response: surveyResponseSchema,
};

/** Codecs of the normalised records: validating a mapped record against its schema catches mapping slips. */
export const RESOURCE_RECORD_TYPES: Readonly<Record<ResourceType, avro.Type>> = Object.fromEntries(
  Object.entries(RESOURCE_RECORD_SCHEMAS).map(([type, schema]) => [type, codecFor(schema).type]),
) as Record<ResourceType, avro.Type>;
