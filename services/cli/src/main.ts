/**
 * `npx okendo-pipeline <command>`: the operator CLI. Each command lives in src/commands/ and registers itself
 * on the program here; `--help` works on every level.
 */
import { Command } from '@commander-js/extra-typings';
import { registerBackfill } from './commands/backfill.js';
import { registerLag } from './commands/lag.js';
import { registerRebuild } from './commands/rebuild.js';
import { registerReconcile } from './commands/reconcile.js';
import { registerRedrive } from './commands/redrive.js';
import { registerReplay } from './commands/replay.js';
import { registerSendTest } from './commands/send-test.js';
import { registerSubscriptions } from './commands/subscriptions.js';
import { registerTrace } from './commands/trace.js';
import { EXIT } from './exit-codes.js';

const EXIT_CODES_HELP = `
Exit codes: 0 done; 1 the operation failed or a check did not hold; 2 bad command line or configuration
(nothing was done); 3 done in part (the summary says what is left; running it again resumes); 4 a service the
command needs did not answer (Okendo, the ingest, the sink, Kafka, ClickHouse).
With --json, stdout carries the data only; logs and progress go to stderr, and only when it is a terminal.`;

export function buildProgram(): Command {
  const program = new Command('okendo-pipeline')
    .description(
      'Operate the okendo-pipeline: Okendo webhook subscriptions, test deliveries, replay, backfill, lag',
    )
    .option('--json', 'print the data as JSON on stdout (logs and progress on stderr, only on a terminal)')
    .showHelpAfterError('(add --help for usage)')
    .addHelpText('after', EXIT_CODES_HELP)
    .exitOverride();
  // Commands register here (one line each).
  registerSubscriptions(program);
  registerBackfill(program);
  registerReconcile(program);
  registerReplay(program);
  registerRebuild(program);
  registerRedrive(program);
  registerSendTest(program);
  registerTrace(program);
  registerLag(program);
  return program;
}

const program = buildProgram();
try {
  await program.parseAsync(process.argv);
} catch (error) {
  // commander's own exits: --help and --version (code 0), a bad command line (usage).
  const code = (error as { exitCode?: number }).exitCode;
  process.exitCode = code === 0 ? EXIT.ok : EXIT.usage;
}
