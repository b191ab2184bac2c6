/**
 * One audited re-drive of the open dead letters (the sink's redriveDeadLetters on a writable warehouse), shared
 * by `okendo-pipeline redrive` and the console's Re-drive button: the audit row is written whatever the
 * outcome, and the summary is returned for the caller to print or render.
 */
import { type RedriveSummary, redriveDeadLetters } from '@okendo/sink';
import { oneLine } from '../command-runner.js';
import type { CliContext } from '../context.js';
import { openWritableWarehouse } from './open-writable-warehouse.js';

export interface AuditedRedriveOptions {
  dryRun: boolean;
  pageSize: number;
  onProgress?: (progress: { considered: number; total: number }) => void;
}

export async function auditedRedrive(
  context: CliContext,
  options: AuditedRedriveOptions,
): Promise<RedriveSummary> {
  const { dryRun } = options;
  let summary: RedriveSummary;
  try {
    const { warehouse, database } = await openWritableWarehouse(context);
    summary = await redriveDeadLetters({
      warehouse,
      database,
      pageSize: options.pageSize,
      dryRun,
      ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
    });
  } catch (error) {
    await context.audit({
      command: 'redrive',
      target: 'dead_letters_open',
      outcome: 'failed',
      detail: `failed: ${oneLine(error instanceof Error ? error.message : String(error)).slice(0, 300)}`,
    });
    throw error;
  }
  await context.audit({
    command: 'redrive',
    target: 'dead_letters_open',
    outcome: dryRun ? 'dry_run' : 'ok',
    detail: `open ${summary.open}; ${dryRun ? 'would re-drive' : 're-driven'} ${summary.redriven}; stay open ${summary.open - summary.redriven}`,
  });
  return summary;
}
