/** `npm run migrate`: applies the ClickHouse migrations to the configured warehouse (the sink also does at start). */
import { migrate } from '@okendo/infra/clickhouse';
import { loadWarehouseConfig } from '../config.js';
import { openWarehouse } from '../warehouse/open-warehouse.js';

try {
  const { warehouse: config, database } = loadWarehouseConfig();
  const warehouse = await openWarehouse(config);
  try {
    const report = await migrate(warehouse, database);
    for (const name of report.applied) console.log(`applied  ${name}`);
    for (const name of report.alreadyApplied) console.log(`present  ${name}`);
    console.log(`${warehouse.engine} ${await warehouse.version()}, database ${database}`);
  } finally {
    await warehouse.close();
  }
} catch (error) {
  console.error((error as Error).message);
  process.exitCode = 1;
}
