/**
 * The ingest or the sink as its own OS process, as in production, so fault tests can SIGKILL or SIGTERM it.
 * Output goes to a log file (read on failure); readiness is its /healthz answering.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { openSync } from 'node:fs';
import { waitUntil } from '@okendo/infra/local';
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
  await waitUntil(
    `${name} (see ${options.logFile})`,
    async () => (await fetch(`http://127.0.0.1:${options.port}/healthz`)).ok,
    {
      timeoutMs: 60_000,
      intervalMs: 100,
      abortIf: () =>
        child.exitCode !== null || child.signalCode !== null ? 'exited during start-up' : undefined,
    },
  );
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
