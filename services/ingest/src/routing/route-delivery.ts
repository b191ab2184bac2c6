/**
 * Reads just enough of a verified body to route it: resourceType, topic, sequenceNumber, entity id. A body
 * that cannot be routed is not an error for the sender (it was signed): it is parked on the unrouted topic
 * with the reason. The raw bytes travel untouched either way.
 */
import {
  entityIdOf,
  isResourceType,
  type ResourceType,
  type UnroutedDelivery,
  type WebhookEnvelope,
  type WebhookTopic,
} from '@okendo/schemas';

export interface DeliveryContext {
  messageId: string;
  senderTimestamp: number;
  receivedAtMs: number;
  source: string;
}

export type UnroutableReason =
  | 'invalid_json'
  | 'not_an_object'
  | 'unknown_resource_type'
  | 'invalid_topic'
  | 'missing_sequence_number'
  | 'invalid_sequence_number'
  | 'missing_entity_id';

export type RoutedDelivery =
  | { kind: 'routed'; resourceType: ResourceType; key: string; envelope: WebhookEnvelope }
  | { kind: 'unrouted'; key: string; reasonCode: UnroutableReason; delivery: UnroutedDelivery };

const WEBHOOK_TOPICS: ReadonlySet<string> = new Set<WebhookTopic>(['create', 'update', 'delete']);
const INT64_MAX = 2n ** 63n - 1n;
const DIGITS = /^\d{1,19}$/;

type Body = Record<string, unknown>;

function isObject(value: unknown): value is Body {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** sequenceNumber arrives as a string of digits; a safe JS integer is tolerated. Never via a lossy number. */
function parseSequenceNumber(value: unknown): bigint | UnroutableReason {
  if (value === undefined || value === null) return 'missing_sequence_number';
  if (typeof value === 'number')
    return Number.isSafeInteger(value) && value >= 0 ? BigInt(value) : 'invalid_sequence_number';
  if (typeof value !== 'string' || !DIGITS.test(value)) return 'invalid_sequence_number';
  const parsed = BigInt(value);
  return parsed <= INT64_MAX ? parsed : 'invalid_sequence_number';
}

const reasonText: Record<UnroutableReason, string> = {
  invalid_json: 'the body is not valid JSON',
  not_an_object: 'the body is not a JSON object with a "resource" object',
  unknown_resource_type: 'resourceType is missing or not one this pipeline knows',
  invalid_topic: 'topic is not create, update or delete',
  missing_sequence_number: 'sequenceNumber is missing',
  invalid_sequence_number: 'sequenceNumber is not a string of digits within the signed 64-bit range',
  missing_entity_id: 'resource has no entity id for its resourceType',
};

function unrouted(
  context: DeliveryContext,
  rawBody: Buffer,
  code: UnroutableReason,
  detail?: string,
): RoutedDelivery {
  return {
    kind: 'unrouted',
    key: context.messageId,
    reasonCode: code,
    delivery: {
      messageId: context.messageId,
      senderTimestamp: BigInt(context.senderTimestamp),
      receivedAtMs: BigInt(context.receivedAtMs),
      source: context.source,
      reasonCode: code,
      reason: detail === undefined ? reasonText[code] : `${reasonText[code]}: ${detail}`,
      rawBody,
    },
  };
}

export function routeDelivery(rawBody: Buffer, context: DeliveryContext): RoutedDelivery {
  let body: unknown;
  try {
    body = JSON.parse(rawBody.toString('utf8'));
  } catch (error) {
    return unrouted(context, rawBody, 'invalid_json', (error as Error).message);
  }
  if (!isObject(body) || !isObject(body['resource'])) return unrouted(context, rawBody, 'not_an_object');
  const resourceType = body['resourceType'];
  if (!isResourceType(resourceType)) {
    const seen =
      typeof resourceType === 'string' ? JSON.stringify(resourceType.slice(0, 64)) : typeof resourceType;
    return unrouted(context, rawBody, 'unknown_resource_type', seen);
  }
  const topic = body['topic'];
  if (typeof topic !== 'string' || !WEBHOOK_TOPICS.has(topic))
    return unrouted(context, rawBody, 'invalid_topic');
  const sequenceNumber = parseSequenceNumber(body['sequenceNumber']);
  if (typeof sequenceNumber !== 'bigint') return unrouted(context, rawBody, sequenceNumber);
  const resource = body['resource'];
  const entityId = entityIdOf(resourceType, resource);
  if (entityId === undefined) return unrouted(context, rawBody, 'missing_entity_id');
  const subscriberId = resource['subscriberId'];
  const version = body['version'];
  return {
    kind: 'routed',
    resourceType,
    key: entityId,
    envelope: {
      messageId: context.messageId,
      senderTimestamp: BigInt(context.senderTimestamp),
      receivedAtMs: BigInt(context.receivedAtMs),
      source: context.source,
      resourceType,
      topic: topic as WebhookTopic,
      sequenceNumber,
      version: typeof version === 'string' ? version : '',
      subscriberId: typeof subscriberId === 'string' ? subscriberId : null,
      entityId,
      rawBody,
    },
  };
}
