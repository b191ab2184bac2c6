/**
 * Turns the Avro schemas in schemas/avro/ into one TypeScript module: the schema objects themselves (so codecs
 * are built from exactly these) and a TypeScript type per record and enum. The .avsc files are the single
 * source of truth; a unit test fails when the generated module is stale.
 */

type AvroSchema = string | AvroSchema[] | { [key: string]: unknown };

interface AvroField {
  name: string;
  type: AvroSchema;
  doc?: string;
}

interface NamedType {
  kind: 'record' | 'enum';
  name: string;
  doc?: string;
  fields?: AvroField[];
  symbols?: string[];
}

export interface SchemaFile {
  /** file name without .avsc, e.g. 'review' */
  file: string;
  schema: { name: string } & Record<string, unknown>;
}

const primitives: Record<string, string> = {
  null: 'null',
  boolean: 'boolean',
  int: 'number',
  float: 'number',
  double: 'number',
  // 64-bit integers are bigint end to end: a JS number would round values above 2^53.
  long: 'bigint',
  string: 'string',
  bytes: 'Buffer',
};

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Walks a schema, collecting every named record and enum (nested ones included) in definition order. */
function collectNamedTypes(schema: AvroSchema, out: NamedType[]): void {
  if (Array.isArray(schema)) {
    for (const branch of schema) collectNamedTypes(branch, out);
    return;
  }
  if (!isObject(schema)) return;
  const type = schema['type'];
  if (type === 'record') {
    const fields = schema['fields'] as AvroField[];
    const named: NamedType = { kind: 'record', name: String(schema['name']), fields };
    if (typeof schema['doc'] === 'string') named.doc = schema['doc'];
    out.push(named);
    for (const field of fields) collectNamedTypes(field.type, out);
  } else if (type === 'enum') {
    out.push({ kind: 'enum', name: String(schema['name']), symbols: schema['symbols'] as string[] });
  } else if (type === 'array') {
    collectNamedTypes(schema['items'] as AvroSchema, out);
  } else if (isObject(type) || Array.isArray(type)) {
    collectNamedTypes(type as AvroSchema, out);
  }
}

function tsType(schema: AvroSchema): string {
  if (typeof schema === 'string') return primitives[schema] ?? schema;
  if (Array.isArray(schema)) return schema.map(tsType).join(' | ');
  const type = schema['type'];
  if (type === 'record' || type === 'enum') return String(schema['name']);
  if (type === 'array') {
    const items = tsType(schema['items'] as AvroSchema);
    return items.includes('|') ? `Array<${items}>` : `${items}[]`;
  }
  if (type === 'map') return `Record<string, ${tsType(schema['values'] as AvroSchema)}>`;
  return tsType(type as AvroSchema);
}

function docComment(doc: string | undefined, indent: string): string {
  return doc === undefined ? '' : `${indent}/** ${doc.replaceAll('*/', '* /')} */\n`;
}

function renderNamedType(named: NamedType): string {
  if (named.kind === 'enum') {
    const symbols = (named.symbols ?? []).map((s) => `'${s}'`).join(' | ');
    return `export type ${named.name} = ${symbols};\n`;
  }
  const fields = (named.fields ?? [])
    .map((field) => `${docComment(field.doc, '  ')}  ${field.name}: ${tsType(field.type)};\n`)
    .join('');
  return `${docComment(named.doc, '')}export interface ${named.name} {\n${fields}}\n`;
}

function constName(recordName: string): string {
  return `${recordName[0]?.toLowerCase()}${recordName.slice(1)}Schema`;
}

export function renderContract(files: readonly SchemaFile[]): string {
  const parts = [
    '// GENERATED from schemas/avro/*.avsc by schemas/src/codegen/generate.ts: do not edit.',
    '// Change the .avsc files, then run `npm run schemas:generate`.',
    '',
  ];
  const seen = new Set<string>();
  for (const { file, schema } of [...files].sort((a, b) => a.file.localeCompare(b.file))) {
    parts.push(`/** schemas/avro/${file}.avsc */`);
    parts.push(`export const ${constName(schema.name)} = ${JSON.stringify(schema, null, 2)} as const;`);
    parts.push('');
    const named: NamedType[] = [];
    collectNamedTypes(schema as AvroSchema, named);
    for (const type of named) {
      if (seen.has(type.name)) throw new Error(`${file}.avsc redefines ${type.name}`);
      seen.add(type.name);
      parts.push(renderNamedType(type));
    }
  }
  return `${parts.join('\n').trimEnd()}\n`;
}
