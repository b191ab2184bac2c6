/**
 * What an insert error means for the sink. ClickHouse errors carry a numeric code: @clickhouse/client sets
 * `.code` for modern servers, 18.16 texts start with "Code: NNN," and chDB's with "Code: NNN." and end with
 * "(NAME)". Node network errors carry a string code (ECONNREFUSED ...).
 * - retriable: the warehouse is unreachable, busy or restarting; retry the same insert later.
 * - row: ClickHouse refused the data of some rows (parse, type, range, size); isolate them by bisection.
 * - table: the table itself cannot take rows (missing, a column missing, no privilege); every row fails
 *   alike, so the sink pauses and alarms rather than dead-lettering the stream.
 * An unknown error is retriable: the sink stalls with an alarm rather than dead-letter good data.
 * The description (`code`, `name`, `column`) is safe to log; the message may quote payload values.
 */
export type InsertErrorKind = 'retriable' | 'row' | 'table';

export interface InsertErrorClass {
  kind: InsertErrorKind;
  /** the ClickHouse error code, when there is one */
  code: number | undefined;
  /** the ClickHouse error name (CANNOT_PARSE_INPUT_ASSERTION_FAILED), a Node code (ECONNRESET) or 'UNKNOWN' */
  name: string;
  /** the column ClickHouse names in the message, only when it is one of the rows' own columns */
  column: string | undefined;
}

const RETRIABLE_CODES: Record<number, string> = {
  3: 'UNEXPECTED_END_OF_FILE',
  32: 'ATTEMPT_TO_READ_AFTER_EOF',
  159: 'TIMEOUT_EXCEEDED',
  160: 'TOO_SLOW',
  202: 'TOO_MANY_SIMULTANEOUS_QUERIES',
  203: 'NO_FREE_CONNECTION',
  209: 'SOCKET_TIMEOUT',
  210: 'NETWORK_ERROR',
  225: 'NO_ZOOKEEPER',
  236: 'ABORTED',
  241: 'MEMORY_LIMIT_EXCEEDED',
  242: 'TABLE_IS_READ_ONLY',
  252: 'TOO_MANY_PARTS',
  319: 'UNKNOWN_STATUS_OF_INSERT',
  394: 'QUERY_WAS_CANCELLED',
  425: 'SYSTEM_ERROR',
  439: 'CANNOT_SCHEDULE_TASK',
  999: 'KEEPER_EXCEPTION',
};

const ROW_CODES: Record<number, string> = {
  6: 'CANNOT_PARSE_TEXT',
  25: 'CANNOT_PARSE_ESCAPE_SEQUENCE',
  26: 'CANNOT_PARSE_QUOTED_STRING',
  27: 'CANNOT_PARSE_INPUT_ASSERTION_FAILED',
  38: 'CANNOT_PARSE_DATE',
  41: 'CANNOT_PARSE_DATETIME',
  53: 'TYPE_MISMATCH',
  69: 'ARGUMENT_OUT_OF_BOUND',
  70: 'CANNOT_CONVERT_TYPE',
  72: 'CANNOT_PARSE_NUMBER',
  117: 'INCORRECT_DATA',
  131: 'TOO_LARGE_STRING_SIZE',
  190: 'SIZES_OF_ARRAYS_DOESNT_MATCH',
  321: 'VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE',
  349: 'CANNOT_INSERT_NULL_IN_ORDINARY_COLUMN',
  377: 'CANNOT_PARSE_UUID',
  407: 'DECIMAL_OVERFLOW',
  456: 'CANNOT_PARSE_IPV4',
  457: 'CANNOT_PARSE_IPV6',
  469: 'VIOLATED_CONSTRAINT',
  1001: 'STD_EXCEPTION',
};

const TABLE_CODES: Record<number, string> = {
  8: 'THERE_IS_NO_COLUMN',
  16: 'NO_SUCH_COLUMN_IN_TABLE',
  47: 'UNKNOWN_IDENTIFIER',
  48: 'NOT_IMPLEMENTED',
  60: 'UNKNOWN_TABLE',
  81: 'UNKNOWN_DATABASE',
  164: 'READONLY',
  192: 'UNKNOWN_USER',
  193: 'WRONG_PASSWORD',
  194: 'REQUIRED_PASSWORD',
  291: 'DATABASE_ACCESS_DENIED',
  497: 'ACCESS_DENIED',
  516: 'AUTHENTICATION_FAILED',
};

/** Node / HTTP-client failures that mean "not reachable right now". */
const RETRIABLE_NODE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);

const RETRIABLE_TEXT =
  /socket hang up|timeout|timed out|ECONNRE(?:SET|FUSED)|server is (?:starting|shutting down)/i;

function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return typeof error === 'string' ? error : '';
}

function numericCode(error: unknown, message: string): number | undefined {
  const own = (error as { code?: unknown } | null)?.code;
  if (typeof own === 'number' && Number.isInteger(own)) return own;
  if (typeof own === 'string' && /^\d+$/.test(own)) return Number(own);
  const match = /^\s*Code: (\d+)[.,]/.exec(message);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

function errorName(error: unknown, message: string, code: number): string {
  const type = (error as { type?: unknown } | null)?.type;
  if (typeof type === 'string' && /^[A-Z][A-Z0-9_]+$/.test(type)) return type;
  const trailing = /\(([A-Z][A-Z0-9_]+)\)\s*$/.exec(message);
  if (trailing?.[1] !== undefined) return trailing[1];
  return RETRIABLE_CODES[code] ?? ROW_CODES[code] ?? TABLE_CODES[code] ?? `CODE_${code}`;
}

const COLUMN_PATTERNS = [
  /value of key (\w+)/,
  /Unknown field found while parsing JSONEachRow format: (\w+)/,
  /[Cc]olumn [`'"]?(\w+)/,
];

function columnOf(message: string, columns: ReadonlySet<string> | undefined): string | undefined {
  if (columns === undefined) return undefined;
  for (const pattern of COLUMN_PATTERNS) {
    const name = pattern.exec(message)?.[1];
    // Only a name the sink itself wrote: anything else in the message could be payload text.
    if (name !== undefined && columns.has(name)) return name;
  }
  return undefined;
}

/** Classifies an insert error; `columns` are the keys of the rows sent (to name the failing column safely). */
export function classifyInsertError(error: unknown, columns?: ReadonlySet<string>): InsertErrorClass {
  const message = messageOf(error);
  const code = numericCode(error, message);
  const column = columnOf(message, columns);
  if (code === undefined) {
    const own = (error as { code?: unknown } | null)?.code;
    const name = typeof own === 'string' && /^[A-Z][A-Z0-9_]+$/.test(own) ? own : 'UNKNOWN';
    if (RETRIABLE_NODE_CODES.has(name) || RETRIABLE_TEXT.test(message))
      return { kind: 'retriable', code, name: name === 'UNKNOWN' ? 'CONNECTION_ERROR' : name, column };
    return { kind: 'retriable', code, name, column };
  }
  const name = errorName(error, message, code);
  // A field the table lacks: every row has it (rows of one table share their keys), so the table is at fault.
  if (code === 117 && /Unknown field/i.test(message)) return { kind: 'table', code, name, column };
  if (code in TABLE_CODES) return { kind: 'table', code, name, column };
  if (code in ROW_CODES) return { kind: 'row', code, name, column };
  return { kind: 'retriable', code, name, column };
}

/** One line for logs, metrics and /readyz: no payload text. */
export function describeInsertError(error: InsertErrorClass, table: string): string {
  const where = error.column === undefined ? table : `${table}.${error.column}`;
  return `${error.name}${error.code === undefined ? '' : ` (${error.code})`} on ${where}`;
}
