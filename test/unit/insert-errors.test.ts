import { classifyInsertError, describeInsertError } from '@okendo/sink';
import { describe, expect, it } from 'vitest';

/** What @clickhouse/client rejects with against 18.16 (no .code: the old text format is not parsed). */
function serverError(message: string): Error {
  return new Error(message);
}

/** What chDB's insert rejects with. */
function chdbError(message: string): Error {
  return Object.assign(new Error(message), { name: 'ChdbInsertError', code: 'CHDB_INSERT' });
}

/** Texts captured from ClickHouse 18.16.1 and chDB 3.4.0 (engine 26.7.2.1) by inserting into okendo.reviews. */
const CAPTURED = {
  server: {
    unknownField:
      'Code: 117, e.displayText() = DB::Exception: Unknown field found while parsing JSONEachRow format: reviewer_zone_code: (at row 1)\n, e.what() = DB::Exception\n',
    stringIntoInt:
      'Code: 27, e.displayText() = DB::Exception: Cannot parse input: expected " before: five@example.com"}\\n: (while read the value of key rating): (at row 1)\n, e.what() = DB::Exception\n',
    negativeUInt64:
      "Code: 72, e.displayText() = DB::Exception: Unsigned type must not contain '-' symbol: (while read the value of key sequence_number): (at row 1)\n, e.what() = DB::Exception\n",
    loneSurrogate:
      'Code: 25, e.displayText() = DB::Exception: Cannot parse escape sequence: missing second part of surrogate pair: (while read the value of key title), e.what() = DB::Exception\n',
    nullIntoString:
      'Code: 26, e.displayText() = DB::Exception: Cannot parse JSON string: expected opening quote: (while read the value of key review_id): (at row 1)\n, e.what() = DB::Exception\n',
    unknownTable:
      "Code: 60, e.displayText() = DB::Exception: Table probe_db.nope doesn't exist., e.what() = DB::Exception\n",
    unknownDatabase:
      "Code: 81, e.displayText() = DB::Exception: Database nodb doesn't exist, e.what() = DB::Exception\n",
  },
  chdb: {
    unknownField:
      'Code: 117. DB::Exception: Unknown field found while parsing JSONEachRow format: b: (at row 1)\n: While executing ParallelParsingBlockInputFormat. (INCORRECT_DATA)',
    stringIntoInt:
      "Code: 27. DB::Exception: Cannot parse input: expected 'false' before: 'ive@example.com\"}': (while reading the value of key rating): (at row 1)\n: While executing ParallelParsingBlockInputFormat. (CANNOT_PARSE_INPUT_ASSERTION_FAILED)",
    negativeUInt64:
      "Code: 72. DB::Exception: Unsigned type must not contain '-' symbol: (while reading the value of key sequence_number): (at row 1)\n: While executing ParallelParsingBlockInputFormat. (CANNOT_PARSE_NUMBER)",
    badDateTime:
      'Code: 41. DB::Exception: Cannot read DateTime: unexpected word: (while reading the value of key date_created): (at row 1)\n: While executing ParallelParsingBlockInputFormat. (CANNOT_PARSE_DATETIME)',
    loneSurrogate:
      'Code: 25. DB::Exception: Cannot parse escape sequence: missing second part of surrogate pair. In JSON input formats you can disable setting input_format_json_throw_on_bad_escape_sequence to save bad escape sequences as is: (while reading the value of key title): (at row 1)\n: While executing ParallelParsingBlockInputFormat. (CANNOT_PARSE_ESCAPE_SEQUENCE)',
    unknownTable:
      'Code: 60. DB::Exception: Table probe_db.nope does not exist. Maybe you meant system.one?. (UNKNOWN_TABLE)',
    unknownDatabase: 'Code: 81. DB::Exception: Database nodb does not exist. (UNKNOWN_DATABASE)',
  },
};

const REVIEW_COLUMNS = new Set([
  'review_id',
  'rating',
  'title',
  'date_created',
  'sequence_number',
  'reviewer_zone_code',
  'b',
]);

describe('classifyInsertError on ClickHouse 18.16 texts', () => {
  const { server } = CAPTURED;
  it.each([
    ['stringIntoInt', 27, 'CANNOT_PARSE_INPUT_ASSERTION_FAILED', 'rating'],
    ['negativeUInt64', 72, 'CANNOT_PARSE_NUMBER', 'sequence_number'],
    ['loneSurrogate', 25, 'CANNOT_PARSE_ESCAPE_SEQUENCE', 'title'],
    ['nullIntoString', 26, 'CANNOT_PARSE_QUOTED_STRING', 'review_id'],
  ] as const)('%s is a row error (code %i, %s, column %s)', (key, code, name, column) => {
    expect(classifyInsertError(serverError(server[key]), REVIEW_COLUMNS)).toEqual({
      kind: 'row',
      code,
      name,
      column,
    });
  });

  it('a field the table lacks, a missing table or database are table errors', () => {
    expect(classifyInsertError(serverError(server.unknownField), REVIEW_COLUMNS)).toEqual({
      kind: 'table',
      code: 117,
      name: 'INCORRECT_DATA',
      column: 'reviewer_zone_code',
    });
    expect(classifyInsertError(serverError(server.unknownTable))).toMatchObject({
      kind: 'table',
      code: 60,
      name: 'UNKNOWN_TABLE',
    });
    expect(classifyInsertError(serverError(server.unknownDatabase))).toMatchObject({
      kind: 'table',
      code: 81,
    });
  });
});

describe('classifyInsertError on chDB texts', () => {
  const { chdb } = CAPTURED;
  it.each([
    ['stringIntoInt', 27, 'CANNOT_PARSE_INPUT_ASSERTION_FAILED', 'rating'],
    ['negativeUInt64', 72, 'CANNOT_PARSE_NUMBER', 'sequence_number'],
    ['badDateTime', 41, 'CANNOT_PARSE_DATETIME', 'date_created'],
    ['loneSurrogate', 25, 'CANNOT_PARSE_ESCAPE_SEQUENCE', 'title'],
  ] as const)('%s is a row error (code %i, %s, column %s)', (key, code, name, column) => {
    expect(classifyInsertError(chdbError(chdb[key]), REVIEW_COLUMNS)).toEqual({
      kind: 'row',
      code,
      name,
      column,
    });
  });

  it('unknown field, table and database are table errors', () => {
    expect(classifyInsertError(chdbError(chdb.unknownField), REVIEW_COLUMNS)).toMatchObject({
      kind: 'table',
      name: 'INCORRECT_DATA',
      column: 'b',
    });
    expect(classifyInsertError(chdbError(chdb.unknownTable))).toMatchObject({
      kind: 'table',
      name: 'UNKNOWN_TABLE',
    });
    expect(classifyInsertError(chdbError(chdb.unknownDatabase))).toMatchObject({
      kind: 'table',
      name: 'UNKNOWN_DATABASE',
    });
  });
});

describe('classifyInsertError: retriable', () => {
  it('connection failures from node and the HTTP client', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    expect(classifyInsertError(refused)).toMatchObject({
      kind: 'retriable',
      name: 'ECONNREFUSED',
      code: undefined,
    });
    expect(classifyInsertError(new Error('socket hang up'))).toMatchObject({ kind: 'retriable' });
    expect(classifyInsertError(new Error('Timeout error.'))).toMatchObject({ kind: 'retriable' });
    expect(
      classifyInsertError(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })),
    ).toMatchObject({
      kind: 'retriable',
      name: 'ECONNRESET',
    });
  });

  it.each([
    [
      252,
      'Code: 252. DB::Exception: Too many parts (300). Merges are processing significantly slower than inserts. (TOO_MANY_PARTS)',
      'TOO_MANY_PARTS',
    ],
    [
      241,
      'Code: 241, e.displayText() = DB::Exception: Memory limit (for query) exceeded: would use 9.31 GiB, e.what() = DB::Exception',
      'MEMORY_LIMIT_EXCEEDED',
    ],
    [
      242,
      'Code: 242. DB::Exception: Table is in readonly mode (replica path: /clickhouse/tables/01/events). (TABLE_IS_READ_ONLY)',
      'TABLE_IS_READ_ONLY',
    ],
    [999, 'Code: 999. Coordination::Exception: Connection loss. (KEEPER_EXCEPTION)', 'KEEPER_EXCEPTION'],
    [
      209,
      'Code: 209, e.displayText() = DB::NetException: Timeout exceeded while reading from socket, e.what() = DB::NetException',
      'SOCKET_TIMEOUT',
    ],
  ])('code %i', (code, message, name) => {
    expect(classifyInsertError(new Error(message))).toMatchObject({ kind: 'retriable', code, name });
  });

  it('reads the code @clickhouse/client sets for modern servers', () => {
    const error = Object.assign(new Error('Too many parts'), { code: '252', type: 'TOO_MANY_PARTS' });
    expect(classifyInsertError(error)).toMatchObject({
      kind: 'retriable',
      code: 252,
      name: 'TOO_MANY_PARTS',
    });
    const parse = Object.assign(new Error('Cannot parse input'), {
      code: '27',
      type: 'CANNOT_PARSE_INPUT_ASSERTION_FAILED',
    });
    expect(classifyInsertError(parse)).toMatchObject({ kind: 'row', code: 27 });
  });

  it('an unknown error or code stalls rather than dead-letters (retriable)', () => {
    expect(classifyInsertError(new Error('something odd'))).toMatchObject({
      kind: 'retriable',
      name: 'UNKNOWN',
    });
    expect(classifyInsertError('a string')).toMatchObject({ kind: 'retriable' });
    expect(classifyInsertError(new Error('Code: 4242. DB::Exception: new'))).toMatchObject({
      kind: 'retriable',
      code: 4242,
    });
  });
});

describe('describeInsertError', () => {
  it('names code, table and column, never the payload values ClickHouse quotes', () => {
    const server = describeInsertError(
      classifyInsertError(serverError(CAPTURED.server.stringIntoInt), REVIEW_COLUMNS),
      'reviews',
    );
    const chdb = describeInsertError(
      classifyInsertError(chdbError(CAPTURED.chdb.stringIntoInt), REVIEW_COLUMNS),
      'reviews',
    );
    expect(server).toBe('CANNOT_PARSE_INPUT_ASSERTION_FAILED (27) on reviews.rating');
    expect(chdb).toBe(server);
    expect(`${server}${chdb}`).not.toMatch(/example\.com|five/);
  });

  it('leaves out a name from the message that is not one of the rows own columns', () => {
    const quoted = new Error(
      'Code: 27. DB::Exception: Column alice_at_example_com is odd (CANNOT_PARSE_INPUT_ASSERTION_FAILED)',
    );
    const described = describeInsertError(classifyInsertError(quoted, REVIEW_COLUMNS), 'reviews');
    expect(described).toBe('CANNOT_PARSE_INPUT_ASSERTION_FAILED (27) on reviews');
  });
});
