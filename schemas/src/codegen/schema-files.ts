import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SchemaFile } from './render-contract.js';

/** schemas/ (this file is schemas/src/codegen/x.ts, or schemas/dist/codegen/x.js once built). */
export const schemasRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const generatedContractPath = join(schemasRoot, 'src', 'generated', 'contract.ts');

export async function readSchemaFiles(): Promise<SchemaFile[]> {
  const dir = join(schemasRoot, 'avro');
  const names = (await readdir(dir)).filter((name) => name.endsWith('.avsc')).sort();
  return Promise.all(
    names.map(async (name) => ({
      file: name.slice(0, -'.avsc'.length),
      schema: JSON.parse(await readFile(join(dir, name), 'utf8')) as SchemaFile['schema'],
    })),
  );
}
