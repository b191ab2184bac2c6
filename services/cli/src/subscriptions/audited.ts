/**
 * A mutating subscription command's audit row, written whichever way it ends: ok (or incomplete) with the
 * body's detail, failed with the error's one-line message (which never holds a secret or the API key).
 */
import { oneLine } from '../command-runner.js';
import type { CliContext } from '../context.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import type { AuditRow } from '../warehouse-access.js';

export interface AuditedOutcome {
  detail: string;
  /** EXIT.incomplete is audited as `incomplete`; default EXIT.ok */
  exitCode?: ExitCode;
}

const MAX_DETAIL = 1_000;

export async function audited(
  context: CliContext,
  command: string,
  target: () => string,
  body: () => Promise<AuditedOutcome>,
): Promise<ExitCode> {
  const record = (outcome: AuditRow['outcome'], detail: string) =>
    context.audit({ command, target: target(), outcome, detail: oneLine(detail).slice(0, MAX_DETAIL) });
  let result: AuditedOutcome;
  try {
    result = await body();
  } catch (error) {
    await record('failed', error instanceof Error ? error.message : String(error));
    throw error;
  }
  const exitCode = result.exitCode ?? EXIT.ok;
  await record(exitCode === EXIT.incomplete ? 'incomplete' : 'ok', result.detail);
  return exitCode;
}
