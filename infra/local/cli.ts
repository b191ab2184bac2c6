/**
 * Local infrastructure for development: `up` starts a Kafka broker and a ClickHouse server as background
 * processes on free loopback ports and prints how to reach them; `down` stops them; `status` shows them;
 * `provision` fetches what a first start needs (the jars of every verified Kafka version) and prints the engine
 * versions.
 */
import { chdbEngineVersion } from './chdb.js';
import { startClickHouseServer, stopClickHouseServer } from './clickhouse-server.js';
import { findExecutable } from './commands.js';
import { resolveKafkaClasspath, startKafka, stopKafka } from './kafka.js';
import { isAlive } from './processes.js';
import { type InfraState, readState, stateFile, writeState } from './state.js';
import { kafkaVersion, VERIFIED_KAFKA_VERSIONS } from './versions.js';

function printSettings(state: InfraState): void {
  if (state.kafka) console.log(`KAFKA_BROKERS=${state.kafka.brokers}`);
  if (state.clickhouse) console.log(`CLICKHOUSE_URL=${state.clickhouse.url}`);
}

async function up(): Promise<void> {
  const state = await readState();
  if (state.kafka && !isAlive(state.kafka.pid)) delete state.kafka;
  if (state.clickhouse && !isAlive(state.clickhouse.pid)) delete state.clickhouse;
  if (!state.kafka) {
    state.kafka = await startKafka({ detached: true });
    console.error(
      `started Kafka ${state.kafka.version} in ${state.kafka.startupMs} ms (pid ${state.kafka.pid})`,
    );
    await writeState(state);
  } else {
    console.error(`Kafka already running (pid ${state.kafka.pid})`);
  }
  if (!state.clickhouse) {
    try {
      state.clickhouse = await startClickHouseServer({ detached: true });
      console.error(
        `started ClickHouse ${state.clickhouse.version} in ${state.clickhouse.startupMs} ms (pid ${state.clickhouse.pid})`,
      );
    } catch (error) {
      console.error(
        `no ClickHouse server (${(error as Error).message}); the embedded chDB warehouse remains`,
      );
    }
    await writeState(state);
  } else {
    console.error(`ClickHouse already running (pid ${state.clickhouse.pid})`);
  }
  printSettings(state);
}

async function down(): Promise<void> {
  const state = await readState();
  if (state.kafka) console.error(`Kafka (pid ${state.kafka.pid}): ${await stopKafka(state.kafka)}`);
  if (state.clickhouse) {
    console.error(
      `ClickHouse (pid ${state.clickhouse.pid}): ${await stopClickHouseServer(state.clickhouse)}`,
    );
  }
  await writeState({});
}

async function status(): Promise<void> {
  const state = await readState();
  const line = (name: string, pid: number | undefined, where: string | undefined) =>
    console.log(
      `${name.padEnd(11)} ${pid === undefined ? 'not started' : isAlive(pid) ? `running (pid ${pid})` : `dead (pid ${pid})`}${where ? `  ${where}` : ''}`,
    );
  line('kafka', state.kafka?.pid, state.kafka?.brokers);
  line('clickhouse', state.clickhouse?.pid, state.clickhouse?.url);
  console.log(`state file  ${stateFile()}`);
}

async function provision(): Promise<void> {
  // The default (or KAFKA_VERSION) and every version CI verifies, so no test resolves jars mid-run.
  for (const version of new Set([kafkaVersion(), ...VERIFIED_KAFKA_VERSIONS])) {
    const classpath = await resolveKafkaClasspath(version);
    console.log(`Kafka ${version}: ${classpath.split(':').length} jars resolved`);
  }
  const server =
    (await findExecutable('clickhouse-server', ['/usr/sbin'])) ?? (await findExecutable('clickhouse'));
  console.log(`ClickHouse server binary: ${server ?? 'not installed'}`);
  try {
    console.log(`chDB engine: ${await chdbEngineVersion()}`);
  } catch (error) {
    console.log(`chDB: unavailable (${(error as Error).message})`);
  }
}

const commands: Record<string, () => Promise<void>> = { up, down, status, provision };
const name = process.argv[2] ?? '';
const command = commands[name];
if (command === undefined) {
  console.error(`usage: cli.ts ${Object.keys(commands).join('|')}`);
  process.exit(2);
}
try {
  await command();
} catch (error) {
  console.error((error as Error).message);
  process.exit(1);
}
