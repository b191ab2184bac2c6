/**
 * `npm run sql -- "<query>" [--json]`: runs one read-only query (SELECT, WITH, SHOW, DESCRIBE, EXPLAIN)
 * against the configured warehouse. With CLICKHOUSE_URL it asks the server; in embedded mode it asks the
 * running sink (which holds the chDB data dir's lock) at SINK_URL with SINK_SQL_TOKEN when set, and opens the
 * data dir itself only when no sink is running. Either way the engine runs it in readonly mode within the
 * SINK_SQL_* limits. Changes to the model go through migrations (`npm run migrate`).
 */
import { parseArgs } from 'node:util';
import { EnvReader } from '@okendo/common';
import { loadWarehouseConfig } from '../config.js';
import { readSqlLimits } from '../sql-endpoint.js';
import { openWarehouse } from '../warehouse/open-warehouse.js';
import { checkReadOnlyStatement } from '../warehouse/read-only-statement.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { json: { type: 'boolean', default: false } },
});
const sql = positionals.join(' ').trim();
if (sql === '') {
  console.error('usage: npm run sql -- "SELECT count() FROM okendo.reviews_current" [--json]');
  process.exit(2);
}

async function viaSink(url: string): Promise<unknown[] | undefined> {
  let response: Response;
  try {
    const token = process.env['SINK_SQL_TOKEN']?.trim();
    response = await fetch(`${url}/sql`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify({ query: sql }),
    });
  } catch {
    return undefined; // no sink running: open the data dir directly
  }
  const body = (await response.json()) as { rows?: unknown[]; error?: { code: string; message: string } };
  if (!response.ok) {
    throw new Error(
      body.error ? `${body.error.code}: ${body.error.message}` : `sink answered ${response.status}`,
    );
  }
  return body.rows ?? [];
}

function print(rows: readonly unknown[]): void {
  const small = rows.length <= 100 && Object.keys((rows[0] as object | undefined) ?? {}).length <= 12;
  if (!values.json && small) console.table(rows);
  else for (const row of rows) console.log(JSON.stringify(row));
  console.error(`${rows.length} row(s)`);
}

try {
  const { warehouse: config } = loadWarehouseConfig();
  let rows: unknown[] | undefined;
  if (config.kind === 'chdb') {
    rows = await viaSink(process.env['SINK_URL'] ?? `http://127.0.0.1:${process.env['SINK_PORT'] ?? '9100'}`);
  }
  if (rows === undefined) {
    const read = new EnvReader(process.env);
    const limits = readSqlLimits(read);
    read.finish();
    const checked = checkReadOnlyStatement(sql);
    if (!checked.ok) throw new Error(`${checked.code}: ${checked.message}`);
    const warehouse = await openWarehouse(config);
    try {
      rows = await warehouse.readOnlyQuery(checked.statement, limits);
    } finally {
      await warehouse.close();
    }
  }
  print(rows);
} catch (error) {
  console.error((error as Error).message);
  process.exitCode = 1;
}
