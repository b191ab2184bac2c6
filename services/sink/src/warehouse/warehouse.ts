/**
 * The one warehouse interface the sink, the migrations and the tools speak. Two adapters implement it: a
 * ClickHouse server over HTTP (@clickhouse/client) and embedded chDB. The same SQL and the same JSONEachRow
 * rows go to both, so everything written against this interface must stay within the portable DDL of
 * design.md (runs on ClickHouse 18.16 and 26.x alike).
 */
export interface Warehouse {
  readonly engine: 'clickhouse-server' | 'chdb';
  /** A statement without a result set (DDL, INSERT ... SELECT). */
  command(sql: string): Promise<void>;
  /** A SELECT; rows as JSON objects. 64-bit integers come back as strings on both engines. */
  query<Row>(sql: string): Promise<Row[]>;
  /**
   * A query from outside (POST /sql, `npm run sql`), run by the engine in readonly mode (readonly=1: no
   * INSERT, DDL, SET or SETTINGS changes, file() or url()) within `limits`. Check the text first with
   * checkReadOnlyStatement: readonly mode alone lets several statements and INTO OUTFILE through on chDB.
   */
  readOnlyQuery<Row>(sql: string, limits: ReadOnlyLimits): Promise<Row[]>;
  /** Inserts rows as JSONEachRow; write 64-bit integers as strings and DateTime as epoch seconds. */
  insertJsonEachRow(table: string, rows: readonly object[]): Promise<void>;
  /** The engine's version, e.g. 18.16.1 or 26.7.2.1. */
  version(): Promise<string>;
  close(): Promise<void>;
}

/** What a read-only query may cost; past a limit the query fails with ReadOnlyQueryError. */
export interface ReadOnlyLimits {
  maxResultRows: number;
  /** Also applied to the JSON text of the answer (the engines count bytes per block, not per answer). */
  maxResultBytes: number;
  maxExecutionSeconds: number;
}

export type ReadOnlyQueryErrorCode = 'read_only' | 'result_too_large' | 'query_timeout' | 'query_failed';

/** Why a read-only query failed, with the engine's message (it quotes only the query itself). */
export class ReadOnlyQueryError extends Error {
  constructor(
    readonly code: ReadOnlyQueryErrorCode,
    message: string,
    /** the ClickHouse error number, when the engine gave one */
    readonly engineCode: number | undefined,
  ) {
    super(message);
    this.name = 'ReadOnlyQueryError';
  }

  /** Classifies an engine error by its ClickHouse error number (the same on 18.16 and 26.x). */
  static from(error: unknown, limits: ReadOnlyLimits): ReadOnlyQueryError {
    const message = error instanceof Error ? error.message : String(error);
    // @clickhouse/client puts the number in `code`; chDB only in the message ("Code: 164. DB::Exception").
    const own = (error as { code?: unknown } | null)?.code;
    const number = typeof own === 'string' && /^\d+$/.test(own) ? own : /Code: (\d+)/.exec(message)?.[1];
    const engineCode = number === undefined ? undefined : Number(number);
    switch (engineCode) {
      case 164: // READONLY
        return new ReadOnlyQueryError('read_only', `refused in read-only mode: ${message}`, engineCode);
      case 396: // TOO_MANY_ROWS_OR_BYTES
        return ReadOnlyQueryError.tooLarge(limits, engineCode);
      case 159: // TIMEOUT_EXCEEDED
        return new ReadOnlyQueryError(
          'query_timeout',
          `the query ran longer than ${limits.maxExecutionSeconds} s: narrow it down or aggregate`,
          engineCode,
        );
      default:
        return new ReadOnlyQueryError('query_failed', message, engineCode);
    }
  }

  static tooLarge(limits: ReadOnlyLimits, engineCode?: number): ReadOnlyQueryError {
    return new ReadOnlyQueryError(
      'result_too_large',
      `the result is larger than ${limits.maxResultRows} rows or ${limits.maxResultBytes} bytes: add a LIMIT or aggregate`,
      engineCode,
    );
  }
}

/** JSONEachRow text -> rows, refusing an answer longer than the byte limit. */
export function parseLimitedRows<Row>(text: string, limits: ReadOnlyLimits): Row[] {
  if (Buffer.byteLength(text) > limits.maxResultBytes) throw ReadOnlyQueryError.tooLarge(limits);
  const trimmed = text.trimEnd();
  return trimmed === '' ? [] : trimmed.split('\n').map((line) => JSON.parse(line) as Row);
}

/** `db`.`name` with backquotes, for identifiers that come from configuration. */
export function qualifiedName(database: string, table: string): string {
  return `${quoteIdentifier(database)}.${quoteIdentifier(table)}`;
}

export function quoteIdentifier(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
    throw new Error(`invalid identifier ${JSON.stringify(name)}: use letters, digits and underscores`);
  }
  return `\`${name}\``;
}
