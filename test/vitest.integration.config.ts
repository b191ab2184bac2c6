import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { repoRoot, workspaceSources } from './vitest.shared.js';

/**
 * Integration tests against a real Kafka broker and a real ClickHouse (server and chDB), provided once for the
 * run by the global setup. Each test file runs in its own process (chDB binds one data dir per process).
 *
 * At least two files at a time: every file owns its topics, consumer groups, databases and ports (names.ts, freePort)
 * and most of a file's time is spent waiting (on Kafka, ClickHouse, a rate limit), so a second worker uses
 * the idle core. The files in SERIAL_FILES assert on elapsed time or on a time window a loaded machine could
 * shift, or start more servers than fit beside another file: they run afterwards, one at a time, alone.
 */
const SERIAL_FILES = [
  // every 503 must come within the publish timeout + 3 s, measured per request
  'test/integration/ingest-broker-outage.test.ts',
  // deliveries must cross a 5 s secret overlap window, started by a CLI process
  'test/integration/cli-rotation-e2e.test.ts',
  // 4 ClickHouse 18.16 servers + ZooKeeper: beside a fault scenario's broker restarts a node once left an ON
  // CLUSTER task unfinished for the whole 180 s distributed_ddl_task_timeout (CI failed twice so; alone it passed)
  'test/integration/clickhouse-cluster.test.ts',
];

/**
 * Longest first (seconds measured in CI), so the two workers end together instead of one starting a long file
 * last; a fresh clone has no vitest cache to order by.
 */
const LONGEST_FIRST = [
  'test/integration/fault-scenarios.test.ts',
  'test/integration/fault-scenarios-sink.test.ts',
  'test/integration/kafka-cluster-failover.test.ts',
  'test/integration/cli-replay.test.ts',
  'test/integration/prometheus-alerts.test.ts',
  'test/integration/sink-convergence.test.ts',
  'test/integration/cli-backfill.test.ts',
  'test/integration/cli-send-test.test.ts',
];

class LongestFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (spec: TestSpecification) => {
      const index = LONGEST_FIRST.findIndex((file) => spec.moduleId === `${repoRoot}${file}`);
      return index === -1 ? LONGEST_FIRST.length : index;
    };
    // Stable: files not listed keep the base order (failed first, then by the cached duration).
    return sorted
      .map((spec, position) => ({ spec, position }))
      .sort((a, b) => rank(a.spec) - rank(b.spec) || a.position - b.position)
      .map(({ spec }) => spec);
  }
}

const common = {
  environment: 'node',
  pool: 'forks',
  testTimeout: 120_000,
  hookTimeout: 180_000,
} as const;

export default defineConfig({
  root: repoRoot,
  resolve: { alias: workspaceSources },
  test: {
    // The root's global setup runs once for the whole run; both projects inject what it provides.
    globalSetup: ['test/harness/global-setup.ts'],
    sequence: { sequencer: LongestFirstSequencer },
    projects: [
      {
        root: repoRoot,
        resolve: { alias: workspaceSources },
        test: {
          ...common,
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          exclude: SERIAL_FILES,
          // vitest's default is one worker less than the cores: a single one on CI's 2 cores.
          maxWorkers: Math.max(2, availableParallelism() - 1),
        },
      },
      {
        root: repoRoot,
        resolve: { alias: workspaceSources },
        test: {
          ...common,
          // maxWorkers 1 puts these in vitest's sequential group, run after the parallel one.
          name: 'integration-serial',
          include: SERIAL_FILES,
          maxWorkers: 1,
        },
      },
    ],
  },
});
