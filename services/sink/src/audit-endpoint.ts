/**
 * POST /audit: appends one operator_audit row (migration 015) for the operator CLI. It exists for the same
 * reason as POST /sql: in embedded mode the sink holds chDB's data dir, so nothing else can write to it.
 * The same guards as /sql: application/json only (no cross-site simple POST) and the bearer SINK_SQL_TOKEN
 * when set. The body is the CLI's AuditRow (`at` in epoch ms); it is stored with `at` in whole seconds and
 * `at_ms` exact. Problems are named by field, never by quoting the values sent.
 */
import type { IncomingMessage } from 'node:http';
import { classifyInsertError, describeInsertError } from './batch/insert-errors.js';
import { type Refusal, readJsonRequest, refuse, type SqlEndpointConfig } from './sql-endpoint.js';
import type { Warehouse } from './warehouse/warehouse.js';

export const AUDIT_OUTCOMES = ['ok', 'failed', 'incomplete', 'dry_run'] as const;

export interface AuditRowInput {
  at: number;
  actor: string;
  command: string;
  target: string;
  outcome: (typeof AUDIT_OUTCOMES)[number];
  detail: string;
}

export type AuditAnswer = { status: 201; body: { status: 'recorded' }; headers?: undefined } | Refusal;

// 2000-01-01 to 2100-01-01: a clock that far off is a bug, and DateTime cannot hold much beyond either.
const EARLIEST_MS = 946_684_800_000;
const LATEST_MS = 4_102_444_800_000;

/** Each text field: required, and its longest length. */
const TEXT_FIELDS = { actor: 200, command: 200, target: 1_000, detail: 4_000 } as const;
const REQUIRED_NON_EMPTY: ReadonlySet<string> = new Set(['actor', 'command']);
const KNOWN_FIELDS: ReadonlySet<string> = new Set(['at', 'outcome', ...Object.keys(TEXT_FIELDS)]);

/** Checks a body against the AuditRow shape; every problem is listed, each naming its field. */
export function parseAuditRow(
  body: unknown,
): { ok: true; row: AuditRowInput } | { ok: false; problems: string[] } {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return {
      ok: false,
      problems: ['the body must be a JSON object {at, actor, command, target, outcome, detail}'],
    };
  const fields = body as Record<string, unknown>;
  const problems: string[] = [];
  const at = fields['at'];
  if (typeof at !== 'number' || !Number.isInteger(at) || at < EARLIEST_MS || at >= LATEST_MS)
    problems.push('at: epoch milliseconds, a whole number between the years 2000 and 2100');
  for (const [name, maxLength] of Object.entries(TEXT_FIELDS)) {
    const value = fields[name];
    if (typeof value !== 'string') problems.push(`${name}: required, a string`);
    else if (value.length > maxLength) problems.push(`${name}: at most ${maxLength} characters`);
    else if (REQUIRED_NON_EMPTY.has(name) && value.trim() === '') problems.push(`${name}: must not be empty`);
  }
  const outcome = fields['outcome'];
  if (typeof outcome !== 'string' || !(AUDIT_OUTCOMES as readonly string[]).includes(outcome))
    problems.push(`outcome: one of ${AUDIT_OUTCOMES.join(', ')}`);
  const unknown = Object.keys(fields).filter((key) => !KNOWN_FIELDS.has(key));
  if (unknown.length > 0)
    problems.push(`unknown field(s): ${unknown.map((key) => JSON.stringify(key.slice(0, 40))).join(', ')}`);
  return problems.length > 0
    ? { ok: false, problems }
    : { ok: true, row: fields as unknown as AuditRowInput };
}

/** The row as operator_audit stores it. */
export function auditTableRow(row: AuditRowInput): Record<string, unknown> {
  return {
    at: Math.floor(row.at / 1_000),
    at_ms: row.at,
    actor: row.actor,
    command: row.command,
    target: row.target,
    outcome: row.outcome,
    detail: row.detail,
  };
}

/** Answers one POST /audit; `onInsertError` hears the insert error's description (name, code, table). */
export async function answerAudit(
  request: IncomingMessage,
  warehouse: Warehouse,
  database: string,
  config: Pick<SqlEndpointConfig, 'token'>,
  onInsertError: (description: string) => void,
): Promise<AuditAnswer> {
  const read = await readJsonRequest(request, config.token, 'one audit row');
  if (!read.ok) return read.refusal;
  const parsed = parseAuditRow(read.body);
  if (!parsed.ok) return refuse(400, 'invalid_audit_row', `invalid audit row: ${parsed.problems.join('; ')}`);
  const table = `${database}.operator_audit`;
  const row = auditTableRow(parsed.row);
  try {
    await warehouse.insertJsonEachRow(table, [row]);
  } catch (error) {
    // The error's name, code and column only: its text may quote the row.
    const kind = classifyInsertError(error, new Set(Object.keys(row)));
    const described = describeInsertError(kind, table);
    onInsertError(described);
    return refuse(
      kind.kind === 'retriable' ? 503 : 500,
      'insert_failed',
      `the warehouse refused the audit row: ${described}`,
    );
  }
  return { status: 201, body: { status: 'recorded' } };
}
