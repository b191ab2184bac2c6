/**
 * `okendo-pipeline redrive`: `npm run redrive` as a CLI command (the same library call, redriveDeadLetters, and
 * the same options), audited.
 */
import type { Command } from '@commander-js/extra-typings';
import { redriveReport } from '@okendo/sink';
import { runCommand } from '../command-runner.js';
import type { CliContext } from '../context.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { auditedRedrive } from '../replay/audited-redrive.js';
import { progressReporter } from '../replay/progress-reporter.js';
import { pageSizeOption } from '../replay/replay-options.js';

async function redrive(
  context: CliContext,
  options: { dryRun?: boolean; pageSize: number },
): Promise<ExitCode> {
  const dryRun = options.dryRun === true;
  const bar = progressReporter(context.output, dryRun ? 'planning' : 're-driving');
  const summary = await auditedRedrive(context, {
    dryRun,
    pageSize: options.pageSize,
    onProgress: ({ considered, total }) => bar.update(considered, total),
  }).finally(() => bar.stop());
  context.output.result(summary, () => redriveReport(summary).join('\n'));
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
