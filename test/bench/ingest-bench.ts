/**
 * Ingest throughput: the bare Fastify ceiling and the full ingest with a real broker, back to back, same
 * payload mix, connections and duration; req/s, p50/p99 latency, peak RSS, the ratio full/bare, and CPU time per
 * 1,000 requests of the process under test and of the broker (what sizing a deployment needs).
 */
import { FIXTURES } from '@okendo/schemas';
import autocannon from 'autocannon';
import { newWebhookSecret, signedHeaders } from '../harness/webhook-signer.js';
import { cpuMeter, cpuMsPerThousand, rssSampler, spawnCompiled, stopChild, waitForLine } from './measure.js';

export interface IngestFigures {
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  peakRssMb: number;
  /** the process's own user + system CPU per 1,000 requests answered during the measured load */
  cpuMsPer1kRequests: number;
  /** the Kafka broker's CPU per 1,000 requests over the same load (the bare handler publishes nothing) */
  brokerCpuMsPer1kRequests: number;
}

async function load(
  url: string,
  secret: string,
  connections: number,
  duration: number,
): Promise<autocannon.Result> {
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
          const body = FIXTURES[n++ % FIXTURES.length]?.body ?? '{}';
          return { ...request, headers: signedHeaders(secret, body), body };
        },
      },
    ],
  });
}

export async function benchIngest(
  brokers: string,
  options: {
    connections: number;
    durationSeconds: number;
    brokerPid: number;
    /** Another build of the ingest to measure (A/B runs of a change); default the compiled one. */
    ingestEntry?: string;
    /** Extra node flags for the ingest process, e.g. V8 heap flags under evaluation (passed in NODE_OPTIONS). */
    ingestNodeFlags?: string[];
    /** Extra environment of the ingest process (e.g. LOG_LEVEL=warn, to see what the request log line costs). */
    ingestEnv?: NodeJS.ProcessEnv;
  },
): Promise<{ bare: IngestFigures; full: IngestFigures; ratio: number }> {
  const secret = newWebhookSecret();
  const targets = {
    bare: ['test/dist/bench/ingest-target.js', ['bare'], []],
    full: [options.ingestEntry ?? 'services/ingest/dist/server.js', [], options.ingestNodeFlags ?? []],
  } as const;
  const figures: Record<string, IngestFigures> = {};
  for (const mode of ['bare', 'full'] as const) {
    const [entry, args, nodeFlags] = targets[mode];
    const child = spawnCompiled(entry, [...args], {
      KAFKA_BROKERS: brokers,
      OKENDO_WEBHOOK_SECRETS: secret,
      KAFKA_TOPIC_PREFIX: `bench_${Date.now()}.`,
      INGEST_HOST: '127.0.0.1',
      INGEST_PORT: '0',
      // No LOG_LEVEL: the shipped default (info, one JSON line per request) is part of what is measured.
      // Only the ingest's own flags (V8 options allowed in NODE_OPTIONS), never the bench's.
      ...(nodeFlags.length > 0 ? { NODE_OPTIONS: nodeFlags.join(' ') } : {}),
      ...(mode === 'full' ? options.ingestEnv : {}),
    });
    const url = await waitForLine(child, /(?:^listening |"url":")(http:\/\/[\d.]+:\d+)/, `${mode} ingest`);
    const rss = rssSampler(child.pid ?? 0);
    await load(url, secret, options.connections, 3); // warm-up, discarded: JIT, connections, producer metadata
    const cpu = await cpuMeter(child.pid ?? 0);
    const brokerCpu = await cpuMeter(options.brokerPid);
    const result = await load(url, secret, options.connections, options.durationSeconds);
    const answered = result.requests.total;
    figures[mode] = {
      reqPerSec: Math.round(result.requests.average),
      p50Ms: result.latency.p50,
      p99Ms: result.latency.p99,
      non2xx: result.non2xx,
      peakRssMb: rss.peakMb(),
      cpuMsPer1kRequests: cpuMsPerThousand(await cpu.stop(), answered),
      brokerCpuMsPer1kRequests: cpuMsPerThousand(await brokerCpu.stop(), answered),
    };
    rss.stop();
    await stopChild(child);
  }
  const bare = figures['bare'] as IngestFigures;
  const full = figures['full'] as IngestFigures;
  return { bare, full, ratio: Math.round((full.reqPerSec / bare.reqPerSec) * 100) / 100 };
}
