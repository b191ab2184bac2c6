/**
 * The reliability report cannot hide a failure: a scenario that threw keeps a FAILED row with its error, a
 * broken promise is FAILED, and the self-test line says FAILED when the dedupe-disabled run shows nothing.
 */
import { describe, expect, it } from 'vitest';
import { renderReport, selfTestLine } from '../harness/reliability-report.js';

const clean = {
  scenario: 'a. broker SIGKILL',
  sent: 10,
  acknowledged: 9,
  stored: 9,
  deadLettered: 0,
  lost: 0,
  duplicates: 0,
  duplicateDetail: { events: 0, state: 0, children: 0, views: 0 },
  wrongState: 0,
  mismatches: [],
  unacknowledged: 0,
  answers: { '200': 10 },
  recoverySeconds: 1,
  notes: [],
};

const selfTest = {
  ...clean,
  scenario: 'self-test',
  selfTest: true,
  duplicates: 4,
  duplicateDetail: { events: 3, state: 0, children: 1, views: 0 },
  wrongState: 2,
};

describe('reliability report', () => {
  it('shows a scenario that threw as FAILED, with its error', () => {
    const table = renderReport([clean, { scenario: 'f1. failpoint', error: 'failpoint did not fire' }]);
    expect(table).toMatch(/\| a\. broker SIGKILL \| passed \|/);
    expect(table).toMatch(/\| f1\. failpoint \| FAILED \|.*\| failpoint did not fire \|/);
  });

  it('marks a broken promise FAILED and names where the duplicates are', () => {
    const table = renderReport([
      { ...clean, duplicates: 2, duplicateDetail: { ...clean.duplicateDetail, events: 2 } },
    ]);
    expect(table).toMatch(/\| FAILED \|.*\| 2 \(events 2\) \|/);
  });

  it('says the self-test passed only when the dedupe-disabled run shows duplicates and wrong state', () => {
    expect(selfTestLine([clean, selfTest])).toMatch(/^self-test: .*measured, not assumed$/);
    expect(
      selfTestLine([clean, { ...selfTest, duplicates: 0, duplicateDetail: clean.duplicateDetail }]),
    ).toMatch(/^self-test: FAILED/);
    expect(selfTestLine([clean, { scenario: 'self-test', selfTest: true, error: 'boom' }])).toBe(
      'self-test: FAILED (boom)',
    );
    expect(selfTestLine([clean])).toMatch(/^self-test: NOT RUN/);
  });
});
