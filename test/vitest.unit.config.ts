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
  },
});
