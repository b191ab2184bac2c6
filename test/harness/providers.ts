/**
 * Chooses where the run's Kafka and ClickHouse come from, in this order: explicit env (KAFKA_BROKERS,
 * CLICKHOUSE_URL) > native processes started here (infra/local) > testcontainers when a Docker engine answers.
 */
import {
  chdbEngineVersion,
  clickHouseVersion,
  type LocalClickHouse,
  type LocalKafka,
  startClickHouseServer,
  startKafka,
  stopClickHouseServer,
  stopKafka,
  waitForKafka,
} from '@okendo/infra/local';
import type { ClickHouseEndpoint } from './infra-context.js';

export interface Provided<T> {
  value: T;
  source: string;
  version: string;
  startupMs: number;
  stop: () => Promise<void>;
}

export type Attempt<T> = { ok: true; provided: Provided<T> } | { ok: false; reasons: string[] };

type Provider<T> = {
  name: string;
  start: () => Promise<Provided<T> | undefined>;
  /** When it applies, its failure is the answer: an explicitly configured broker that is down is not silently swapped. */
  decisive?: boolean;
};

/** Tries providers in order; a provider returning undefined does not apply (e.g. its env var is unset). */
async function firstAvailable<T>(providers: readonly Provider<T>[]): Promise<Attempt<T>> {
  const reasons: string[] = [];
  for (const provider of providers) {
    try {
      const provided = await provider.start();
      if (provided !== undefined) return { ok: true, provided };
      reasons.push(`${provider.name}: not configured`);
    } catch (error) {
      reasons.push(`${provider.name}: ${(error as Error).message}`);
      if (provider.decisive) break;
    }
  }
  return { ok: false, reasons };
}

const noop = async (): Promise<void> => {};

async function timed<T>(start: () => Promise<T>): Promise<[T, number]> {
  const began = Date.now();
  const value = await start();
  return [value, Date.now() - began];
}

async function dockerAnswers(): Promise<boolean> {
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    await getContainerRuntimeClient();
    return true;
  } catch {
    return false;
  }
}

export function provideKafka(env: NodeJS.ProcessEnv = process.env): Promise<Attempt<string>> {
  return firstAvailable<string>([
    {
      name: 'env KAFKA_BROKERS',
      decisive: true,
      start: async () => {
        const brokers = env['KAFKA_BROKERS']?.trim();
        if (!brokers) return undefined;
        const [, startupMs] = await timed(() => waitForKafka(brokers, { timeoutMs: 15_000 }));
        return { value: brokers, source: 'env', version: 'external', startupMs, stop: noop };
      },
    },
    {
      name: 'native (Java + Maven)',
      start: async () => {
        const kafka: LocalKafka = await startKafka();
        return {
          value: kafka.brokers,
          source: 'native',
          version: kafka.version,
          startupMs: kafka.startupMs,
          stop: async () => void (await stopKafka(kafka)),
        };
      },
    },
    {
      name: 'testcontainers',
      start: async () => {
        if (!(await dockerAnswers())) throw new Error('no Docker engine answers');
        const { KafkaContainer } = await import('@testcontainers/kafka');
        const [container, startupMs] = await timed(() =>
          new KafkaContainer('confluentinc/cp-kafka:7.9.0').withKraft().start(),
        );
        return {
          value: `${container.getHost()}:${container.getMappedPort(9093)}`,
          source: 'testcontainers',
          version: 'confluentinc/cp-kafka:7.9.0',
          startupMs,
          stop: async () => void (await container.stop()),
        };
      },
    },
  ]);
}

export function provideClickHouse(
  env: NodeJS.ProcessEnv = process.env,
): Promise<Attempt<ClickHouseEndpoint>> {
  return firstAvailable<ClickHouseEndpoint>([
    {
      name: 'env CLICKHOUSE_URL',
      decisive: true,
      start: async () => {
        const url = env['CLICKHOUSE_URL']?.trim();
        if (!url) return undefined;
        const [version, startupMs] = await timed(() => clickHouseVersion(url));
        const endpoint = {
          url,
          username: env['CLICKHOUSE_USER'] ?? 'default',
          password: env['CLICKHOUSE_PASSWORD'] ?? '',
        };
        return { value: endpoint, source: 'env', version, startupMs, stop: noop };
      },
    },
    {
      name: 'native (clickhouse-server)',
      start: async () => {
        const server: LocalClickHouse = await startClickHouseServer();
        return {
          value: { url: server.url, username: 'default', password: '' },
          source: 'native',
          version: server.version,
          startupMs: server.startupMs,
          stop: async () => void (await stopClickHouseServer(server)),
        };
      },
    },
    {
      name: 'testcontainers',
      start: async () => {
        if (!(await dockerAnswers())) throw new Error('no Docker engine answers');
        const { ClickHouseContainer } = await import('@testcontainers/clickhouse');
        const [container, startupMs] = await timed(() =>
          new ClickHouseContainer('clickhouse/clickhouse-server:25.8').start(),
        );
        return {
          value: {
            url: container.getHttpUrl(),
            username: container.getUsername(),
            password: container.getPassword(),
          },
          source: 'testcontainers',
          version: 'clickhouse/clickhouse-server:25.8',
          startupMs,
          stop: async () => void (await container.stop()),
        };
      },
    },
  ]);
}

export async function provideChdb(): Promise<
  { ok: true; version: string } | { ok: false; reasons: string[] }
> {
  try {
    return { ok: true, version: await chdbEngineVersion() };
  } catch (error) {
    return { ok: false, reasons: [(error as Error).message] };
  }
}
