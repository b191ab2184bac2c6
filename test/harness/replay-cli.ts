/** `npm run rebuild` / `npm run redrive` as a process (what an operator runs), with its exit code and output. */
import { spawn } from 'node:child_process';
import { repoRoot } from '../vitest.shared.js';

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runReplayCli(
  script: 'rebuild' | 'redrive',
  args: readonly string[],
  env: Record<string, string>,
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--conditions=source', `services/sink/src/cli/${script}.ts`, ...args],
      { cwd: repoRoot, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}
