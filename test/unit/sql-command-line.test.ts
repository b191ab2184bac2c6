/** `npm run sql`'s pure parts: reading its command line (a query may start with `--`) and printing rows. */

import { formatRows, parseSqlCommandLine, SqlUsageError } from '@okendo/sink';
import { describe, expect, it } from 'vitest';

const run = (argv: string[], stdinIsTerminal = true) => parseSqlCommandLine(argv, stdinIsTerminal);
const usage = (argv: string[], stdinIsTerminal = true) => {
  try {
    run(argv, stdinIsTerminal);
  } catch (error) {
    if (error instanceof SqlUsageError) return error.message;
    throw error;
  }
  return 'accepted';
};

describe('the sql command line', () => {
  it('takes a query that starts with a -- or /* comment as query text, not as a flag', () => {
    expect(run(['-- how many?\nSELECT 1'])).toEqual({
      kind: 'run',
      source: { kind: 'text', sql: '-- how many?\nSELECT 1' },
      format: 'table',
    });
    expect(run(['--format', 'csv', '/* x */ SELECT 1'])).toMatchObject({
      source: { kind: 'text', sql: '/* x */ SELECT 1' },
      format: 'csv',
    });
    // After a bare --, even a flag-like word is query text.
    expect(run(['--json', '--', '--x'])).toMatchObject({
      source: { kind: 'text', sql: '--x' },
      format: 'json',
    });
  });

  it('joins several words into one query, as before', () => {
    expect(run(['SELECT', 'count()', 'FROM', 't', '--json'])).toMatchObject({
      source: { kind: 'text', sql: 'SELECT count() FROM t' },
      format: 'json',
    });
  });

  it('reads -f FILE, --file=FILE, - and, without a query, a stdin that is not a terminal', () => {
    expect(run(['-f', 'q.sql'])).toMatchObject({ source: { kind: 'file', path: 'q.sql' } });
    expect(run(['--file=q.sql', '--format=json'])).toMatchObject({
      source: { kind: 'file', path: 'q.sql' },
      format: 'json',
    });
    expect(run(['-'])).toMatchObject({ source: { kind: 'stdin' } });
    expect(run([], false)).toMatchObject({ source: { kind: 'stdin' } });
    expect(usage([], true)).toBe('no query given');
  });

  it('refuses what it cannot read with a usage error', () => {
    expect(usage(['--format', 'xml', 'SELECT 1'])).toBe(
      '--format: expected one of table, json, csv, got "xml"',
    );
    expect(usage(['SELECT 1', '--format'])).toBe('--format: expected one of table, json, csv, got nothing');
    expect(usage(['--json', '--format', 'csv', 'SELECT 1'])).toMatch(/two output formats/);
    expect(usage(['--jsn', 'SELECT 1'])).toBe('unknown option --jsn');
    expect(usage(['-f'])).toMatch(/name the .sql file/);
    expect(usage(['-f', 'a.sql', 'SELECT 1'])).toBe('give the query one way, not a query argument and -f');
    expect(usage(['-', '-f', 'a.sql'])).toBe('give the query one way, not -f and -');
    expect(usage(['  '])).toBe('the query argument is empty');
    expect(run(['-h'])).toEqual({ kind: 'help' });
  });
});

describe('the sql output formats', () => {
  const rows = [
    { id: 'r1', rating: 5, note: 'a, "quoted"\nline', tags: ['x', 'y'], gone: null },
    { id: 'r22', rating: 12, note: 'plain', tags: [], gone: null },
  ];

  it('prints an aligned table, numbers right-aligned, NULL shown, line breaks escaped', () => {
    expect(formatRows(rows, 'table')).toBe(
      [
        'id  | rating | note              | tags      | gone',
        '----+--------+-------------------+-----------+-----',
        'r1  |      5 | a, "quoted"\\nline | ["x","y"] | NULL',
        'r22 |     12 | plain             | []        | NULL',
        '',
      ].join('\n'),
    );
  });

  it('cuts a table cell over 60 characters, never a json or csv value', () => {
    const long = [{ payload: 'p'.repeat(100) }];
    expect(formatRows(long, 'table').split('\n')[2]).toBe(`${'p'.repeat(59)}…`);
    expect(formatRows(long, 'json')).toBe(`{"payload":"${'p'.repeat(100)}"}\n`);
    expect(formatRows(long, 'csv')).toBe(`payload\n${'p'.repeat(100)}\n`);
  });

  it('prints JSON Lines and RFC 4180 CSV with a header', () => {
    expect(formatRows(rows, 'json')).toBe(`${rows.map((row) => JSON.stringify(row)).join('\n')}\n`);
    expect(formatRows(rows, 'csv')).toBe(
      [
        'id,rating,note,tags,gone',
        'r1,5,"a, ""quoted""\nline","[""x"",""y""]",',
        'r22,12,plain,[],',
        '',
      ].join('\n'),
    );
  });

  it('prints nothing for no rows', () => {
    for (const format of ['table', 'json', 'csv'] as const) expect(formatRows([], format)).toBe('');
  });
});
