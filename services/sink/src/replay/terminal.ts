/**
 * What the rebuild and redrive commands share at the terminal: opening the configured warehouse (with the
 * one hint an operator needs in embedded mode), a progress bar only when stderr is a terminal, ISO dates,
 * and the command's whole run (runReplayCommand).
 */
import { SingleBar } from 'cli-progress';
import { loadWarehouseConfig, type WarehouseConfig } from '../config.js';
import { openWarehouse } from '../warehouse/open-warehouse.js';
import type { Warehouse } from '../warehouse/warehouse.js';

/** The exit codes of `npm run rebuild` and `npm run redrive`. */
export const EXIT = {
  done: 0,
  /** stopped: bad configuration, warehouse unreachable or refusing a table, a query failed */
  failed: 1,
  /** bad command line */
  usage: 2,
  /** rebuild only: done, but some events could not be planned or some rows were refused (see the summary) */
  incomplete: 3,
} as const;

export class UsageError extends Error {
  override name = 'UsageError';
}

export async function openReplayWarehouse(config: WarehouseConfig): Promise<Warehouse> {
  try {
    return await openWarehouse(config);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // chDB prints the lock error itself and throws only "Failed to create connection for path ...".
    if (config.kind === 'chdb' && /lock|failed to create connection/i.test(message)) {
      throw new Error(
        `the embedded warehouse ${config.dataDir} is in use by a running sink (chDB locks its data dir): stop the sink, run this again, then start the sink; or use a ClickHouse server (CLICKHOUSE_URL), where this runs beside the sink`,
      );
    }
    throw error;
  }
}

/** `YYYY-MM-DD` (UTC midnight) or an ISO date-time with a zone (`Z` or `+hh:mm`) -> epoch ms. */
export function parseIsoDate(flag: string, text: string): number {
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(text);
  const dateTime = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/.test(text);
  const ms = Date.parse(dateOnly ? `${text}T00:00:00Z` : text);
  if ((!dateOnly && !dateTime) || Number.isNaN(ms)) {
    throw new UsageError(
      `${flag}: expected an ISO date (2026-11-30) or date-time with a zone (2026-11-30T12:00:00Z), got ${JSON.stringify(text)}`,
    );
  }
  return ms;
}

export function parsePositiveInteger(flag: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < 1 || n > 1_000_000) {
    throw new UsageError(`${flag}: expected a whole number from 1 to 1000000, got ${JSON.stringify(text)}`);
  }
  return n;
}

/** A progress bar on stderr when it is a terminal; nothing otherwise (logs and pipes stay clean). */
export function progressBar(label: string): {
  update: (value: number, total: number) => void;
  stop: () => void;
} {
  if (!process.stderr.isTTY) return { update: () => {}, stop: () => {} };
  const bar = new SingleBar({
    stream: process.stderr,
    format: `${label} [{bar}] {percentage}% | {value}/{total} | {duration_formatted} | ETA {eta_formatted}`,
    hideCursor: true,
  });
  let started = false;
  return {
    update: (value, total) => {
      if (!started) {
        bar.start(total, value);
        started = true;
      } else {
        bar.setTotal(total);
        bar.update(value);
      }
    },
    stop: () => {
      if (started) bar.stop();
    },
  };
}

export function formatCounts(counts: Readonly<Record<string, number>>, indent = '  '): string[] {
  const entries = Object.entries(counts).sort(([a], [b]) => a.localeCompare(b));
  const width = Math.max(0, ...entries.map(([key]) => key.length));
  return entries.map(([key, n]) => `${indent}${key.padEnd(width)}  ${n.toLocaleString('en-US')}`);
}

/** What runReplayCommand needs to know of one command (rebuild, redrive). */
export interface ReplayCommand<Options extends { help: boolean; json: boolean; dryRun: boolean }, Summary> {
  /** the command's name, as in "rebuild stopped: ..." */
  name: string;
  help: string;
  /** throws UsageError (or parseArgs's TypeError) for a bad command line */
  parse: (argv: readonly string[]) => Options;
  /** the progress bar's label when it writes (on a dry run it is "planning") */
  progressLabel: string;
  run: (context: {
    warehouse: Warehouse;
    database: string;
    options: Options;
    progress: (value: number, total: number) => void;
  }) => Promise<Summary>;
  report: (summary: Summary) => string[];
  /** the exit code of a run that finished (default EXIT.done) */
  exitCode?: (summary: Summary) => number;
}

async function runCommand<Options extends { help: boolean; json: boolean; dryRun: boolean }, Summary>(
  command: ReplayCommand<Options, Summary>,
  argv: readonly string[],
): Promise<number> {
  let options: Options;
  try {
    options = command.parse(argv);
  } catch (error) {
    // parseArgs throws a TypeError for an unknown or incomplete flag
    if (!(error instanceof UsageError) && !(error instanceof TypeError)) throw error;
    console.error(`${error.message}\n\n${command.help}`);
    return EXIT.usage;
  }
  if (options.help) {
    console.log(command.help);
    return EXIT.done;
  }
  const { warehouse: config, database } = loadWarehouseConfig();
  const warehouse = await openReplayWarehouse(config);
  const bar = progressBar(options.dryRun ? 'planning' : command.progressLabel);
  try {
    const summary = await command.run({ warehouse, database, options, progress: bar.update });
    bar.stop();
    if (options.json) console.log(JSON.stringify(summary));
    else for (const line of command.report(summary)) console.log(line);
    return command.exitCode?.(summary) ?? EXIT.done;
  } finally {
    bar.stop();
    await warehouse.close();
  }
}

/** Runs a command on process.argv and sets process.exitCode (EXIT); an error ends it as "<name> stopped: ...". */
export async function runReplayCommand<
  Options extends { help: boolean; json: boolean; dryRun: boolean },
  Summary,
>(command: ReplayCommand<Options, Summary>): Promise<void> {
  try {
    process.exitCode = await runCommand(command, process.argv.slice(2));
  } catch (error) {
    console.error(`${command.name} stopped: ${(error as Error).message}`);
    process.exitCode = EXIT.failed;
  }
}
