/**
 * `npm start`: the whole pipeline on this machine. Reuses the Kafka of `npm run infra:up` (or KAFKA_BROKERS)
 * or starts one; uses embedded chDB unless CLICKHOUSE_URL is set; starts the sink (which migrates) and the
 * ingest and the console as child processes; prints where to send webhooks, how to query and the console's URL.
 * Ctrl-C stops what it started.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  DEFAULT_WEBHOOK_SOURCES_FILE,
  readWebhookSourcesFile,
  secretLabel,
  writeWebhookSourcesFile,
} from '@okendo/common';
import { localAsset } from './commands.js';
import { type LocalKafka, startKafka, stopKafka } from './kafka.js';
import { isAlive, waitUntil } from './processes.js';
import { readState } from './state.js';

const repoRoot = join(localAsset(), '..', '..');
const localDir = join(repoRoot, '.local');

async function devSecret(): Promise<string> {
  const file = join(localDir, 'dev-webhook-secret');
  if (existsSync(file)) return (await readFile(file, 'utf8')).trim();
  const secret = `whsec_${randomBytes(24).toString('base64')}`;
  await mkdir(localDir, { recursive: true });
  await writeFile(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}

/**
 * How the ingest gets its secrets: OKENDO_WEBHOOK_SECRETS when set; otherwise the secrets file that
 * `okendo-pipeline subscriptions create` writes (OKENDO_WEBHOOK_SOURCES_FILE, else .local/webhook-sources.json),
 * with the dev secret added under the default source (label `dev`). The ingest re-reads that file on change,
 * so a subscription created while this runs is accepted without a restart.
 */
async function ingestSecrets(): Promise<{ env: NodeJS.ProcessEnv; secret: string; where: string }> {
  const fromEnv = process.env['OKENDO_WEBHOOK_SECRETS']?.trim();
  if (fromEnv)
    return { env: { OKENDO_WEBHOOK_SECRETS: fromEnv }, secret: fromEnv, where: 'OKENDO_WEBHOOK_SECRETS' };
  const secret = await devSecret();
  const path = resolve(
    repoRoot,
    process.env['OKENDO_WEBHOOK_SOURCES_FILE']?.trim() || DEFAULT_WEBHOOK_SOURCES_FILE,
  );
  const sources = await readWebhookSourcesFile(path);
  const defaults = sources['default'] ?? [];
  if (!defaults.some((entry) => entry.secret === secret)) {
    const label = defaults.some((entry, i) => secretLabel(entry, i) === 'dev') ? `dev@${Date.now()}` : 'dev';
    sources['default'] = [...defaults, { secret, label }];
    await writeWebhookSourcesFile(path, sources);
  }
  return {
    env: { OKENDO_WEBHOOK_SOURCES_FILE: path },
    secret,
    where: `.local/dev-webhook-secret; the ingest reads ${path}`,
  };
}

async function kafkaBrokers(): Promise<{ brokers: string; owned?: LocalKafka }> {
  const fromEnv = process.env['KAFKA_BROKERS']?.trim();
  if (fromEnv) return { brokers: fromEnv };
  const state = await readState();
  if (state.kafka && isAlive(state.kafka.pid)) return { brokers: state.kafka.brokers };
  const owned = await startKafka();
  return { brokers: owned.brokers, owned };
}

function startService(name: string, entry: string, env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=source', entry], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  child.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(`${name} exited (${signal ?? code}); stopping the pipeline`);
      void stopAll(1);
    }
  });
  return child;
}

/** Waits for a service's /healthz; a Ctrl-C meanwhile ends the wait quietly (stopAll takes over). */
async function waitForHttp(url: string, timeoutMs: number): Promise<void> {
  await waitUntil(url, async () => (await fetch(url)).ok, {
    timeoutMs,
    intervalMs: 200,
    abortIf: () => (stopping ? 'stopping' : undefined),
  }).catch((error: unknown) => {
    if (!stopping) throw error;
  });
}

let stopping = false;
const children: ChildProcess[] = [];
let ownedKafka: LocalKafka | undefined;

async function stopAll(exitCode: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  const exits = children
    .filter((child) => child.exitCode === null && child.signalCode === null)
    .map((child) => new Promise((resolve) => child.once('exit', resolve)));
  // Ingest first (stop accepting), then the sink (finish its flush).
  for (const child of [...children].reverse()) child.kill('SIGTERM');
  await Promise.race([Promise.all(exits), sleep(20_000)]);
  if (ownedKafka) await stopKafka(ownedKafka);
  process.exit(exitCode);
}

process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));

try {
  const { brokers, owned } = await kafkaBrokers();
  ownedKafka = owned;
  const secrets = await ingestSecrets();
  const ingestPort = process.env['INGEST_PORT'] ?? '8080';
  const sinkPort = process.env['SINK_PORT'] ?? '9100';
  const database = process.env['CLICKHOUSE_DATABASE'] ?? 'okendo';
  const chdbDir = process.env['CHDB_DATA_DIR'] ?? join(localDir, 'chdb');
  const common = { KAFKA_BROKERS: brokers, CHDB_DATA_DIR: chdbDir, CLICKHOUSE_DATABASE: database };
  children.push(startService('sink', 'services/sink/src/server.ts', { ...common, SINK_PORT: sinkPort }));
  await waitForHttp(`http://127.0.0.1:${sinkPort}/healthz`, 120_000);
  children.push(
    startService('ingest', 'services/ingest/src/server.ts', {
      ...common,
      ...secrets.env,
      INGEST_PORT: ingestPort,
      LOG_LEVEL: process.env['LOG_LEVEL'] ?? 'warn',
    }),
  );
  await waitForHttp(`http://127.0.0.1:${ingestPort}/healthz`, 60_000);
  const consolePort = process.env['CONSOLE_PORT'] ?? '9200';
  children.push(
    startService('console', 'services/console/src/server.ts', {
      ...common,
      ...secrets.env,
      INGEST_PORT: ingestPort,
      SINK_PORT: sinkPort,
      CONSOLE_PORT: consolePort,
      LOG_LEVEL: process.env['LOG_LEVEL'] ?? 'warn',
    }),
  );
  await waitForHttp(`http://127.0.0.1:${consolePort}/healthz`, 60_000);
  const warehouse = process.env['CLICKHOUSE_URL']
    ? `ClickHouse server ${process.env['CLICKHOUSE_URL']}`
    : `chDB in ${chdbDir}`;
  // A service that died during start-up is already stopping everything: no "running" banner then.
  if (!stopping)
    console.log(`
okendo-pipeline is running
  webhook URL  http://127.0.0.1:${ingestPort}/webhooks/okendo
  secret       ${secrets.secret}   (sign deliveries with it; from ${secrets.where})
  Kafka        ${brokers}${owned ? ' (started here)' : ''}
  warehouse    ${warehouse}, database ${database}
  query        npm run sql -- "SELECT count() FROM ${database}.reviews_current"
  metrics      http://127.0.0.1:${ingestPort}/metrics  http://127.0.0.1:${sinkPort}/metrics
  console      http://127.0.0.1:${consolePort}/
  operate      npx okendo-pipeline send-test review   (and --help: subscriptions, trace, replay, lag, ...)
Ctrl-C stops everything started here.
`);
} catch (error) {
  console.error(`could not start the pipeline: ${(error as Error).message}`);
  await stopAll(1);
}
