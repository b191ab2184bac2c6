/** Replays of the event log through the live sink's mapping and insert path: rebuild and re-drive. */
export {
  countEvents,
  countMessagesByType,
  type EventKey,
  type EventLogFilter,
  type EventLogRow,
  filterConditions,
  readEventLog,
  readEventsByKey,
  stringLiteral,
} from './event-log-reader.js';
export { type ReplayedEvent, replayedEvent } from './event-message.js';
export { DEFAULT_PAGE_SIZE, type RebuildOptions, type RebuildSummary, rebuildState } from './rebuild.js';
export { REDRIVEN, type RedriveOptions, type RedriveSummary, redriveDeadLetters } from './redrive.js';
export {
  listValues,
  rebuildFilter,
  rebuildIncomplete,
  rebuildReport,
  redriveReport,
} from './replay-commands.js';
export { DERIVED_TABLES, ReplayStoppedError, type ReplayWriteOptions } from './replay-writer.js';
export {
  EXIT as REPLAY_EXIT_CODES,
  formatCounts,
  openReplayWarehouse,
  parseIsoDate,
  parsePositiveInteger,
  UsageError,
} from './terminal.js';
