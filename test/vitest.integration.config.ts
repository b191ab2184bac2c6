import { defineConfig } from 'vitest/config';
import { repoRoot, workspaceSources } from './vitest.shared.js';

/**
 * Integration tests against a real Kafka broker and a real ClickHouse (server and chDB), provided once for the
 * run by the global setup. Each test file runs in its own process (chDB binds one data dir per process).
 */
export default defineConfig({
  root: repoRoot,
  resolve: { alias: workspaceSources },
  test: {
    name: 'integration',
    include: ['test/integration/**/*.test.ts'],
    environment: 'node',
    pool: 'forks',
    globalSetup: ['test/harness/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
  },
});
