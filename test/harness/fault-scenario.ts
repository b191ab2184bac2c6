/**
 * One fault scenario end to end: its own Kafka and ClickHouse server (native processes it may kill), the
 * ingest and the sink(s) as processes, signed traffic from the generator, a fault injected mid-traffic and
 * healed, a drain, and a comparison of ClickHouse with the generator's ledger (warehouse-checks.ts).
 *
 * The ingest runs with its dedupe cache off, so every sender retry and duplicate reaches Kafka and the
 * warehouse's own deduplication is what the duplicates column measures.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadMigrations } from '@okendo/infra/clickhouse';
import {
  freePort,
  type LocalClickHouse,
  type LocalKafka,
  startClickHouseServer,
  startKafka,
  stopClickHouseServer,
  stopKafka,
} from '@okendo/infra/local';
import { ClickHouseServerWarehouse, qualifiedName } from '@okendo/sink';
import { DeliveryLedger } from '../traffic/delivery-ledger.js';
import { type PlannedDelivery, planDeliveries } from '../traffic/planned-deliveries.js';
import { runTraffic, TrafficGate } from '../traffic/traffic-generator.js';
import { repoRoot } from '../vitest.shared.js';
import { uniqueName } from './names.js';
import { plantDifferences } from './plant-differences.js';
import { type ServiceProcess, startService, stopService } from './service-process.js';
import { checkWarehouse, type DuplicateCounts, totalDuplicates } from './warehouse-checks.js';
import { newWebhookSecret } from './webhook-signer.js';

export interface ScenarioContext {
  kafka: LocalKafka;
  clickhouse: LocalClickHouse;
  ingest: ServiceProcess;
  sinks: ServiceProcess[];
  /** stops and restarts the sender (new deliveries and retries alike) */
  gate: TrafficGate;
  /** what the sender has done so far */
  ledger: DeliveryLedger;
  restartKafka(): Promise<void>;
  restartClickHouse(): Promise<void>;
  restartIngest(): Promise<void>;
  /** restarts sink `index` with the scenario's base env: a failpoint of the first start is not repeated */
  restartSink(index: number): Promise<void>;
  /** the ingest's GET /readyz status, or 'network' when it does not answer */
  ingestReadiness(): Promise<number | 'network'>;
  /** a gauge of sink `index`'s /metrics summed over its series (undefined before any is set) */
  sinkMetric(index: number, name: string): Promise<number | undefined>;
  /** the scenario's database on its ClickHouse server */
  warehouse: ClickHouseServerWarehouse;
  database: string;
  log(message: string): void;
}

export interface ScenarioDefinition {
  name: string;
  sinks?: number;
  /** injects the fault, then heals it; `heal` marks the moment recovery time counts from */
  fault(context: ScenarioContext, heal: () => void): Promise<void>;
  /** ms after the traffic starts */
  faultAfterMs?: number;
  /** extra env of sink `index`'s first start only (a failpoint); restarts run without it */
  firstSinkStartEnv?: (index: number) => Record<string, string>;
  /** deliveries planted among the planned traffic (e.g. a poison row), sent half-way through */
  extraDeliveries?: (prefix: string) => PlannedDelivery[];
  /** runs once every acknowledged message is accounted for; throws when a promise of the scenario is broken */
  afterDrain?(context: ScenarioContext): Promise<void>;
  /**
   * The self-test: the harness creates `events` as a plain MergeTree (same columns) before the sink migrates
   * (migrations are CREATE TABLE IF NOT EXISTS), so the warehouse cannot deduplicate and the report must show
   * it; after the drain it also plants a wrong column and an extra child row (plant-differences.ts).
   */
  withoutWarehouseDedupe?: boolean;
  /** the version of the scenario's own broker (default: the pinned one) */
  kafkaVersion?: string;
  /**
   * Brokers the test started and owns (a cluster, shared by its tests): the scenario starts no broker, and
   * ctx.kafka / ctx.restartKafka throw (the test kills and restarts nodes through its own handle).
   */
  externalKafka?: { brokers: string; label: string };
}

export interface ScenarioResult {
  scenario: string;
  /** set when the scenario threw or never finished: the report shows it as failed */
  error?: string;
  selfTest?: boolean;
  sent: number;
  acknowledged: number;
  /** acknowledged messages found in events (planted poison excluded) */
  stored: number;
  /** planted poison deliveries found in dead_letters (acknowledged, accounted for, not lost) */
  deadLettered: number;
  lost: number;
  duplicates: number;
  duplicateDetail: DuplicateCounts;
  wrongState: number;
  mismatches: string[];
  unacknowledged: number;
  answers: Record<string, number>;
  recoverySeconds: number;
  notes: string[];
}

const TRAFFIC_RATE = 60;
const ENTITIES = 150;
const DRAIN_TIMEOUT_MS = 120_000;
const resultsDir = join(repoRoot, 'output', 'reliability');

function resultFile(name: string): string {
  return join(resultsDir, `${name.replace(/\W+/g, '-')}.json`);
}

async function writeResult(result: Partial<ScenarioResult> & { scenario: string }): Promise<void> {
  await mkdir(resultsDir, { recursive: true });
  await writeFile(resultFile(result.scenario), `${JSON.stringify(result, null, 2)}\n`);
}

async function serviceLogs(dir: string): Promise<string> {
  const parts: string[] = [];
  for (const name of ['ingest.log', 'sink-0.log', 'sink-1.log']) {
    const text = await readFile(join(dir, name), 'utf8').catch(() => '');
    if (text) parts.push(`--- ${name} (tail) ---\n${text.split('\n').slice(-15).join('\n')}`);
  }
  return parts.join('\n');
}

/** The event log's DDL with a plain MergeTree engine: same columns, no deduplication. */
async function createEventsWithoutDedupe(warehouse: ClickHouseServerWarehouse, database: string) {
  const statement = (await loadMigrations())
    .flatMap((m) => m.statements)
    .find((s) => /CREATE TABLE IF NOT EXISTS \{database\}\.events \(/.test(s));
  if (statement === undefined || !statement.includes('ReplacingMergeTree()'))
    throw new Error('the events migration changed: the self-test cannot plant its MergeTree');
  await warehouse.command(`CREATE DATABASE IF NOT EXISTS ${database}`);
  await warehouse.command(
    statement.replaceAll('{database}', database).replace('ReplacingMergeTree()', 'MergeTree()'),
  );
}

async function tableEngine(warehouse: ClickHouseServerWarehouse, database: string, table: string) {
  const [row] = await warehouse.query<{ engine: string }>(
    `SELECT engine FROM system.tables WHERE database = '${database}' AND name = '${table}'`,
  );
  return row?.engine;
}

async function distinctIds(warehouse: ClickHouseServerWarehouse, sql: string): Promise<Set<string>> {
  return new Set((await warehouse.query<{ message_id: string }>(sql)).map((r) => r.message_id));
}

/** Sums a Prometheus gauge over its series; undefined when no series is exposed yet. */
function sumGauge(metrics: string, name: string): number | undefined {
  const values = metrics
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
    .map((line) => Number(line.slice(line.lastIndexOf(' ') + 1)));
  return values.length === 0 ? undefined : values.reduce((a, b) => a + b, 0);
}

export async function runScenario(definition: ScenarioDefinition): Promise<ScenarioResult> {
  // Written first, so a scenario that hangs past its test timeout still shows in the report as failed.
  await writeResult({
    scenario: definition.name,
    selfTest: definition.withoutWarehouseDedupe === true,
    error: 'did not finish (test timeout or crash)',
  });
  try {
    return await run(definition);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    await writeResult({
      scenario: definition.name,
      selfTest: definition.withoutWarehouseDedupe === true,
      error: message.split('\n')[0] ?? message,
    });
    throw error;
  }
}

async function run(definition: ScenarioDefinition): Promise<ScenarioResult> {
  const dir = await mkdtemp(join(tmpdir(), 'okendo-fault-'));
  const prefix = uniqueName('f').replaceAll('_', '-');
  const database = uniqueName('okendo_fault');
  const secret = newWebhookSecret();
  const phases: Record<string, number> = {};
  let phaseStart = Date.now();
  const phase = (name: string) => {
    phases[name] = Math.round((Date.now() - phaseStart) / 100) / 10;
    phaseStart = Date.now();
  };
  // Both at once (the broker's JVM is the slow one); if one fails, the other is stopped before rethrowing.
  const external = definition.externalKafka;
  const [startedKafka, startedClickHouse] = await Promise.allSettled([
    external === undefined
      ? startKafka(definition.kafkaVersion === undefined ? {} : { version: definition.kafkaVersion })
      : Promise.resolve(undefined),
    startClickHouseServer(),
  ]);
  if (startedKafka.status === 'rejected' || startedClickHouse.status === 'rejected') {
    if (startedKafka.status === 'fulfilled' && startedKafka.value !== undefined)
      await stopKafka(startedKafka.value, { kill: true });
    if (startedClickHouse.status === 'fulfilled')
      await stopClickHouseServer(startedClickHouse.value, { kill: true });
    throw startedKafka.status === 'rejected'
      ? startedKafka.reason
      : (startedClickHouse as PromiseRejectedResult).reason;
  }
  let kafka = startedKafka.value;
  let clickhouse = startedClickHouse.value;
  const ownKafka = (): LocalKafka => {
    if (kafka === undefined)
      throw new Error(`${definition.name} runs on ${external?.label}, not its own broker`);
    return kafka;
  };
  phase('infra');
  const warehouse = new ClickHouseServerWarehouse({ url: clickhouse.url });
  const ingestPort = await freePort();
  const sinkPorts = await Promise.all(Array.from({ length: definition.sinks ?? 1 }, () => freePort()));
  // The services inherit this process's env: settings meant for an explicitly provided (e.g. Docker or managed)
  // broker or server must not reach the scenario's own native ones. Empty means unset to the services.
  const ownInfra = {
    KAFKA_SSL: '',
    KAFKA_SSL_CA_FILE: '',
    KAFKA_SASL_MECHANISM: '',
    KAFKA_SASL_USERNAME: '',
    KAFKA_SASL_PASSWORD: '',
    KAFKA_REPLICATION_FACTOR: '',
    KAFKA_MIN_INSYNC_REPLICAS: '',
  };
  const common = {
    ...ownInfra,
    KAFKA_BROKERS: external?.brokers ?? ownKafka().brokers,
    KAFKA_TOPIC_PREFIX: `${prefix}.`,
    LOG_LEVEL: process.env['FAULT_LOG_LEVEL'] ?? 'warn',
  };
  const sinkEnv = (i: number) => ({
    ...common,
    CLICKHOUSE_URL: clickhouse.url,
    CLICKHOUSE_USER: 'default',
    CLICKHOUSE_PASSWORD: '',
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
    // Sender retries and duplicates must reach the warehouse: its dedupe is what is under test.
    INGEST_DEDUPE_WINDOW_SECONDS: '0',
  };
  const startSink = (i: number, extra: Record<string, string> = {}) =>
    startService(
      'sink',
      { ...sinkEnv(i), ...extra },
      { port: sinkPorts[i] ?? 0, logFile: join(dir, `sink-${i}.log`), name: `sink-${i}` },
    );
  const startIngest = () =>
    startService('ingest', ingestEnv, { port: ingestPort, logFile: join(dir, 'ingest.log') });

  // Which Kafka it ran on, in the report's detail column.
  const notes: string[] = [external?.label ?? `Kafka ${ownKafka().version}`];
  const ledger = new DeliveryLedger();
  const gate = new TrafficGate();
  const services: ServiceProcess[] = [];
  let keepLogs = false;
  try {
    if (definition.withoutWarehouseDedupe) await createEventsWithoutDedupe(warehouse, database);
    // The ingest and the first sink start together (topic creation is idempotent under a race); further sinks
    // start once the first has migrated: two sinks migrating at once can collide on an ALTER (migration 007).
    const first = await Promise.allSettled([startIngest(), startSink(0, definition.firstSinkStartEnv?.(0))]);
    for (const s of first) if (s.status === 'fulfilled') services.push(s.value);
    const failed = first.find((s) => s.status === 'rejected');
    if (failed !== undefined) throw (failed as PromiseRejectedResult).reason;
    for (let i = 1; i < sinkPorts.length; i++)
      services.push(await startSink(i, definition.firstSinkStartEnv?.(i)));
    const [ingest, ...sinks] = services as [ServiceProcess, ...ServiceProcess[]];
    phase('services');
    const context: ScenarioContext = {
      get kafka() {
        return ownKafka();
      },
      clickhouse,
      ingest,
      sinks,
      gate,
      ledger,
      restartKafka: async () => {
        kafka = await startKafka({ reuse: ownKafka() });
      },
      restartClickHouse: async () => {
        clickhouse = await startClickHouseServer({ reuse: clickhouse });
        context.clickhouse = clickhouse;
      },
      restartIngest: async () => {
        context.ingest = await startIngest();
        services.push(context.ingest);
      },
      restartSink: async (i) => {
        const sink = await startSink(i);
        context.sinks[i] = sink;
        services.push(sink);
      },
      ingestReadiness: async () => {
        try {
          const response = await fetch(`http://127.0.0.1:${ingestPort}/readyz`);
          await response.arrayBuffer();
          return response.status;
        } catch {
          return 'network';
        }
      },
      sinkMetric: async (i, name) => {
        const response = await fetch(`http://127.0.0.1:${sinkPorts[i]}/metrics`);
        return sumGauge(await response.text(), name);
      },
      warehouse,
      database,
      log: (message) => notes.push(message),
    };

    const deliveries = planDeliveries({
      prefix,
      entities: ENTITIES,
      maxVersionsPerEntity: 5,
      deleteRatio: 0.15,
      seed: 7,
    });
    const planted = definition.extraDeliveries?.(prefix) ?? [];
    deliveries.splice(Math.floor(deliveries.length / 2), 0, ...planted);
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
      ledger,
      gate,
    });
    await sleep(definition.faultAfterMs ?? 3_000);
    await definition.fault(context, () => {
      healedAt = Date.now();
    });
    healedAt ||= Date.now();
    gate.resume();
    await traffic;
    phase('traffic and fault');

    // Drain: until every acknowledged message is in the event log, or in dead_letters when it was planted
    // there (or the time is up).
    const storable = ledger.storable();
    const toDeadLetter = ledger.expectedDeadLetters();
    let storedIds = new Set<string>();
    let deadLetterIds = new Set<string>();
    const missing = () =>
      storable.filter((d) => !storedIds.has(d.messageId)).length +
      toDeadLetter.filter((d) => !deadLetterIds.has(d.messageId)).length;
    const deadline = Date.now() + DRAIN_TIMEOUT_MS;
    while (Date.now() < deadline) {
      try {
        storedIds = await distinctIds(
          warehouse,
          `SELECT DISTINCT message_id FROM ${qualifiedName(database, 'events')} WHERE message_id LIKE 'msg_${prefix}-%'`,
        );
        if (toDeadLetter.length > 0)
          deadLetterIds = await distinctIds(
            warehouse,
            `SELECT DISTINCT message_id FROM ${qualifiedName(database, 'dead_letters')}`,
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
    phase('drain');
    await definition.afterDrain?.(context);

    if (definition.withoutWarehouseDedupe) {
      const engine = await tableEngine(warehouse, database, 'events');
      if (engine !== 'MergeTree')
        throw new Error(`self-test: events is ${engine}, not the planted MergeTree`);
      notes.push('events was a plain MergeTree (warehouse dedupe off)');
      const planted = await plantDifferences(warehouse, database, ledger.expectedState());
      notes.push(`planted: another title on ${planted.retitled}, an extra tag on ${planted.extraTag}`);
    }
    const check = await checkWarehouse(warehouse, database, ledger.expectedState());
    phase('checks');
    notes.push(
      `seconds: ${Object.entries(phases)
        .map(([name, seconds]) => `${name} ${seconds}`)
        .join(', ')}`,
    );
    notes.push(
      `view groups compared: ${Object.entries(check.viewGroups)
        .map(([view, n]) => `${view} ${n}`)
        .join(', ')}`,
    );
    const result: ScenarioResult = {
      scenario: definition.name,
      selfTest: definition.withoutWarehouseDedupe === true,
      sent: ledger.attempts,
      acknowledged: ledger.acknowledged.size,
      stored: storable.filter((d) => storedIds.has(d.messageId)).length,
      deadLettered: toDeadLetter.filter((d) => deadLetterIds.has(d.messageId)).length,
      lost,
      duplicates: totalDuplicates(check.duplicates),
      duplicateDetail: check.duplicates,
      wrongState: check.wrongState,
      mismatches: check.mismatches,
      unacknowledged: ledger.unacknowledged.size,
      answers: Object.fromEntries(ledger.answers),
      recoverySeconds,
      notes,
    };
    await writeResult(result);
    const broken = lost > 0 || result.duplicates > 0 || result.wrongState > 0 || result.unacknowledged > 0;
    if (broken && !result.selfTest) {
      keepLogs = true;
      console.error(
        `${definition.name}: ${JSON.stringify(result)}\nlogs kept in ${dir}\n${await serviceLogs(dir)}`,
      );
    }
    return result;
  } catch (error) {
    keepLogs = true;
    console.error(`${definition.name} threw; logs kept in ${dir}\n${await serviceLogs(dir)}`);
    throw error;
  } finally {
    gate.resume();
    await warehouse.close();
    // Everything was checked: nothing of this scenario needs a graceful stop, and SIGKILL saves the grace periods.
    await Promise.all(services.map((s) => stopService(s, 'SIGKILL')));
    if (kafka !== undefined) await stopKafka(kafka, { kill: true });
    await stopClickHouseServer(clickhouse, { kill: true });
    if (!keepLogs) await rm(dir, { recursive: true, force: true });
  }
}
