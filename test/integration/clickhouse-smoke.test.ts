import { describe, it } from 'vitest';
import { runInfra, titleWithSkipReason } from '../harness/infra.js';
import { chdbWarehouseForTest, serverWarehouseForTest } from '../harness/warehouses.js';
import { checkReplacingMergeTree } from './replacing-merge-tree.contract.js';

const infra = runInfra();

describe.skipIf(infra.clickhouse === undefined)(
  titleWithSkipReason('ClickHouse server smoke test', infra.unavailable.clickhouse),
  () => {
    it(`keeps the highest version per key with FINAL (server ${infra.clickhouse?.version})`, async () => {
      const endpoint = infra.clickhouse;
      if (endpoint === undefined) throw new Error('unreachable: suite is skipped without a server');
      const test = await serverWarehouseForTest(endpoint);
      try {
        await checkReplacingMergeTree(test);
      } finally {
        await test.dispose();
      }
    });
  },
);

describe.skipIf(infra.chdb === undefined)(
  titleWithSkipReason('chDB smoke test', infra.unavailable.chdb),
  () => {
    it(`keeps the highest version per key with FINAL (chDB ${infra.chdb?.version})`, async () => {
      const test = await chdbWarehouseForTest();
      try {
        await checkReplacingMergeTree(test);
      } finally {
        await test.dispose();
      }
    });
  },
);
