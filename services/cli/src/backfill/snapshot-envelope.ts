/**
 * A REST object as the event the sink applies: a webhook-shaped body (resourceType, topic `update`,
 * sequenceNumber "0", version, resource) in the ingest's envelope.
 *
 * Ordering against webhooks: a snapshot has sequenceNumber 0, below every sequence number Okendo sends, so in
 * the state tables (ReplacingMergeTree(sequence_number)) any webhook version of the entity wins, whenever it
 * arrives; of two snapshots (both 0) the later insert wins, so a re-run refreshes an earlier snapshot. The
 * trade-off: a snapshot never replaces a webhook version, even an older one (the REST answer may be newer
 * than the last webhook the pipeline saw); `infra/clickhouse/README.md` says so for analysts.
 * The message id is deterministic, `backfill:<type>:<id>:<hash of the content>`, so running a backfill again
 * over unchanged data writes the same events rows (deduped by message id), and a changed object a new one.
 */
import { createHash } from 'node:crypto';
import { OKENDO_API_VERSION } from '@okendo/okendo-api';
import { entityIdOf, type ResourceType, type WebhookEnvelope } from '@okendo/schemas';

export const SNAPSHOT_SEQUENCE_NUMBER = 0n;

/** JSON with object keys sorted, so the same content hashes the same whatever order Okendo sends keys in. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export function snapshotMessageId(resourceType: ResourceType, entityId: string, resource: unknown): string {
  const digest = createHash('sha256').update(canonicalJson(resource)).digest('hex').slice(0, 16);
  return `backfill:${resourceType}:${entityId}:${digest}`;
}

/** The envelope of one REST object; undefined when it has no usable id (counted as skipped by the caller). */
export function snapshotEnvelope(
  resourceType: ResourceType,
  resource: Record<string, unknown>,
  source: string,
  nowMs: number,
): WebhookEnvelope | undefined {
  const entityId = entityIdOf(resourceType, resource);
  if (entityId === undefined) return undefined;
  const body = {
    resourceType,
    topic: 'update',
    sequenceNumber: SNAPSHOT_SEQUENCE_NUMBER.toString(),
    version: OKENDO_API_VERSION,
    resource,
  };
  const subscriberId = resource['subscriberId'];
  return {
    messageId: snapshotMessageId(resourceType, entityId, resource),
    senderTimestamp: BigInt(Math.floor(nowMs / 1_000)),
    receivedAtMs: BigInt(Math.floor(nowMs)),
    source,
    resourceType,
    topic: 'update',
    sequenceNumber: SNAPSHOT_SEQUENCE_NUMBER,
    version: OKENDO_API_VERSION,
    subscriberId: typeof subscriberId === 'string' ? subscriberId : null,
    entityId,
    rawBody: Buffer.from(JSON.stringify(body), 'utf8'),
  };
}
