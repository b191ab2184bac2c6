/**
 * Ingest throughput: the bare Fastify ceiling and the full ingest with a real broker, back to back, same
 * payload mix, connections and duration. Prints req/s, p50/p99 latency, peak RSS and the ratio full/bare.
 *   npx tsx test/bench/ingest-bench.ts [--duration 10] [--connections 50]
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { type LocalKafka, startKafka, stopKafka } from '@okendo/infra/local';
import { FIXTURES } from '@okendo/schemas';
import autocannon from 'autocannon';
import { newWebhookSecret, signedHeaders } from '../harness/webhook-signer.js';

const { values } = parseArgs({
  options: { duration: { type: 'string', default: '10' }, connections: { type: 'string', default: '50' } },
});
const duration = Number(values.duration);
const connections = Number(values.connections);
const secret = newWebhookSecret();

interface Target {
  child: ChildProcess;
  url: string;
  peakRssMb: () => number;
}

async function startTarget(mode: 'bare' | 'full', env: NodeJS.ProcessEnv): Promise<Target> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--conditions=source', 'test/bench/ingest-target.ts', mode],
    {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${mode} target exited with ${code}`)));
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      if (line.startsWith('listening ')) resolve(line.slice('listening '.length));
    });
  });
  let peak = 0;
  const sampler = setInterval(async () => {
    const status = await readFile(`/proc/${child.pid}/status`, 'utf8').catch(() => '');
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    peak = Math.max(peak, kb / 1024);
  }, 200);
  child.once('exit', () => clearInterval(sampler));
  return { child, url, peakRssMb: () => Math.round(peak) };
}

async function load(url: string): Promise<autocannon.Result> {
  let n = 0;
  return autocannon({
    url: `${url}/webhooks/okendo`,
    connections,
    duration,
    requests: [
      {
        method: 'POST',
        // Every request is a new, correctly signed message: no dedupe shortcut.
        setupRequest: (request) => {
          const fixture = FIXTURES[n % FIXTURES.length];
          n++;
          const body = fixture?.body ?? '{}';
          return { ...request, headers: signedHeaders(secret, body), body };
        },
      },
    ],
  });
}

async function stop(target: Target): Promise<void> {
  target.child.kill('SIGTERM');
  await new Promise((resolve) => target.child.once('exit', resolve));
}

// A broker from KAFKA_BROKERS, or a native one started (and stopped) here.
const kafka: LocalKafka | undefined = process.env['KAFKA_BROKERS'] ? undefined : await startKafka();
const brokers = process.env['KAFKA_BROKERS'] ?? kafka?.brokers ?? '';
try {
  const results: Record<
    string,
    { reqPerSec: number; p50Ms: number; p99Ms: number; non2xx: number; peakRssMb: number }
  > = {};
  for (const mode of ['bare', 'full'] as const) {
    const target = await startTarget(mode, {
      KAFKA_BROKERS: brokers,
      OKENDO_WEBHOOK_SECRETS: secret,
      KAFKA_TOPIC_PREFIX: `bench_${Date.now()}.`,
    });
    await load(target.url); // warm-up run, discarded: JIT, connections, producer metadata
    const result = await load(target.url);
    results[mode] = {
      reqPerSec: Math.round(result.requests.average),
      p50Ms: result.latency.p50,
      p99Ms: result.latency.p99,
      non2xx: result.non2xx,
      peakRssMb: target.peakRssMb(),
    };
    await stop(target);
  }
  const ratio = (results['full']?.reqPerSec ?? 0) / (results['bare']?.reqPerSec ?? 1);
  console.table(results);
  console.log(
    `ratio full/bare: ${ratio.toFixed(2)} (goal >= 0.6); ${connections} connections, ${duration} s per run`,
  );
  const report = {
    machine: { cores: cpus().length, cpu: cpus()[0]?.model },
    kafka: kafka?.version ?? 'external',
    connections,
    durationSeconds: duration,
    results,
    ratio,
  };
  await mkdir('output/bench', { recursive: true });
  await writeFile('output/bench/ingest.json', `${JSON.stringify(report, null, 2)}\n`);
} finally {
  if (kafka) await stopKafka(kafka);
}
