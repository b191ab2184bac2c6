/** Prometheus metrics of the sink, in a registry of its own. */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The hops of sink_event_hop_seconds, in the order an event takes them (npm run bench reads each). */
export const EVENT_HOPS = [
  'ingest_to_kafka',
  'kafka_to_sink',
  'flush_wait',
  'state_insert',
  'event_log_insert',
] as const;

export interface SinkMetrics {
  registry: Registry;
  rowsInserted: Counter<'table'>;
  insertSeconds: Histogram<'table'>;
  batchMessages: Histogram;
  deadLettered: Counter;
  insertRetries: Counter;
  consumerLag: Gauge<'topic' | 'partition'>;
  consumerLagSeconds: Gauge<'topic' | 'partition'>;
  eventAgeSeconds: Histogram;
  eventHopSeconds: Histogram<'hop'>;
  insertRejected: Counter<'table' | 'error'>;
  paused: Gauge;
  systemicError: Gauge<'table' | 'error'>;
  lastFlushSuccess: Gauge;
  mappingIssues: Counter<'resource_type' | 'field'>;
  lastEvent: Gauge<'resource_type'>;
}

export function createSinkMetrics(): SinkMetrics {
  const registry = new Registry();
  return {
    registry,
    rowsInserted: new Counter({
      name: 'sink_rows_inserted_total',
      help: 'Rows inserted into ClickHouse, by table',
      labelNames: ['table'],
      registers: [registry],
    }),
    insertSeconds: new Histogram({
      name: 'sink_insert_duration_seconds',
      help: 'Time of one insert into one table',
      labelNames: ['table'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    batchMessages: new Histogram({
      name: 'sink_batch_messages',
      help: 'Kafka messages per flush',
      buckets: [1, 10, 100, 1_000, 5_000, 10_000, 20_000, 50_000],
      registers: [registry],
    }),
    deadLettered: new Counter({
      name: 'sink_dead_lettered_total',
      help: 'Messages sent to the dead-letter topic (unreadable, or refused by ClickHouse)',
      registers: [registry],
    }),
    insertRetries: new Counter({
      name: 'sink_insert_retries_total',
      help: 'Failed insert attempts that were retried (warehouse unreachable or erroring)',
      registers: [registry],
    }),
    consumerLag: new Gauge({
      name: 'sink_consumer_lag_messages',
      help: "Messages behind the partition's end offset, from the group's committed offsets (measured every few seconds)",
      labelNames: ['topic', 'partition'],
      registers: [registry],
    }),
    consumerLagSeconds: new Gauge({
      name: 'sink_consumer_lag_seconds',
      help: 'Age of the oldest unconsumed message (now minus its Kafka timestamp, the one at the committed offset); 0 when none waits',
      labelNames: ['topic', 'partition'],
      registers: [registry],
    }),
    eventAgeSeconds: new Histogram({
      name: 'sink_event_age_at_insert_seconds',
      help: 'From the ingest receiving an event to its insert into ClickHouse',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300],
      registers: [registry],
    }),
    // Where freshness goes (npm run bench reads it): the hops add up to sink_event_age_at_insert_seconds.
    eventHopSeconds: new Histogram({
      name: 'sink_event_hop_seconds',
      help: "An event's way to ClickHouse, hop by hop: ingest_to_kafka (received by the ingest -> its producer timestamp: verification and the publish queue), kafka_to_sink (-> handed to the sink: the broker's ack and the consumer's fetch), flush_wait (-> its flush starts), state_insert (-> the state, version and child tables written: visible in the _current views), event_log_insert (-> the events log written)",
      labelNames: ['hop'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 60],
      registers: [registry],
    }),
    insertRejected: new Counter({
      name: 'sink_insert_rejected_total',
      help: 'Rows ClickHouse refused for good (isolated by bisection); their messages were dead-lettered',
      labelNames: ['table', 'error'],
      registers: [registry],
    }),
    paused: new Gauge({
      name: 'sink_paused',
      help: '1 while a flush is blocked (warehouse unreachable or a systemic error) and being retried',
      registers: [registry],
    }),
    systemicError: new Gauge({
      name: 'sink_systemic_error',
      help: '1 while a flush is blocked by an error every row shares (missing table or column...): an operator must act',
      labelNames: ['table', 'error'],
      registers: [registry],
    }),
    lastFlushSuccess: new Gauge({
      name: 'sink_last_flush_success_timestamp_seconds',
      help: 'When the last flush was written and committed (Unix seconds)',
      registers: [registry],
    }),
    mappingIssues: new Counter({
      name: 'sink_mapping_issues_total',
      help: 'Fields of committed events that could not be read as expected (stored as NULL, named in mapping_issues), by resource type and field path (array indices as [])',
      labelNames: ['resource_type', 'field'],
      registers: [registry],
    }),
    // The "no event of a resource type for hours" alert needs it: lag and flush times cannot tell one quiet type.
    lastEvent: new Gauge({
      name: 'sink_last_event_timestamp_seconds',
      help: 'When the newest committed event of this resource type reached the ingest (Unix seconds); unset until one is committed',
      labelNames: ['resource_type'],
      registers: [registry],
    }),
  };
}
