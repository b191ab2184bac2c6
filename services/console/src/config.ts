/**
 * The console's configuration: read once at start-up, a precise message per bad key, then frozen. The CLI's
 * own settings (OKENDO_*, INGEST_URL, SINK_URL, KAFKA_*, CLICKHOUSE_*, the secrets file) are read by the CLI
 * context when an action needs them; this reads only what the console itself decides on.
 */
import { isIP } from 'node:net';
import { EnvReader, WEBHOOK_SOURCE_NAME } from '@okendo/common';

export interface ConsoleConfig {
  host: string;
  port: number;
  /** Required on every request when set; always set when the console listens beyond loopback. */
  authToken: string | undefined;
  /** The webhook sources the console manages, in the order given. */
  sources: readonly string[];
  /** How often the subscriptions are re-read for /metrics. */
  refreshSeconds: number;
  /** How long one Okendo call may take before the page shows the "Okendo did not answer" banner. */
  okendoTimeoutMs: number;
  logLevel: string;
  /** The environment the CLI context reads (its Okendo, Kafka, warehouse and secrets-file settings). */
  env: NodeJS.ProcessEnv;
}

/** 127.0.0.0/8, ::1 and localhost: only processes of this machine can connect. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (bare === 'localhost') return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  return bare === '::1' || bare === '0:0:0:0:0:0:0:1';
}

function readSources(read: EnvReader): string[] {
  const text = read.string('CONSOLE_SOURCES', 'default');
  const sources = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const bad = sources.filter((s) => !WEBHOOK_SOURCE_NAME.test(s));
  if (sources.length === 0 || bad.length > 0)
    read.problems.push(
      `CONSOLE_SOURCES: a comma-separated list of source names (lower-case letters, digits, - and _), got ${JSON.stringify(text)}`,
    );
  else if (new Set(sources).size !== sources.length)
    read.problems.push(`CONSOLE_SOURCES: a source is listed twice in ${JSON.stringify(text)}`);
  return sources;
}

/** Throws a ConfigError listing every bad key. */
export function loadConsoleConfig(env: NodeJS.ProcessEnv): Readonly<ConsoleConfig> {
  const read = new EnvReader(env);
  const host = read.string('CONSOLE_HOST', '127.0.0.1');
  const port = read.integer('CONSOLE_PORT', 9200, { min: 0, max: 65_535 });
  const authToken = read.raw('CONSOLE_AUTH_TOKEN');
  if (authToken !== undefined && authToken.length < 16)
    read.problems.push('CONSOLE_AUTH_TOKEN: use at least 16 characters (e.g. openssl rand -hex 32)');
  if (authToken === undefined && !isLoopbackHost(host))
    read.problems.push(
      `CONSOLE_AUTH_TOKEN: required when CONSOLE_HOST (${JSON.stringify(host)}) is not a loopback address: the console changes webhook subscriptions`,
    );
  const config: ConsoleConfig = {
    host,
    port,
    authToken,
    sources: Object.freeze(readSources(read)),
    refreshSeconds: read.integer('CONSOLE_REFRESH_SECONDS', 60, { min: 1, max: 86_400 }),
    okendoTimeoutMs: read.integer('CONSOLE_OKENDO_TIMEOUT_MS', 10_000, { min: 100, max: 120_000 }),
    logLevel: read.logLevel(),
    env,
  };
  read.finish();
  return Object.freeze(config);
}
