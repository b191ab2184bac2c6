import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';
import { repoRoot, workspaceSources } from './vitest.shared.js';

/** Unit tests: no server, no network; they import nothing that needs Kafka or ClickHouse. */
export default defineConfig({
  root: repoRoot,
  resolve: { alias: workspaceSources },
  test: {
    name: 'unit',
    include: ['test/unit/**/*.test.ts'],
    environment: 'node',
    pool: 'forks',
    // vitest's default is one worker less than the cores: a single one on CI's 2 cores, leaving one idle.
    maxWorkers: Math.max(2, availableParallelism() - 1),
  },
});
