/**
 * The operator_audit trail: every mutating command records who ran it, what on, when, and how it ended.
 * A command's own failure is audited too; an audit write that fails is a warning, never a crash of the
 * command (the change already happened and must be reported).
 */
import { userInfo } from 'node:os';
import type { Output } from './output.js';
import type { AuditRow, WarehouseAccess } from './warehouse-access.js';

/** OKENDO_PIPELINE_ACTOR when set (a CI job, a ticket), else the OS user. */
export function auditActor(env: NodeJS.ProcessEnv): string {
  const explicit = env['OKENDO_PIPELINE_ACTOR']?.trim();
  if (explicit) return explicit.slice(0, 200);
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

export async function recordAudit(
  open: () => Promise<WarehouseAccess>,
  output: Output,
  row: AuditRow,
): Promise<void> {
  try {
    const access = await open();
    await access.audit(row);
  } catch (error) {
    output.warn(
      `could not write the audit row for ${row.command} (${error instanceof Error ? error.message : String(error)})`,
    );
  }
}
