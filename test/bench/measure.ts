/**
 * Small measuring tools shared by the benchmarks: peak RSS and CPU time of a process, percentiles, compiled
 * entry points.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { repoRoot } from '../vitest.shared.js';

/** Samples /proc/<pid>/status every 200 ms; read the peak (MB) at any time. */
export function rssSampler(pid: number): { peakMb: () => number; stop: () => void } {
  let peak = 0;
  const timer = setInterval(async () => {
    const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
    peak = Math.max(peak, Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
  }, 200);
  return { peakMb: () => Math.round(peak), stop: () => clearInterval(timer) };
}

// /proc/<pid>/stat counts CPU time in clock ticks: 100 per second on Linux (USER_HZ, `getconf CLK_TCK`).
const TICKS_PER_SECOND = 100;

/** User + system CPU seconds a process has used so far (0 once it is gone). */
export async function cpuSecondsOf(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  // The command name (field 2) may hold spaces: count the fields after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11] ?? 0);
  const stime = Number(fields[12] ?? 0);
  return (utime + stime) / TICKS_PER_SECOND;
}

/**
 * CPU seconds a process spends between `start` and `stop`: a figure per event that does not depend on what else
 * shares the cores (unlike events per second on a 2-core machine running the load generator too).
 */
export async function cpuMeter(pid: number): Promise<{ stop: () => Promise<number> }> {
  const before = await cpuSecondsOf(pid);
  return { stop: async () => (await cpuSecondsOf(pid)) - before };
}

/** CPU milliseconds per 1,000 units of work, rounded to 0.1 ms. */
export function cpuMsPerThousand(cpuSeconds: number, units: number): number {
  return units === 0 ? Number.NaN : Math.round((cpuSeconds / units) * 1_000_000 * 10) / 10;
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/**
 * `BENCH_PROFILE=cpu` or `heap` (or `cpu,heap`) profiles every service the bench starts: V8 writes a
 * .cpuprofile / .heapprofile per process into output/bench/profiles when it exits (open them in Chrome DevTools
 * or VS Code). Profiling slows the processes down: figures of a profiled run are not comparable.
 */
function profileFlags(): string[] {
  const kinds = new Set((process.env['BENCH_PROFILE'] ?? '').split(',').map((kind) => kind.trim()));
  const dir = `${repoRoot}output/bench/profiles`;
  return [
    ...(kinds.has('cpu') ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : []),
    ...(kinds.has('heap') ? ['--heap-prof', `--heap-prof-dir=${dir}`] : []),
  ];
}

/**
 * Runs a compiled entry point (`npm run build` output) as its own process, so what is measured is what
 * production runs (no TypeScript loader in the process) and the load generator has its own event loop.
 */
export function spawnCompiled(entry: string, args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  return spawn(process.execPath, [...profileFlags(), entry, ...args], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
}

/** Resolves with the first stdout line matching `pattern` (its first group). */
export function waitForLine(child: ChildProcess, pattern: RegExp, what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${what} exited with ${code}`)));
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      const match = pattern.exec(line);
      if (match) resolve(match[1] ?? line);
    });
  });
}

export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
}

/** A histogram's running sum and count, as one /metrics scrape shows them (one label set, or no labels). */
export interface HistogramTotals {
  sum: number;
  count: number;
}

/**
 * Reads `<name>_sum` and `<name>_count` from a Prometheus text exposition, for the series whose labels include
 * `labels` (e.g. `hop="insert"`); 0 / 0 when the series is not there yet.
 */
export async function scrapeHistogram(
  metricsUrl: string,
  name: string,
  labels = '',
): Promise<HistogramTotals> {
  const text = await (await fetch(metricsUrl)).text();
  const read = (suffix: string): number => {
    for (const line of text.split('\n')) {
      if (!line.startsWith(`${name}_${suffix}`)) continue;
      const [series, value] = line.split(' ');
      if (series === undefined || !series.includes(labels)) continue;
      return Number(value);
    }
    return 0;
  };
  return { sum: read('sum'), count: read('count') };
}

/** The mean (ms) of the observations made between two scrapes of one histogram. */
export function meanMsBetween(before: HistogramTotals, after: HistogramTotals): number {
  const count = after.count - before.count;
  return count <= 0 ? Number.NaN : Math.round(((after.sum - before.sum) / count) * 1_000 * 10) / 10;
}
