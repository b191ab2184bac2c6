import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileAsync, findExecutable } from './commands.js';
import { freePort } from './ports.js';
import { isAlive, spawnDaemon, stopProcess, waitUntil } from './processes.js';

export interface LocalPrometheus {
  kind: 'prometheus';
  version: string;
  url: string;
  pid: number;
  /** Temp dir holding the generated config, the rule files, the TSDB and the log; removed on stop. */
  dir: string;
  port: number;
  startupMs: number;
}

/** One scrape job: its `job` label and the `host:port` of each instance (metrics at `metricsPath`). */
export interface PrometheusScrapeJob {
  job: string;
  targets: readonly string[];
  metricsPath?: string;
}

export interface StartPrometheusOptions {
  jobs: readonly PrometheusScrapeJob[];
  /** Rule files' YAML text, copied into the temp dir (alerts.yml as shipped, or a variant of it). */
  ruleFiles?: readonly string[];
  scrapeIntervalSeconds?: number;
  evaluationIntervalSeconds?: number;
  detached?: boolean;
  readyTimeoutMs?: number;
}

/** Debian's `prometheus` package puts prometheus and promtool in /usr/bin; PROMETHEUS_BIN overrides. */
export async function prometheusBinary(): Promise<string> {
  const explicit = process.env['PROMETHEUS_BIN'];
  if (explicit) return explicit;
  const found = await findExecutable('prometheus', ['/usr/bin', '/usr/local/bin']);
  if (found === undefined)
    throw new Error('prometheus is not installed (apt-get install prometheus, or set PROMETHEUS_BIN)');
  return found;
}

/** `prometheus --version`'s version figure, e.g. `2.42.0+ds`. */
export async function prometheusVersion(binary: string): Promise<string> {
  const { stdout, stderr } = await execFileAsync(binary, ['--version']);
  const match = /version (\S+)/.exec(`${stdout}${stderr}`);
  if (match?.[1] === undefined) throw new Error(`${binary} --version printed no version`);
  return match[1];
}

/** The config as JSON, which is YAML too: no quoting rules to get wrong for the generated values. */
function configJson(options: StartPrometheusOptions, ruleFiles: readonly string[]): string {
  const scrape = options.scrapeIntervalSeconds ?? 15;
  return JSON.stringify(
    {
      global: {
        scrape_interval: `${scrape}s`,
        scrape_timeout: `${Math.min(scrape, 10)}s`,
        evaluation_interval: `${options.evaluationIntervalSeconds ?? scrape}s`,
      },
      rule_files: ruleFiles,
      scrape_configs: options.jobs.map((job) => ({
        job_name: job.job,
        metrics_path: job.metricsPath ?? '/metrics',
        static_configs: [{ targets: [...job.targets] }],
      })),
    },
    null,
    2,
  );
}

/** Starts Prometheus on a free loopback port with a generated config; ready when /-/ready answers 200. */
export async function startPrometheus(options: StartPrometheusOptions): Promise<LocalPrometheus> {
  const started = Date.now();
  const binary = await prometheusBinary();
  const version = await prometheusVersion(binary);
  const dir = await mkdtemp(join(tmpdir(), 'okendo-prometheus-'));
  const port = await freePort();
  await mkdir(join(dir, 'data'));
  const ruleFiles: string[] = [];
  for (const [index, text] of (options.ruleFiles ?? []).entries()) {
    const file = join(dir, `rules-${index}.yml`);
    await writeFile(file, text);
    ruleFiles.push(file);
  }
  const configFile = join(dir, 'prometheus.yml');
  await writeFile(configFile, configJson(options, ruleFiles));
  const logFile = join(dir, 'prometheus.log');
  const child = spawnDaemon({
    command: binary,
    args: [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      // POST /-/reload picks up an edited config (targets of a restarted service) without a restart.
      '--web.enable-lifecycle',
      '--log.level=warn',
    ],
    logFile,
    cwd: dir,
    detached: options.detached ?? false,
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${binary}`);
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitUntil(`Prometheus at ${url}`, async () => (await fetch(`${url}/-/ready`)).ok, {
      timeoutMs: options.readyTimeoutMs ?? 30_000,
      intervalMs: 200,
      abortIf: () => (isAlive(pid) ? undefined : 'the prometheus process exited'),
    });
  } catch (error) {
    const log = await readFile(logFile, 'utf8').catch(() => '');
    await stopProcess(pid, 5_000);
    await rm(dir, { recursive: true, force: true });
    throw new Error(
      `${(error as Error).message}\n--- prometheus.log (tail) ---\n${log.split('\n').slice(-30).join('\n')}`,
    );
  }
  return { kind: 'prometheus', version, url, pid, dir, port, startupMs: Date.now() - started };
}

/** Stops Prometheus (SIGTERM, then SIGKILL after the grace) and removes its dir. */
export async function stopPrometheus(
  prometheus: Pick<LocalPrometheus, 'pid' | 'dir'>,
  options: { graceMs?: number } = {},
): Promise<string> {
  const outcome = await stopProcess(prometheus.pid, options.graceMs ?? 10_000);
  await rm(prometheus.dir, { recursive: true, force: true });
  return outcome;
}
