import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChdbWarehouse, ClickHouseServerWarehouse, quoteIdentifier, type Warehouse } from '@okendo/sink';
import type { ClickHouseEndpoint, ProvidedInfra } from './infra-context.js';
import { uniqueName } from './names.js';

/** A warehouse plus a database that only this test uses; `dispose` drops it and closes the connection. */
export interface TestWarehouse {
  warehouse: Warehouse;
  database: string;
  dispose: () => Promise<void>;
}

export async function serverWarehouseForTest(endpoint: ClickHouseEndpoint): Promise<TestWarehouse> {
  const warehouse = new ClickHouseServerWarehouse(endpoint);
  const database = uniqueName('test');
  await warehouse.command(`CREATE DATABASE ${quoteIdentifier(database)}`);
  return {
    warehouse,
    database,
    dispose: async () => {
      await warehouse.command(`DROP DATABASE IF EXISTS ${quoteIdentifier(database)}`);
      await warehouse.close();
    },
  };
}

/** chDB in a fresh temp data dir (one per test process: chDB binds one data dir per process). */
export async function chdbWarehouseForTest(): Promise<TestWarehouse> {
  const dataDir = await mkdtemp(join(tmpdir(), 'okendo-chdb-'));
  const warehouse = await ChdbWarehouse.open(dataDir);
  const database = uniqueName('test');
  await warehouse.command(`CREATE DATABASE ${quoteIdentifier(database)}`);
  return {
    warehouse,
    database,
    dispose: async () => {
      await warehouse.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export interface WarehouseEngine {
  name: string;
  /** why this engine is not available in this run, if it is not */
  missing: string | undefined;
  /** a fresh connection (server) or a fresh data dir (chDB), and how to dispose of it */
  open: () => Promise<{ warehouse: Warehouse; close: () => Promise<void> }>;
}

/** Both engines the model must run on: the run's ClickHouse server and embedded chDB. */
export function warehouseEngines(infra: ProvidedInfra): WarehouseEngine[] {
  return [
    {
      name: 'ClickHouse server',
      missing: infra.unavailable.clickhouse,
      open: async () => {
        const warehouse = new ClickHouseServerWarehouse(infra.clickhouse ?? { url: '' });
        return { warehouse, close: () => warehouse.close() };
      },
    },
    {
      name: 'chDB',
      missing: infra.unavailable.chdb,
      open: async () => {
        const dir = await mkdtemp(join(tmpdir(), 'okendo-chdb-'));
        const warehouse = await ChdbWarehouse.open(dir);
        return {
          warehouse,
          close: async () => {
            await warehouse.close();
            await rm(dir, { recursive: true, force: true });
          },
        };
      },
    },
  ];
}
