/** `npm run schemas:generate`: rewrites src/generated/contract.ts from the .avsc files. */
import { writeFile } from 'node:fs/promises';
import { renderContract } from './render-contract.js';
import { generatedContractPath, readSchemaFiles } from './schema-files.js';

await writeFile(generatedContractPath, renderContract(await readSchemaFiles()));
console.log(`wrote ${generatedContractPath}`);
