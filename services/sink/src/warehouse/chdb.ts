import { parseLimitedRows, type ReadOnlyLimits, ReadOnlyQueryError, type Warehouse } from './warehouse.js';

type ChdbModule = typeof import('chdb');
type ChdbSession = InstanceType<ChdbModule['Session']>;

/**
 * Embedded chDB: the default warehouse when no CLICKHOUSE_URL is configured. chDB is an optional dependency
 * (a large native library), loaded only here. Its data dir is locked by the one process that opens it, so in
 * embedded mode the sink owns it and other tools ask the sink.
 */
export class ChdbWarehouse implements Warehouse {
  readonly engine = 'chdb' as const;

  /** A second connection to the same data dir, opened readonly=1 with the limits as connection settings. */
  private reader: { session: ChdbSession; key: string } | undefined;

  private constructor(
    private readonly chdb: ChdbModule,
    private readonly dataDir: string,
    private readonly session: ChdbSession,
  ) {}

  static async open(dataDir: string): Promise<ChdbWarehouse> {
    let chdb: ChdbModule;
    try {
      chdb = await import('chdb');
    } catch (error) {
      throw new Error(
        `the embedded warehouse needs the optional npm package "chdb" (npm install chdb), or set CLICKHOUSE_URL: ${(error as Error).message}`,
      );
    }
    const warehouse = new ChdbWarehouse(chdb, dataDir, new chdb.Session(dataDir));
    // chDB prints 64-bit integers as JSON numbers by default; the server quotes them. Align on strings so no
    // caller ever sees a UInt64 rounded to a JS number.
    await warehouse.command('SET output_format_json_quote_64bit_integers = 1');
    // chDB's engine skips unknown JSONEachRow fields by default (18.16 refuses them): a column missing from a
    // table would silently drop data. Refuse, like the server, so the sink pauses on it.
    await warehouse.command('SET input_format_skip_unknown_fields = 0');
    return warehouse;
  }

  async command(sql: string): Promise<void> {
    await this.session.queryAsync(sql, { format: 'TSV' });
  }

  async query<Row>(sql: string): Promise<Row[]> {
    const result = await this.session.queryAsync(sql, { format: 'JSONEachRow' });
    const text = result.text();
    if (text.trim() === '') return [];
    return text
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as Row);
  }

  async readOnlyQuery<Row>(sql: string, limits: ReadOnlyLimits): Promise<Row[]> {
    let text: string;
    try {
      const result = await this.readerFor(limits).queryAsync(sql, { format: 'JSONEachRow' });
      text = result.text();
    } catch (error) {
      throw ReadOnlyQueryError.from(error, limits);
    }
    return parseLimitedRows<Row>(text, limits);
  }

  /**
   * `SET readonly = 1` cannot be undone and would stop the sink's own inserts, and a query's trailing SETTINGS
   * covers only its last statement: a connection of its own is readonly for everything sent on it.
   */
  private readerFor(limits: ReadOnlyLimits): ChdbSession {
    const key = JSON.stringify(limits);
    if (this.reader?.key === key) return this.reader.session;
    this.reader?.session.close();
    const session = new this.chdb.Session(this.dataDir, {
      connectionArgs: [
        '--readonly=1',
        `--max_result_rows=${limits.maxResultRows}`,
        `--max_result_bytes=${limits.maxResultBytes}`,
        '--result_overflow_mode=throw',
        `--max_execution_time=${limits.maxExecutionSeconds}`,
        '--output_format_json_quote_64bit_integers=1',
      ],
    });
    this.reader = { session, key };
    return session;
  }

  async insertJsonEachRow(table: string, rows: readonly object[]): Promise<void> {
    if (rows.length === 0) return;
    const payload = Buffer.from(rows.map((row) => JSON.stringify(row)).join('\n'));
    await this.session.insert({ table, values: payload, format: 'JSONEachRow' });
  }

  async version(): Promise<string> {
    const [row] = await this.query<{ version: string }>('SELECT version() AS version');
    if (row === undefined) throw new Error('SELECT version() returned no row');
    return row.version;
  }

  async close(): Promise<void> {
    this.reader?.session.close();
    this.session.close();
  }
}
