/** The example queries of infra/clickhouse/README.md run, on both engines, against a migrated database. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { migrate } from '@okendo/infra/clickhouse';
import { describe, expect, it } from 'vitest';
import { runInfra, titleWithSkipReason } from '../harness/infra.js';
import { uniqueName } from '../harness/names.js';
import { warehouseEngines } from '../harness/warehouses.js';
import { repoRoot } from '../vitest.shared.js';

const infra = runInfra();

async function exampleQueries(): Promise<string[]> {
  const readme = await readFile(join(repoRoot, 'infra', 'clickhouse', 'README.md'), 'utf8');
  const section = readme.split(/^## Example queries\s*$/m)[1]?.split(/^## /m)[0] ?? '';
  return [...section.matchAll(/```sql\n([\s\S]*?)```/g)].map((m) => (m[1] ?? '').trim());
}

const engines = warehouseEngines(infra);

describe.each(engines)('infra/clickhouse/README.md on $name', ({ name, missing, open }) => {
  it.skipIf(missing !== undefined)(titleWithSkipReason('its six example queries run', missing), async () => {
    const queries = await exampleQueries();
    expect(queries).toHaveLength(6);
    const { warehouse, close } = await open();
    const database = uniqueName('okendo_readme');
    try {
      await migrate(warehouse, database);
      for (const query of queries) {
        await expect(
          warehouse.query(query.replaceAll('okendo.', `${database}.`)),
          `${name}: ${query}`,
        ).resolves.toBeInstanceOf(Array);
      }
    } finally {
      await warehouse.command(`DROP DATABASE IF EXISTS ${database}`);
      await close();
    }
  });
});
