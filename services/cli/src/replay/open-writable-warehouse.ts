/**
 * rebuild and redrive write the derived tables themselves (the sink's POST /sql is read-only), so they open the
 * warehouse directly with the sink's settings, as `npm run rebuild|redrive` do: beside the sink on a
 * ClickHouse server, with the sink stopped in embedded mode (chDB locks its data dir; the error says so).
 */
import { ConfigError } from '@okendo/common';
import { loadWarehouseConfig, openReplayWarehouse, type Warehouse } from '@okendo/sink';
import type { CliContext } from '../context.js';
import { CliError, EXIT } from '../exit-codes.js';

export async function openWritableWarehouse(
  context: CliContext,
): Promise<{ warehouse: Warehouse; database: string }> {
  let settings: ReturnType<typeof loadWarehouseConfig>;
  try {
    settings = loadWarehouseConfig(context.env);
  } catch (error) {
    if (error instanceof ConfigError) throw new CliError(error.message, EXIT.usage);
    throw error;
  }
  let warehouse: Warehouse;
  try {
    warehouse = await openReplayWarehouse(settings.warehouse);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // chDB's data dir held by a running sink is not an outage: the operator must stop the sink first.
    const locked = settings.warehouse.kind === 'chdb' && /in use by a running sink/.test(message);
    throw new CliError(`cannot open the warehouse: ${message}`, locked ? EXIT.failed : EXIT.unavailable);
  }
  context.onClose(() => warehouse.close());
  return { warehouse, database: settings.database };
}
