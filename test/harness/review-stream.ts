/**
 * Generated webhook streams for convergence tests: entities with several versions (creates, updates, deletes,
 * in sequence order), which tests then shuffle, duplicate and split. Knows the state a warehouse must end in.
 */
import { envelopeCodec, type TopicKey } from '@okendo/schemas';
import type { ConsumedMessage } from '@okendo/sink';

export interface ReviewVersion {
  reviewId: string;
  sequenceNumber: bigint;
  topic: 'create' | 'update' | 'delete';
  rating: number;
  status: string;
  tags: string[];
  mediaCount: number;
}

export interface StreamEvent {
  messageId: string;
  version: ReviewVersion;
  body: string;
}

export function reviewBody(v: ReviewVersion): string {
  const resource =
    v.topic === 'delete'
      ? { reviewId: v.reviewId, productId: 'shopify-1' }
      : {
          reviewId: v.reviewId,
          productId: 'shopify-1',
          rating: v.rating,
          status: v.status,
          dateCreated: '2026-10-01T10:00:00.000Z',
          tags: v.tags,
          media: Array.from({ length: v.mediaCount }, (_, i) => ({
            streamId: `${v.reviewId}-m${i}`,
            type: 'image',
          })),
        };
  return JSON.stringify({
    resourceType: 'review',
    topic: v.topic,
    sequenceNumber: v.sequenceNumber.toString(),
    version: '2025-02-01',
    resource,
  });
}

export function toEvent(version: ReviewVersion): StreamEvent {
  return {
    messageId: `msg-${version.reviewId}-${version.sequenceNumber}`,
    version,
    body: reviewBody(version),
  };
}

/** The Kafka message the ingest would have published for this event. */
export function toConsumedMessage(
  event: StreamEvent,
  offset: number,
  topicKey: TopicKey = 'review',
): ConsumedMessage {
  const value = envelopeCodec.encode({
    messageId: event.messageId,
    senderTimestamp: 1_790_000_000n,
    receivedAtMs: BigInt(Date.now()),
    source: 'default',
    resourceType: 'review',
    topic: event.version.topic,
    sequenceNumber: event.version.sequenceNumber,
    version: '2025-02-01',
    subscriberId: null,
    entityId: event.version.reviewId,
    rawBody: Buffer.from(event.body),
  });
  return {
    topic: 'property',
    topicKey,
    partition: 0,
    offset: String(offset),
    key: Buffer.from(event.version.reviewId),
    value,
    sizeBytes: value.length,
  };
}

export interface ExpectedReview {
  review_id: string;
  rating: number;
  status: string;
  sequence_number: string;
  tags: string[];
  media: number;
}

/** Applying the stream in sequence order: the highest version of each review, unless it is a delete. */
export function expectedState(versions: readonly ReviewVersion[]): ExpectedReview[] {
  const latest = new Map<string, ReviewVersion>();
  for (const v of versions) {
    const current = latest.get(v.reviewId);
    if (current === undefined || v.sequenceNumber > current.sequenceNumber) latest.set(v.reviewId, v);
  }
  return [...latest.values()]
    .filter((v) => v.topic !== 'delete')
    .map((v) => ({
      review_id: v.reviewId,
      rating: v.rating,
      status: v.status,
      sequence_number: v.sequenceNumber.toString(),
      tags: v.tags,
      media: v.mediaCount,
    }))
    .sort((a, b) => a.review_id.localeCompare(b.review_id));
}

/** The same shape read back from a warehouse's _current views. */
export async function actualState(
  query: <Row>(sql: string) => Promise<Row[]>,
  database: string,
  idPrefix: string,
): Promise<ExpectedReview[]> {
  const reviews = await query<{ review_id: string; rating: number; status: string; sequence_number: string }>(
    `SELECT review_id, rating, status, sequence_number FROM ${database}.reviews_current WHERE review_id LIKE '${idPrefix}%' ORDER BY review_id`,
  );
  const tags = await query<{ review_id: string; tag: string }>(
    `SELECT review_id, tag FROM ${database}.review_tags_current WHERE review_id LIKE '${idPrefix}%' ORDER BY review_id, position`,
  );
  const media = await query<{ review_id: string; n: string }>(
    `SELECT review_id, count() AS n FROM ${database}.review_media_current WHERE review_id LIKE '${idPrefix}%' GROUP BY review_id`,
  );
  return reviews.map((r) => ({
    ...r,
    tags: tags.filter((t) => t.review_id === r.review_id).map((t) => t.tag),
    media: Number(media.find((m) => m.review_id === r.review_id)?.n ?? 0),
  }));
}
