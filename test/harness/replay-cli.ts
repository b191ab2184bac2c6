/**
 * The command-line tools as processes, as an operator or analyst runs them, with the exit code and output: the
 * sink's (`npm run rebuild`, `redrive`, `sql`) and the operator CLI (`npx okendo-pipeline`).
 */
import { type ChildProcess, spawn } from 'node:child_process';
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
 * Starts a TypeScript entry point (path from the repo root) under tsx as `node` would, with workspace packages
 * from their sources. `env` is laid over this process's environment; a key set to undefined is removed (e.g.
 * CLICKHOUSE_URL, to run in embedded mode).
 */
export function spawnScript(
  script: string,
  args: readonly string[],
  env: Record<string, string | undefined>,
  options: CliOptions = {},
): ChildProcess {
  const childEnv: Record<string, string | undefined> = { ...process.env, ...env };
  for (const [key, value] of Object.entries(env)) if (value === undefined) delete childEnv[key];
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=source', script, ...args], {
    cwd: repoRoot,
    env: childEnv,
    stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
  if (options.input !== undefined) child.stdin?.end(options.input);
  return child;
}

/** Waits for a spawned script to end, with everything it printed. */
export function finished(child: ChildProcess): Promise<CliRun> {
  return new Promise((resolve, reject) => {
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
  });
}

/** Runs services/sink/src/cli/<script>.ts to its end. */
export function runSinkCli(
  script: 'rebuild' | 'redrive' | 'sql',
  args: readonly string[],
  env: Record<string, string | undefined>,
  options: CliOptions = {},
): Promise<CliRun> {
  return finished(spawnScript(`services/sink/src/cli/${script}.ts`, args, env, options));
}

/** The operator CLI's entry point, which `npx okendo-pipeline` runs. */
export const OPERATOR_CLI = 'services/cli/src/main.ts';

/** Runs `okendo-pipeline <args>` to its end. */
export function runOperatorCli(
  args: readonly string[],
  env: Record<string, string | undefined>,
  options: CliOptions = {},
): Promise<CliRun> {
  return finished(spawnScript(OPERATOR_CLI, args, env, options));
}

export function runReplayCli(
  script: 'rebuild' | 'redrive',
  args: readonly string[],
  env: Record<string, string>,
): Promise<CliRun> {
  return runSinkCli(script, args, env);
}
