/**
 * One fault scenario end to end: its own Kafka and ClickHouse server (native processes it may kill), the
 * ingest and the sink(s) as processes, signed traffic from the generator, a fault injected mid-traffic and
 * healed, a drain, and a comparison of ClickHouse with the generator's ledger.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  freePort,
  type LocalClickHouse,
  type LocalKafka,
  startClickHouseServer,
  startKafka,
  stopClickHouseServer,
  stopKafka,
} from '@okendo/infra/local';
import { ClickHouseServerWarehouse } from '@okendo/sink';
import type { DeliveryLedger } from '../traffic/delivery-ledger.js';
import { planDeliveries } from '../traffic/planned-deliveries.js';
import { runTraffic } from '../traffic/traffic-generator.js';
import { repoRoot } from '../vitest.shared.js';
import { uniqueName } from './names.js';
import { type ServiceProcess, startService, stopService } from './service-process.js';
import { newWebhookSecret } from './webhook-signer.js';

export interface ScenarioContext {
  kafka: LocalKafka;
  clickhouse: LocalClickHouse;
  ingest: ServiceProcess;
  sinks: ServiceProcess[];
  restartKafka(): Promise<void>;
  restartClickHouse(): Promise<void>;
  restartIngest(): Promise<void>;
  restartSink(index: number): Promise<void>;
  log(message: string): void;
}

export interface ScenarioDefinition {
  name: string;
  sinks?: number;
  /** injects the fault, then heals it; `heal` marks the moment recovery time counts from */
  fault(context: ScenarioContext, heal: () => void): Promise<void>;
  /** ms after the traffic starts */
  faultAfterMs?: number;
}

export interface ScenarioResult {
  scenario: string;
  sent: number;
  acknowledged: number;
  stored: number;
  lost: number;
  duplicates: number;
  wrongState: number;
  unacknowledged: number;
  answers: Record<string, number>;
  recoverySeconds: number;
}

const TRAFFIC_RATE = 60;

async function serviceLogs(dir: string): Promise<string> {
  const parts: string[] = [];
  for (const name of ['ingest.log', 'sink-0.log', 'sink-1.log']) {
    const text = await readFile(join(dir, name), 'utf8').catch(() => '');
    if (text) parts.push(`--- ${name} (tail) ---\n${text.split('\n').slice(-15).join('\n')}`);
  }
  return parts.join('\n');
}

export async function runScenario(definition: ScenarioDefinition): Promise<ScenarioResult> {
  const dir = await mkdtemp(join(tmpdir(), 'okendo-fault-'));
  const prefix = uniqueName('f').replaceAll('_', '-');
  const database = uniqueName('okendo_fault');
  const secret = newWebhookSecret();
  let kafka = await startKafka();
  let clickhouse = await startClickHouseServer();
  const ingestPort = await freePort();
  const sinkPorts = await Promise.all(Array.from({ length: definition.sinks ?? 1 }, () => freePort()));
  const common = {
    KAFKA_BROKERS: kafka.brokers,
    KAFKA_TOPIC_PREFIX: `${prefix}.`,
    LOG_LEVEL: process.env['FAULT_LOG_LEVEL'] ?? 'warn',
  };
  const sinkEnv = (i: number) => ({
    ...common,
    CLICKHOUSE_URL: clickhouse.url,
    CLICKHOUSE_DATABASE: database,
    SINK_GROUP_ID: `${prefix}-sink`,
    SINK_PORT: String(sinkPorts[i]),
    SINK_MAX_WAIT_MS: '100',
    SINK_RETRY_MAX_BACKOFF_MS: '1000',
    SINK_SESSION_TIMEOUT_MS: '8000',
  });
  const ingestEnv = {
    ...common,
    OKENDO_WEBHOOK_SECRETS: secret,
    INGEST_PORT: String(ingestPort),
    INGEST_PUBLISH_TIMEOUT_MS: '3000',
  };
  const startSink = (i: number) =>
    startService('sink', sinkEnv(i), {
      port: sinkPorts[i] ?? 0,
      logFile: join(dir, `sink-${i}.log`),
      name: `sink-${i}`,
    });
  const startIngest = () =>
    startService('ingest', ingestEnv, { port: ingestPort, logFile: join(dir, 'ingest.log') });

  const notes: string[] = [];
  const context: ScenarioContext = {
    kafka,
    clickhouse,
    ingest: await startIngest(),
    sinks: [],
    restartKafka: async () => {
      kafka = await startKafka({ reuse: kafka });
      context.kafka = kafka;
    },
    restartClickHouse: async () => {
      clickhouse = await startClickHouseServer({ reuse: clickhouse });
      context.clickhouse = clickhouse;
    },
    restartIngest: async () => {
      context.ingest = await startIngest();
    },
    restartSink: async (i) => {
      context.sinks[i] = await startSink(i);
    },
    log: (message) => notes.push(message),
  };
  for (let i = 0; i < sinkPorts.length; i++) context.sinks.push(await startSink(i));

  const warehouse = new ClickHouseServerWarehouse({ url: clickhouse.url });
  let keepLogs = false;
  try {
    const deliveries = planDeliveries({
      prefix,
      entities: 150,
      maxVersionsPerEntity: 5,
      deleteRatio: 0.15,
      seed: 7,
    });
    let healedAt = 0;
    const traffic = runTraffic({
      url: `http://127.0.0.1:${ingestPort}/webhooks/okendo`,
      secret,
      deliveries,
      ratePerSecond: TRAFFIC_RATE,
      outOfOrderWindow: 25,
      duplicateRatio: 0.05,
      requestTimeoutMs: 10_000,
      seed: 11,
    });
    await sleep(definition.faultAfterMs ?? 3_000);
    await definition.fault(context, () => {
      healedAt = Date.now();
    });
    healedAt ||= Date.now();
    const ledger: DeliveryLedger = await traffic;

    // Drain: until every acknowledged message id is in the event log (or the time is up).
    const acked = ledger.acknowledged.size;
    let storedIds = new Set<string>();
    const missing = () => [...ledger.acknowledged.keys()].filter((id) => !storedIds.has(id)).length;
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline) {
      try {
        storedIds = new Set(
          (
            await warehouse.query<{ message_id: string }>(
              `SELECT DISTINCT message_id FROM ${database}.events WHERE message_id LIKE 'msg_${prefix}-%'`,
            )
          ).map((r) => r.message_id),
        );
        if (missing() === 0) break;
      } catch {
        // the database may not exist yet, or ClickHouse is still coming back
      }
      await sleep(250);
    }
    const recoverySeconds = Math.round((Date.now() - healedAt) / 100) / 10;
    // The event log is written last in each flush: once every event is there, so is its state. A last pass
    // lets redelivered (not-acknowledged-but-stored) versions settle too.
    await sleep(1_000);

    const lost = missing();

    let duplicates = 0;
    let wrongState = 0;
    const expected = ledger.expectedState();
    for (const table of new Set(expected.map((e) => e.table))) {
      const idColumn = expected.find((e) => e.table === table)?.idColumn ?? '';
      const rows = await warehouse.query<{ id: string; sequence_number: string }>(
        `SELECT ${idColumn} AS id, sequence_number FROM ${database}.${table}_current WHERE ${idColumn} LIKE '${prefix}-%'`,
      );
      const seen = new Map<string, string>();
      for (const row of rows) {
        if (seen.has(row.id)) duplicates++;
        seen.set(row.id, row.sequence_number);
      }
      for (const entity of expected.filter((e) => e.table === table)) {
        const actual = seen.get(entity.entityId);
        const ok = entity.deleted ? actual === undefined : actual === entity.sequenceNumber.toString();
        if (!ok) wrongState++;
      }
    }
    const result: ScenarioResult = {
      scenario: definition.name,
      sent: ledger.attempts,
      acknowledged: acked,
      stored: storedIds.size,
      lost,
      duplicates,
      wrongState,
      unacknowledged: ledger.unacknowledged.size,
      answers: Object.fromEntries(ledger.answers),
      recoverySeconds,
    };
    await mkdir(join(repoRoot, 'output', 'reliability'), { recursive: true });
    await writeFile(
      join(repoRoot, 'output', 'reliability', `${definition.name.replace(/\W+/g, '-')}.json`),
      `${JSON.stringify({ ...result, notes }, null, 2)}\n`,
    );
    if (lost > 0 || duplicates > 0 || wrongState > 0 || result.unacknowledged > 0) {
      keepLogs = true;
      console.error(
        `${definition.name}: ${JSON.stringify(result)}\nlogs kept in ${dir}\n${await serviceLogs(dir)}`,
      );
    }
    return result;
  } finally {
    await warehouse.close();
    await Promise.all([context.ingest, ...context.sinks].map((s) => stopService(s, 'SIGTERM')));
    await stopKafka(kafka, { graceMs: 10_000 });
    await stopClickHouseServer(clickhouse);
    if (!keepLogs) await rm(dir, { recursive: true, force: true });
  }
}
