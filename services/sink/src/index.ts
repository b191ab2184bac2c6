export { BatchAccumulator } from './batch/batch-accumulator.js';
export type { ConsumedMessage } from './batch/consumed-message.js';
export { fitDeadLetter } from './batch/fit-dead-letter.js';
export { classifyInsertError, describeInsertError, type InsertErrorClass } from './batch/insert-errors.js';
export { isolateRejectedRows, type RejectedRow } from './batch/isolate-rejected-rows.js';
export { type BatchPlan, deadLetterRow, newDeadLetter, planBatch } from './batch/plan-batch.js';
export { type BlockedWrite, writeRows } from './batch/write-plan.js';
export {
  OUTPUT_FORMATS,
  type OutputFormat,
  parseSqlCommandLine,
  type QuerySource,
  type SqlCommand,
  SqlUsageError,
} from './cli/sql-command-line.js';
export { formatRows, TABLE_CELL_MAX } from './cli/sql-output.js';
export {
  describeSinkConfig,
  loadSinkConfig,
  loadWarehouseConfig,
  type SinkConfig,
  type WarehouseConfig,
} from './config.js';
export {
  cachedTimestampReader,
  type GroupLagOptions,
  measureGroupLag,
  type OffsetRequest,
  type PartitionLag,
  partitionKey,
  probeMessageTimestamps,
  type TimestampReader,
} from './consumer/group-lag.js';
export { LagMonitor } from './consumer/lag-monitor.js';
export { SinkConsumer } from './consumer/sink-consumer.js';
export { FAILPOINT_NAMES, type FailpointName, Failpoints } from './failpoints.js';
export {
  EVENT_TIME_FIELDS,
  type EventTime,
  type EventTimeInput,
  eventTime,
  fallbackEventTime,
  SIGNING_SKEW_MS,
} from './mapping/event-time.js';
export { mapResource } from './mapping/map-resource.js';
export { DateTimeRangeError, MAX_DATETIME_SECONDS, toDateTime } from './mapping/rows.js';
export {
  CHILD_KEY_COLUMNS,
  STATE_META_COLUMNS,
  snakeCase,
  TABLE_LAYOUTS,
  VERSION_META_COLUMNS,
} from './mapping/table-layout.js';
export {
  describeValue,
  issueField,
  issueText,
  type MappingIssue,
  WireObject,
} from './mapping/wire-object.js';
export { createSinkMetrics, EVENT_HOPS, type SinkMetrics } from './metrics.js';
export * from './replay/index.js';
export { type RunningSink, startSink } from './server.js';
export { ChdbWarehouse } from './warehouse/chdb.js';
export { type ClickHouseServerOptions, ClickHouseServerWarehouse } from './warehouse/clickhouse-server.js';
export { openWarehouse } from './warehouse/open-warehouse.js';
export {
  checkReadOnlyStatement,
  type StatementCheck,
  type StatementRefusal,
} from './warehouse/read-only-statement.js';
export {
  qualifiedName,
  quoteIdentifier,
  type ReadOnlyLimits,
  ReadOnlyQueryError,
  type ReadOnlyQueryErrorCode,
  type Warehouse,
} from './warehouse/warehouse.js';
