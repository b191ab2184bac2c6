/** Prometheus metrics of the sink, in a registry of its own. */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export interface SinkMetrics {
  registry: Registry;
  rowsInserted: Counter<'table'>;
  insertSeconds: Histogram<'table'>;
  batchMessages: Histogram;
  deadLettered: Counter;
  insertRetries: Counter;
  consumerLag: Gauge<'topic' | 'partition'>;
  eventAgeSeconds: Histogram;
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
      help: 'Messages sent to the dead-letter topic',
      registers: [registry],
    }),
    insertRetries: new Counter({
      name: 'sink_insert_retries_total',
      help: 'Failed insert attempts that were retried (warehouse unreachable or erroring)',
      registers: [registry],
    }),
    consumerLag: new Gauge({
      name: 'sink_consumer_lag_messages',
      help: 'Messages behind the partition high watermark after the last batch',
      labelNames: ['topic', 'partition'],
      registers: [registry],
    }),
    eventAgeSeconds: new Histogram({
      name: 'sink_event_age_at_insert_seconds',
      help: 'From the ingest receiving an event to its insert into ClickHouse',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300],
      registers: [registry],
    }),
  };
}
