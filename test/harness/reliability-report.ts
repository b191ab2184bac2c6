/**
 * The reliability report: each fault scenario writes its figures to output/reliability/ (a placeholder first,
 * so a scenario that throws or hangs still has a row); at the end of the integration run they are printed as one
 * table and written to output/reliability-report.md (ignored by git), followed by the self-test line.
 */
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { repoRoot } from '../vitest.shared.js';
import type { ScenarioResult } from './fault-scenario.js';

const dir = join(repoRoot, 'output', 'reliability');

type Row = Partial<ScenarioResult> & { scenario: string };

export async function resetReliabilityResults(): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
}

/** The self-test run must show what was done to it: duplicates in events, and planted wrong state. */
function selfTestCaught(r: Row): boolean {
  return (r.duplicateDetail?.events ?? 0) > 0 && (r.wrongState ?? 0) > 0;
}

function kept(r: Row): boolean {
  return r.lost === 0 && r.duplicates === 0 && r.wrongState === 0 && r.unacknowledged === 0;
}

function status(r: Row): string {
  if (r.error !== undefined) return 'FAILED';
  if (r.selfTest) return selfTestCaught(r) ? 'self-test ok' : 'SELF-TEST FAILED';
  return kept(r) ? 'passed' : 'FAILED';
}

const figure = (n: number | undefined) => (n === undefined ? '-' : String(n));

function duplicates(r: Row): string {
  if (r.duplicates === undefined) return '-';
  const d = r.duplicateDetail;
  if (d === undefined || r.duplicates === 0) return String(r.duplicates);
  const parts = Object.entries(d).filter(([, n]) => n > 0);
  return `${r.duplicates} (${parts.map(([where, n]) => `${where} ${n}`).join(', ')})`;
}

/** The error, or the first differences found, or the scenario's notes. */
function detail(r: Row): string {
  const text = r.error ?? r.mismatches?.slice(0, 2).join('; ') ?? '';
  const notes =
    r.notes
      ?.filter(
        (n) =>
          !n.startsWith('events was a plain') && !n.startsWith('planted') && !n.startsWith('view groups'),
      )
      .join('; ') ?? '';
  return (text || notes).replaceAll('|', '/');
}

export function selfTestLine(results: readonly Row[]): string {
  const run = results.find((r) => r.selfTest);
  if (run === undefined) return 'self-test: NOT RUN, so nothing shows that the duplicates column can fail';
  if (run.error !== undefined) return `self-test: FAILED (${run.error})`;
  const shown = `${duplicates(run)} duplicates and wrong state ${run.wrongState ?? '-'}`;
  if (!selfTestCaught(run))
    return `self-test: FAILED: with warehouse dedupe disabled and differences planted the report shows only ${shown}, so its 0s prove nothing`;
  return `self-test: with warehouse dedupe disabled (events as a plain MergeTree) and a wrong column and an extra child row planted, the report shows ${shown}: the 0s above are measured, not assumed`;
}

export function renderReport(results: readonly Row[]): string {
  const header = [
    'scenario',
    'status',
    'sent',
    'acknowledged',
    'stored',
    'dead-lettered',
    'lost',
    'duplicates',
    'wrong state',
    'recovery s',
    'answers',
    'detail',
  ];
  const rows = results.map((r) => [
    r.scenario,
    status(r),
    figure(r.sent),
    figure(r.acknowledged),
    figure(r.stored),
    figure(r.deadLettered),
    figure(r.lost),
    duplicates(r),
    figure(r.wrongState),
    figure(r.recoverySeconds),
    Object.entries(r.answers ?? {})
      .map(([code, n]) => `${code}:${n}`)
      .join(' '),
    detail(r),
  ]);
  return [
    `| ${header.join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...rows.map((row) => `| ${row.join(' | ')} |`),
  ].join('\n');
}

const NOTE = [
  'sent = delivery attempts (retries and duplicates included); acknowledged = distinct messages answered 2xx;',
  'stored = acknowledged message ids found in events (planted poison excluded); dead-lettered = planted poison messages found in dead_letters;',
  'lost = acknowledged but in neither; duplicates = rows an analyst sees twice after OPTIMIZE FINAL (events per',
  'message id, state rows per entity, version rows per entity version, child rows per parent version and position,',
  'child rows in _current views beyond the entity) plus attribution-view counts above the ledger; wrong state =',
  '_current rows, columns or child rows that differ from the acknowledged latest version, plus view counts below',
  'the ledger, plus versions of stored events missing from the version tables;',
  'recovery = heal to every acknowledged event accounted for. The ingest dedupe cache is off in every run.',
].join(' ');

export async function printReliabilityReport(): Promise<void> {
  const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.json')).sort();
  if (files.length === 0) return;
  const results = await Promise.all(
    files.map(async (f) => JSON.parse(await readFile(join(dir, f), 'utf8')) as Row),
  );
  const markdown = renderReport(results);
  const line = selfTestLine(results);
  console.log(`\nReliability report\n${markdown}\n${line}\n\n${NOTE}\n`);
  await writeFile(
    join(repoRoot, 'output', 'reliability-report.md'),
    `# Reliability report\n\n${markdown}\n\n${line}\n\n${NOTE}\n`,
  );
}
