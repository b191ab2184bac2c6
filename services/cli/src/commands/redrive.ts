/**
 * `okendo-pipeline redrive`: `npm run redrive` as a CLI command (the same library call, redriveDeadLetters, and
 * the same options), audited.
 */
import type { Command } from '@commander-js/extra-typings';
import { type RedriveSummary, redriveDeadLetters, redriveReport } from '@okendo/sink';
import { oneLine, runCommand } from '../command-runner.js';
import type { CliContext } from '../context.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { openWritableWarehouse } from '../replay/open-writable-warehouse.js';
import { progressReporter } from '../replay/progress-reporter.js';
import { pageSizeOption } from '../replay/replay-options.js';

async function redrive(
  context: CliContext,
  options: { dryRun?: boolean; pageSize: number },
): Promise<ExitCode> {
  const dryRun = options.dryRun === true;
  const bar = progressReporter(context.output, dryRun ? 'planning' : 're-driving');
  let summary: RedriveSummary;
  try {
    const { warehouse, database } = await openWritableWarehouse(context);
    summary = await redriveDeadLetters({
      warehouse,
      database,
      pageSize: options.pageSize,
      dryRun,
      onProgress: ({ considered, total }) => bar.update(considered, total),
    });
  } catch (error) {
    bar.stop();
    await context.audit({
      command: 'redrive',
      target: 'dead_letters_open',
      outcome: 'failed',
      detail: `failed: ${oneLine(error instanceof Error ? error.message : String(error)).slice(0, 300)}`,
    });
    throw error;
  }
  bar.stop();
  await context.audit({
    command: 'redrive',
    target: 'dead_letters_open',
    outcome: dryRun ? 'dry_run' : 'ok',
    detail: `open ${summary.open}; ${dryRun ? 'would re-drive' : 're-driven'} ${summary.redriven}; stay open ${summary.open - summary.redriven}`,
  });
  const done = summary;
  context.output.result(done, () => redriveReport(done).join('\n'));
  return EXIT.ok;
}

export function registerRedrive(program: Command): void {
  program
    .command('redrive')
    .description(
      'Re-process the open dead letters the current mapping can now map, from their events rows, and record them so a second run does nothing (what `npm run redrive` does)',
    )
    .option('--dry-run', 'plan everything, print the counts, write nothing')
    .option('--page-size <n>', 'dead letters per page', pageSizeOption, 1_000)
    .addHelpText(
      'after',
      '\nDead letters that stay open are not an error (exit 0); the summary counts them by reason.',
    )
    .action(async (options, command) => {
      await runCommand(command, (context) => redrive(context, options));
    });
}
