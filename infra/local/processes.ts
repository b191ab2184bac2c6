import { type ChildProcess, spawn } from 'node:child_process';
import { openSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

export interface DaemonOptions {
  command: string;
  args: readonly string[];
  /** stdout and stderr of the process go here, so a failed start can be diagnosed from the file. */
  logFile: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Detached daemons survive the process that started them (infra:up); attached ones die with the test run. */
  detached: boolean;
}

/** Starts a long-running server process with its output in a log file. */
export function spawnDaemon(options: DaemonOptions): ChildProcess {
  const out = openSync(options.logFile, 'a');
  const child = spawn(options.command, options.args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['ignore', out, out],
    detached: options.detached,
  });
  if (options.detached) child.unref();
  return child;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM means the process exists but belongs to someone else: still alive.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Stops a process the polite way first: SIGTERM, wait up to `graceMs` for it to exit, then SIGKILL.
 * Resolves with how it ended, so callers can report an unclean stop.
 */
export async function stopProcess(
  pid: number,
  graceMs = 15_000,
): Promise<'not-running' | 'terminated' | 'killed'> {
  if (!isAlive(pid)) return 'not-running';
  signal(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return 'terminated';
    await sleep(100);
  }
  signal(pid, 'SIGKILL');
  for (let i = 0; i < 50 && isAlive(pid); i++) await sleep(100);
  return 'killed';
}

/** A crash, not a stop: SIGKILL at once, then wait until the process is gone. */
export async function killProcess(pid: number): Promise<'not-running' | 'killed'> {
  if (!isAlive(pid)) return 'not-running';
  signal(pid, 'SIGKILL');
  for (let i = 0; i < 100 && isAlive(pid); i++) await sleep(50);
  return 'killed';
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

/** Polls `probe` until it resolves true or the time runs out; throws with `what` and the last error. */
export async function waitUntil(
  what: string,
  probe: () => Promise<boolean>,
  options: { timeoutMs: number; intervalMs?: number; abortIf?: () => string | undefined },
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    const abortReason = options.abortIf?.();
    if (abortReason !== undefined) throw new Error(`${what}: ${abortReason}`);
    try {
      if (await probe()) return;
    } catch (error) {
      lastError = error;
    }
    await sleep(options.intervalMs ?? 250);
  }
  const detail = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
  throw new Error(`${what}: not ready after ${options.timeoutMs} ms${detail}`);
}
