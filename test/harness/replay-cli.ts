/**
 * The sink's command-line tools (`npm run rebuild`, `redrive`, `sql`) as a process, as an operator or analyst
 * runs them, with the exit code and output.
 */
import { spawn } from 'node:child_process';
import { repoRoot } from '../vitest.shared.js';

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** written to the process's stdin, which is then closed; without it stdin is /dev/null (not a terminal) */
  input?: string;
}

/**
 * Runs services/sink/src/cli/<script>.ts. `env` is laid over this process's environment; a key set to
 * undefined is removed (e.g. CLICKHOUSE_URL, to run in embedded mode).
 */
export function runSinkCli(
  script: 'rebuild' | 'redrive' | 'sql',
  args: readonly string[],
  env: Record<string, string | undefined>,
  options: CliOptions = {},
): Promise<CliRun> {
  const childEnv: Record<string, string | undefined> = { ...process.env, ...env };
  for (const [key, value] of Object.entries(env)) if (value === undefined) delete childEnv[key];
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--conditions=source', `services/sink/src/cli/${script}.ts`, ...args],
      {
        cwd: repoRoot,
        env: childEnv,
        stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr?.on('data', (chunk) => {
      stderr += chunk;
    });
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

export function runReplayCli(
  script: 'rebuild' | 'redrive',
  args: readonly string[],
  env: Record<string, string>,
): Promise<CliRun> {
  return runSinkCli(script, args, env);
}
