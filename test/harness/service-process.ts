/**
 * The ingest or the sink as its own OS process, as in production, so fault tests can SIGKILL or SIGTERM it.
 * Output goes to a log file (read on failure); readiness is its /healthz answering.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { openSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { repoRoot } from '../vitest.shared.js';

const ENTRIES = { ingest: 'services/ingest/src/server.ts', sink: 'services/sink/src/server.ts' } as const;

export interface ServiceProcess {
  name: string;
  child: ChildProcess;
  /** resolves with the exit code or signal */
  exited: Promise<string>;
}

export async function startService(
  service: keyof typeof ENTRIES,
  env: Record<string, string>,
  options: { port: number; logFile: string; name?: string },
): Promise<ServiceProcess> {
  const log = openSync(options.logFile, 'a');
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=source', ENTRIES[service]], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', log, log],
  });
  const exited = new Promise<string>((resolve) =>
    child.once('exit', (code, signal) => resolve(String(code ?? signal))),
  );
  const name = options.name ?? service;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${name} exited during start-up (${await exited}); see ${options.logFile}`);
    }
    try {
      if ((await fetch(`http://127.0.0.1:${options.port}/healthz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${name} did not become healthy; see ${options.logFile}`);
    await sleep(100);
  }
  return { name, child, exited };
}

/** SIGTERM (graceful) or SIGKILL (crash); resolves once the process is gone. */
export async function stopService(service: ServiceProcess, signal: 'SIGTERM' | 'SIGKILL'): Promise<string> {
  if (service.child.exitCode === null && service.child.signalCode === null) service.child.kill(signal);
  const timer = setTimeout(() => service.child.kill('SIGKILL'), 20_000);
  try {
    return await service.exited;
  } finally {
    clearTimeout(timer);
  }
}
