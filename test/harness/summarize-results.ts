/**
 * Reads the JSON reports both suites write to output/test-results/ and prints one closing line,
 * `tests: N passed, N failed, N skipped`, then the reliability report's verdict. With REQUIRE_INFRA=1 a skipped
 * test fails the run, and so does a missing reliability report or self-test line: in CI every test must have
 * run, the fault scenarios included.
 */
import { readFile } from 'node:fs/promises';

interface VitestJsonReport {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
}

const suites = ['unit', 'integration'];
let passed = 0;
let failed = 0;
let skipped = 0;
for (const suite of suites) {
  const file = `output/test-results/${suite}.json`;
  const report = JSON.parse(await readFile(file, 'utf8')) as VitestJsonReport;
  passed += report.numPassedTests;
  failed += report.numFailedTests;
  skipped += report.numPendingTests + report.numTodoTests;
}
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);

const required = process.env['REQUIRE_INFRA'] === '1';
const reliability = await readFile('output/reliability-report.md', 'utf8').catch(() => undefined);
const rows =
  reliability?.split('\n').filter((line) => line.startsWith('| ') && !line.startsWith('| scenario')) ?? [];
const failedRows = rows.filter((line) => /\| (FAILED|SELF-TEST FAILED) \|/.test(line)).length;
const selfTest = reliability?.split('\n').find((line) => line.startsWith('self-test:'));
console.log(
  reliability === undefined
    ? 'reliability: no report (the fault scenarios did not run)'
    : `reliability: ${rows.length} scenario rows, ${failedRows} failed; ${selfTest ?? 'no self-test line'}`,
);
const reliabilityBroken =
  reliability === undefined || failedRows > 0 || selfTest === undefined || !selfTest.includes('measured');
if (failed > 0 || (required && (skipped > 0 || reliabilityBroken))) process.exit(1);
