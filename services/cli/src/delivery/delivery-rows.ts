/**
 * Where one delivery shows up in the warehouse, by its message id: the events row (with its Kafka topic,
 * partition and offset), its entity's state row (current or not), the version it became, a dead letter, an
 * unrouted delivery. Read through WarehouseAccess, so it works on a server and in embedded mode alike.
 */
import { isResourceType, type ResourceType } from '@okendo/schemas';
import { stringLiteral, TABLE_LAYOUTS } from '@okendo/sink';
import type { WarehouseAccess } from '../warehouse-access.js';

const num = (value: unknown): number => Number(value);
const isoOfSeconds = (value: unknown): string => new Date(num(value) * 1_000).toISOString();

export interface EventRow {
  resourceType: string;
  eventTopic: string;
  entityId: string;
  sequenceNumber: string;
  source: string;
  kafkaTopic: string;
  kafkaPartition: number;
  kafkaOffset: number;
  /** when the ingest received it (ms precision) */
  receivedAt: string;
  /** when the sink inserted it (second precision) */
  insertedAt: string;
}

export async function findEventRow(
  access: WarehouseAccess,
  messageId: string,
): Promise<EventRow | undefined> {
  const rows = await access.query(
    `SELECT resource_type, event_topic, entity_id, toString(sequence_number) AS sequence_number, source,
       kafka_topic, kafka_partition, toString(kafka_offset) AS kafka_offset, toString(received_at_ms) AS received_at_ms,
       toUnixTimestamp(inserted_at) AS inserted_at_s
     FROM ${access.database}.events WHERE message_id = ${stringLiteral(messageId)} LIMIT 1`,
  );
  const row = rows[0];
  if (row === undefined) return undefined;
  return {
    resourceType: String(row['resource_type']),
    eventTopic: String(row['event_topic']),
    entityId: String(row['entity_id']),
    sequenceNumber: String(row['sequence_number']),
    source: String(row['source']),
    kafkaTopic: String(row['kafka_topic']),
    kafkaPartition: num(row['kafka_partition']),
    kafkaOffset: num(row['kafka_offset']),
    receivedAt: new Date(num(row['received_at_ms'])).toISOString(),
    insertedAt: isoOfSeconds(row['inserted_at_s']),
  };
}

export interface StateRow {
  /** the state table's name (`reviews`); the current view is `<table>_current` */
  table: string;
  /** the message whose version the state row holds now */
  messageId: string;
  sequenceNumber: string;
  deleted: boolean;
  insertedAt: string;
}

/** The entity's state row as it reads now (FINAL: the latest version, deleted or not). */
export async function findStateRow(
  access: WarehouseAccess,
  resourceType: ResourceType,
  entityId: string,
): Promise<StateRow | undefined> {
  const layout = TABLE_LAYOUTS[resourceType];
  const rows = await access.query(
    `SELECT message_id, toString(sequence_number) AS sequence_number, is_deleted,
       toUnixTimestamp(inserted_at) AS inserted_at_s
     FROM ${access.database}.${layout.table} FINAL WHERE ${layout.idColumn} = ${stringLiteral(entityId)} LIMIT 1`,
  );
  const row = rows[0];
  if (row === undefined) return undefined;
  return {
    table: layout.table,
    messageId: String(row['message_id']),
    sequenceNumber: String(row['sequence_number']),
    deleted: num(row['is_deleted']) === 1,
    insertedAt: isoOfSeconds(row['inserted_at_s']),
  };
}

/** Whether the message is the entity's row in its `_current` view (present and not deleted). */
export async function inCurrentView(
  access: WarehouseAccess,
  resourceType: ResourceType,
  entityId: string,
  messageId: string,
): Promise<boolean> {
  const layout = TABLE_LAYOUTS[resourceType];
  const rows = await access.query(
    `SELECT count() AS n FROM ${access.database}.${layout.table}_current
     WHERE ${layout.idColumn} = ${stringLiteral(entityId)} AND message_id = ${stringLiteral(messageId)}`,
  );
  return num(rows[0]?.['n']) > 0;
}

export interface VersionRow {
  table: string;
  sequenceNumber: string;
  insertedAt: string;
}

/** The version row the message became (migration 012's `<type>_versions`). */
export async function findVersionRow(
  access: WarehouseAccess,
  resourceType: ResourceType,
  messageId: string,
): Promise<VersionRow | undefined> {
  const layout = TABLE_LAYOUTS[resourceType];
  const rows = await access.query(
    `SELECT toString(sequence_number) AS sequence_number, toUnixTimestamp(inserted_at) AS inserted_at_s
     FROM ${access.database}.${layout.versionTable} WHERE message_id = ${stringLiteral(messageId)} LIMIT 1`,
  );
  const row = rows[0];
  if (row === undefined) return undefined;
  return {
    table: layout.versionTable,
    sequenceNumber: String(row['sequence_number']),
    insertedAt: isoOfSeconds(row['inserted_at_s']),
  };
}

export interface DeadLetterRow {
  resourceType: string;
  entityId: string;
  /** the sink's reason, cut to 300 characters */
  error: string;
  failedAt: string;
  originTopic: string;
  originPartition: number;
  originOffset: number;
}

export async function findDeadLetters(access: WarehouseAccess, messageId: string): Promise<DeadLetterRow[]> {
  const rows = await access.query(
    `SELECT resource_type, entity_id, substring(error, 1, 300) AS error, toUnixTimestamp(failed_at) AS failed_at_s,
       origin_topic, origin_partition, toString(origin_offset) AS origin_offset
     FROM ${access.database}.dead_letters FINAL WHERE message_id = ${stringLiteral(messageId)}
     ORDER BY origin_topic, origin_partition, origin_offset LIMIT 20`,
  );
  return rows.map((row) => ({
    resourceType: String(row['resource_type']),
    entityId: String(row['entity_id']),
    error: String(row['error']),
    failedAt: isoOfSeconds(row['failed_at_s']),
    originTopic: String(row['origin_topic']),
    originPartition: num(row['origin_partition']),
    originOffset: num(row['origin_offset']),
  }));
}

export interface UnroutedRow {
  source: string;
  reasonCode: string;
  receivedAt: string;
  kafkaPartition: number;
  kafkaOffset: number;
  insertedAt: string;
}

export async function findUnrouted(
  access: WarehouseAccess,
  messageId: string,
): Promise<UnroutedRow | undefined> {
  const rows = await access.query(
    `SELECT source, reason_code, toUnixTimestamp(received_at) AS received_at_s, kafka_partition,
       toString(kafka_offset) AS kafka_offset, toUnixTimestamp(inserted_at) AS inserted_at_s
     FROM ${access.database}.unrouted_deliveries FINAL WHERE message_id = ${stringLiteral(messageId)} LIMIT 1`,
  );
  const row = rows[0];
  if (row === undefined) return undefined;
  return {
    source: String(row['source']),
    reasonCode: String(row['reason_code']),
    receivedAt: isoOfSeconds(row['received_at_s']),
    kafkaPartition: num(row['kafka_partition']),
    kafkaOffset: num(row['kafka_offset']),
    insertedAt: isoOfSeconds(row['inserted_at_s']),
  };
}

export const asResourceType = (value: string): ResourceType | undefined =>
  isResourceType(value) ? value : undefined;
