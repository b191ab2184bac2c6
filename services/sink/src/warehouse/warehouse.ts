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
  /** Inserts rows as JSONEachRow; write 64-bit integers as strings and DateTime as `YYYY-MM-DD hh:mm:ss`. */
  insertJsonEachRow(table: string, rows: readonly object[]): Promise<void>;
  /** The engine's version, e.g. 18.16.1 or 26.7.2.1. */
  version(): Promise<string>;
  close(): Promise<void>;
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
