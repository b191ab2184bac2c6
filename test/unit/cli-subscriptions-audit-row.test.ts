/** The sink's POST /audit body check: the CLI's AuditRow, each problem named by field, no value quoted. */

import { describe, expect, it } from 'vitest';
import { auditTableRow, parseAuditRow } from '../../services/sink/src/audit-endpoint.js';

const ROW = {
  at: 1_764_640_000_123,
  actor: 'ci-job-42',
  command: 'subscriptions rotate-secret',
  target: 'shop-a/8f2c1a7e-0000',
  outcome: 'ok',
  detail: 'new 8f2c1a7e#2; overlap 24h',
};

describe('parseAuditRow', () => {
  it('takes the CLI audit row and stores at in seconds and at_ms exact', () => {
    const parsed = parseAuditRow(ROW);
    expect(parsed.ok).toBe(true);
    if (parsed.ok)
      expect(auditTableRow(parsed.row)).toEqual({ ...ROW, at: 1_764_640_000, at_ms: 1_764_640_000_123 });
    expect(parseAuditRow({ ...ROW, target: '', detail: '' }).ok).toBe(true);
  });

  it('names every bad field', () => {
    const parsed = parseAuditRow({
      at: '2026-12-02',
      actor: ' ',
      command: 7,
      outcome: 'done',
      detail: 'x'.repeat(4_001),
      secretValue: 'whsec_abc',
    });
    expect(parsed).toEqual({
      ok: false,
      problems: [
        'at: epoch milliseconds, a whole number between the years 2000 and 2100',
        'actor: must not be empty',
        'command: required, a string',
        'target: required, a string',
        'detail: at most 4000 characters',
        'outcome: one of ok, failed, incomplete, dry_run',
        'unknown field(s): "secretValue"',
      ],
    });
    expect(JSON.stringify(parsed)).not.toContain('whsec_abc');
  });

  it('refuses what is not an object, and times in seconds or out of range', () => {
    expect(parseAuditRow([ROW]).ok).toBe(false);
    expect(parseAuditRow(null).ok).toBe(false);
    expect(parseAuditRow({ ...ROW, at: 1_764_640_000 }).ok).toBe(false);
    expect(parseAuditRow({ ...ROW, at: 1.5e12 + 0.5 }).ok).toBe(false);
  });
});
