/**
 * Reads the JSON reports both suites write to output/test-results/ and prints one closing line,
 * `tests: N passed, N failed, N skipped`. With REQUIRE_INFRA=1 a skipped test fails the run: in CI every
 * test must have run.
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
if (failed > 0 || (process.env['REQUIRE_INFRA'] === '1' && skipped > 0)) process.exit(1);
