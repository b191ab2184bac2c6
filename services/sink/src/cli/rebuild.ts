/**
 * `npm run rebuild -- [--resource-type T]... [--source S]... [--since DATE] [--until DATE] [--dry-run] [--skip-events]`:
 * re-derives the state and child tables from the event log through the sink's own mapping and insert path
 * (services/sink/src/replay/rebuild.ts says why it is safe while the sink runs). Warehouse settings are the
 * sink's (CLICKHOUSE_URL or CHDB_DATA_DIR, CLICKHOUSE_DATABASE).
 */
import { parseArgs } from 'node:util';
import { RESOURCE_TYPES } from '@okendo/schemas';
import { DEFAULT_PAGE_SIZE, rebuildState } from '../replay/rebuild.js';
import { rebuildFilter, rebuildIncomplete, rebuildReport } from '../replay/replay-commands.js';
import { EXIT, parsePositiveInteger, runReplayCommand } from '../replay/terminal.js';

const HELP = `usage: npm run rebuild -- [options]

Re-derives the state, version and child tables (reviews, review_versions, loyalty_*, quiz_*, survey_*) from
the event log (events), through the sink's own mapping, e.g. after a migration added a column and the mapping
fills it; and the occurred_at of events rows that lack it (written again, nothing else changes). Safe while
the sink runs on a ClickHouse server; in embedded mode (chDB) stop the sink first.

options:
  --resource-type T   only events of this resource type (repeat, or comma-separate): ${RESOURCE_TYPES.join(', ')}
  --source S          only events of this source (Okendo account; repeat, or comma-separate)
  --since DATE        only events received at or after DATE (2026-11-30 = UTC midnight, or 2026-11-30T12:00:00Z)
  --until DATE        only events received before DATE
  --dry-run           read and plan everything, print the counts, write nothing
  --skip-events       leave the event log as it is (no occurred_at filled in events)
  --page-size N       events per page (default ${DEFAULT_PAGE_SIZE}); memory is about one page of payloads
  --json              print the summary as one JSON object
  --help              this text

environment: CLICKHOUSE_URL / CLICKHOUSE_USER / CLICKHOUSE_PASSWORD (unset: chDB in CHDB_DATA_DIR),
CLICKHOUSE_DATABASE (default okendo).

exit codes: 0 done; 1 stopped by an error (configuration, warehouse, a table or column missing: apply the
migrations); 2 bad command line; 3 done, but some events could not be planned or some rows were refused.`;

function parse(argv: readonly string[]) {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      'resource-type': { type: 'string', multiple: true },
      source: { type: 'string', multiple: true },
      since: { type: 'string' },
      until: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      'skip-events': { type: 'boolean', default: false },
      'page-size': { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  return {
    help: values.help,
    json: values.json,
    dryRun: values['dry-run'],
    eventTimes: !values['skip-events'],
    pageSize: parsePositiveInteger('--page-size', values['page-size'], DEFAULT_PAGE_SIZE),
    filter: rebuildFilter({
      resourceTypes: values['resource-type'],
      sources: values.source,
      ...(values.since === undefined ? {} : { since: values.since }),
      ...(values.until === undefined ? {} : { until: values.until }),
    }),
  };
}

await runReplayCommand({
  name: 'rebuild',
  help: HELP,
  parse,
  progressLabel: 'rebuilding',
  run: ({ warehouse, database, options, progress }) =>
    rebuildState({
      warehouse,
      database,
      filter: options.filter,
      pageSize: options.pageSize,
      dryRun: options.dryRun,
      eventTimes: options.eventTimes,
      onProgress: ({ eventsRead, total }) => progress(eventsRead, total),
    }),
  report: rebuildReport,
  exitCode: (summary) => (rebuildIncomplete(summary) ? EXIT.incomplete : EXIT.done),
});
