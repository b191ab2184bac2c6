export { ChdbWarehouse } from './warehouse/chdb.js';
export { type ClickHouseServerOptions, ClickHouseServerWarehouse } from './warehouse/clickhouse-server.js';
export { qualifiedName, quoteIdentifier, type Warehouse } from './warehouse/warehouse.js';
