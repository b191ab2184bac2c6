/**
 * The reliability report: each fault scenario writes its figures to output/reliability/; at the end of the
 * integration run they are printed as one table and written to output/reliability-report.md (ignored by git).
 */
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { repoRoot } from '../vitest.shared.js';
import type { ScenarioResult } from './fault-scenario.js';

const dir = join(repoRoot, 'output', 'reliability');

export async function resetReliabilityResults(): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
}

export async function printReliabilityReport(): Promise<void> {
  const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.json')).sort();
  if (files.length === 0) return;
  const results = await Promise.all(
    files.map(async (f) => JSON.parse(await readFile(join(dir, f), 'utf8')) as ScenarioResult),
  );
  const header = [
    'scenario',
    'sent',
    'acknowledged',
    'stored',
    'lost',
    'duplicates',
    'wrong state',
    'recovery s',
    'answers',
  ];
  const rows = results.map((r) => [
    r.scenario,
    String(r.sent),
    String(r.acknowledged),
    String(r.stored),
    String(r.lost),
    String(r.duplicates),
    String(r.wrongState),
    String(r.recoverySeconds),
    Object.entries(r.answers)
      .map(([status, n]) => `${status}:${n}`)
      .join(' '),
  ]);
  const markdown = [
    `| ${header.join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...rows.map((row) => `| ${row.join(' | ')} |`),
  ].join('\n');
  const note =
    'sent = delivery attempts (retries included); acknowledged = distinct messages answered 2xx; stored = distinct message ids in events; recovery = heal to every acknowledged event stored.';
  console.log(`\nReliability report\n${markdown}\n${note}\n`);
  await writeFile(
    join(repoRoot, 'output', 'reliability-report.md'),
    `# Reliability report\n\n${markdown}\n\n${note}\n`,
  );
}
