import { mkdir } from 'node:fs/promises';
import type { WarehouseConfig } from '../config.js';
import { ChdbWarehouse } from './chdb.js';
import { ClickHouseServerWarehouse } from './clickhouse-server.js';
import type { Warehouse } from './warehouse.js';

/** The ClickHouse server when CLICKHOUSE_URL is configured, embedded chDB otherwise. */
export async function openWarehouse(config: WarehouseConfig): Promise<Warehouse> {
  if (config.kind === 'clickhouse-server') {
    return new ClickHouseServerWarehouse({
      url: config.url,
      username: config.username,
      password: config.password,
      cluster: config.cluster,
    });
  }
  await mkdir(config.dataDir, { recursive: true });
  return ChdbWarehouse.open(config.dataDir);
}
