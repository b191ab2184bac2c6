/**
 * `npm run redrive -- [--dry-run]`: re-processes the dead letters that the current mapping can map, from their
 * events rows, through the sink's own path, and records each in dead_letter_redrives so a second run does
 * nothing (services/sink/src/replay/redrive.ts). Warehouse settings are the sink's.
 */
import { parseArgs } from 'node:util';
import { redriveDeadLetters } from '../replay/redrive.js';
import { redriveReport } from '../replay/replay-commands.js';
import { parsePositiveInteger, runReplayCommand } from '../replay/terminal.js';

const HELP = `usage: npm run redrive -- [options]

Re-processes the open dead letters (dead_letters_open) of resource events: each is re-planned from its
events row through the sink's current mapping; when that gives state rows and the warehouse takes them, it is
recorded in dead_letter_redrives and never re-driven again. The others stay open with their error; the
summary counts them by reason. Run it after deploying a mapping fix (and after a rebuild, to close the dead
letters the rebuild already healed). Safe while the sink runs on a ClickHouse server; with chDB stop it first.

options:
  --dry-run       plan everything, print the counts, write nothing
  --page-size N   dead letters per page (default 1000)
  --json          print the summary as one JSON object
  --help          this text

environment: as the sink (CLICKHOUSE_URL ... or CHDB_DATA_DIR; CLICKHOUSE_DATABASE).

exit codes: 0 done (dead letters that stay open are not an error); 1 stopped by an error (configuration,
warehouse, dead_letter_redrives missing: apply the migrations); 2 bad command line.`;

function parse(argv: readonly string[]) {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      'dry-run': { type: 'boolean', default: false },
      'page-size': { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  return {
    help: values.help,
    json: values.json,
    dryRun: values['dry-run'],
    pageSize: parsePositiveInteger('--page-size', values['page-size'], 1_000),
  };
}

await runReplayCommand({
  name: 'redrive',
  help: HELP,
  parse,
  progressLabel: 're-driving',
  run: ({ warehouse, database, options, progress }) =>
    redriveDeadLetters({
      warehouse,
      database,
      pageSize: options.pageSize,
      dryRun: options.dryRun,
      onProgress: ({ considered, total }) => progress(considered, total),
    }),
  report: redriveReport,
});
