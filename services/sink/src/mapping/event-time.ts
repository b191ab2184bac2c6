/**
 * The event time (`occurred_at`): when the change itself happened, as far as the payload says, so that a
 * replay, a backfill or a retried delivery does not date the change to the day it was loaded.
 *
 * Okendo's payloads date the creation of a resource, never its later changes (no documented modification
 * date on any resource type). So:
 * - a `create` is dated by the resource's own creation field (EVENT_TIME_FIELDS), which is the change;
 * - an `update` or `delete` by a modification date only (`dateModified`, Okendo's name on its subscription
 *   objects, or `dateUpdated`; neither is documented for these resources, both are read when present). The
 *   creation date an update still carries is not the time of the update, and a review's `reply.dateCreated`
 *   or a member's `tierEnteredDate` date one part of the resource, not the event;
 * - otherwise, or when the field's time is after the delivery was signed (a change cannot follow its own
 *   webhook: a clock or a field meaning something else), the Svix signing time (`sender_timestamp`: the
 *   time of this delivery attempt, so a retry hours later is dated later), else the receive time.
 */
import type { ResourceType } from '@okendo/schemas';
import { WireObject } from './wire-object.js';

/** The payload fields (of body.resource) read, in order, per resource type and topic. */
export const EVENT_TIME_FIELDS: Readonly<
  Record<ResourceType, Readonly<Record<'create' | 'update' | 'delete', readonly string[]>>>
> = {
  review: byTopic('dateCreated'),
  loyalty_customer: byTopic('dateEnrolled'),
  loyalty_adjustment_transaction: byTopic('date'),
  loyalty_earning_transaction: byTopic('date'),
  loyalty_redemption_transaction: byTopic('date'),
  quiz_response: byTopic('dateCreated'),
  survey_response: byTopic('dateCreated'),
};

function byTopic(created: string) {
  const modified = ['dateModified', 'dateUpdated'] as const;
  return { create: [created, ...modified], update: modified, delete: modified };
}

/** How late after the signing time a payload time may be and still count (the ingest's clock tolerance). */
export const SIGNING_SKEW_MS = 300_000;

export type EventTimeSource = 'payload' | 'sender_timestamp' | 'received_at';

export interface EventTime {
  /** epoch milliseconds */
  occurredAtMs: number;
  source: EventTimeSource;
  /** the payload field read, when source is 'payload' */
  field?: string;
}

export interface EventTimeInput {
  resourceType: ResourceType;
  topic: string;
  /** the parsed webhook body (its `resource` is read); anything else dates nothing */
  body: unknown;
  /** the Svix signing time, epoch seconds (0 when unknown) */
  senderTimestampSeconds: bigint;
  receivedAtMs: number;
}

/** The time of the event when the payload gives none: the signing time, else the receive time. */
export function fallbackEventTime(senderTimestampSeconds: bigint, receivedAtMs: number): EventTime {
  return senderTimestampSeconds > 0n
    ? { occurredAtMs: Number(senderTimestampSeconds) * 1_000, source: 'sender_timestamp' }
    : { occurredAtMs: receivedAtMs, source: 'received_at' };
}

export function eventTime(input: EventTimeInput): EventTime {
  const fallback = fallbackEventTime(input.senderTimestampSeconds, input.receivedAtMs);
  const topic = input.topic === 'create' || input.topic === 'delete' ? input.topic : 'update';
  const fields = EVENT_TIME_FIELDS[input.resourceType][topic];
  // Its own issue list: a field of another shape is recorded by the mapping where it is a column, not here.
  const resource = WireObject.from(input.body, 'body', []).obj('resource');
  const latest = fallback.occurredAtMs + SIGNING_SKEW_MS;
  for (const field of fields) {
    const ms = resource.timestamp(field);
    if (ms === null) continue;
    const at = Number(ms);
    if (at > latest) continue;
    return { occurredAtMs: at, source: 'payload', field };
  }
  return fallback;
}
