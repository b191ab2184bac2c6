/**
 * `npm run sql -- [options] "<query>"`: runs one read-only query (SELECT, WITH, SHOW, DESCRIBE, EXPLAIN)
 * against the configured warehouse and prints its rows. With CLICKHOUSE_URL it asks the server; in embedded
 * mode it asks the running sink (which holds the chDB data dir's lock) at SINK_URL with SINK_SQL_TOKEN when
 * set, and opens the data dir itself only when no sink answers. Either way the engine runs it in readonly
 * mode within the SINK_SQL_* limits. Changes to the model go through migrations (`npm run migrate`).
 */
import { readFile } from 'node:fs/promises';
import { ConfigError, EnvReader } from '@okendo/common';
import { loadWarehouseConfig, type WarehouseConfig } from '../config.js';
import { openReplayWarehouse } from '../replay/terminal.js';
import { readSqlLimits } from '../sql-endpoint.js';
import { checkReadOnlyStatement } from '../warehouse/read-only-statement.js';
import { type ReadOnlyLimits, ReadOnlyQueryError } from '../warehouse/warehouse.js';
import { parseSqlCommandLine, type QuerySource, SqlUsageError } from './sql-command-line.js';
import { formatRows } from './sql-output.js';

const HELP = `usage: npm run -s sql -- [options] "<query>"
       npm run -s sql -- [options] -f query.sql
       npm run -s sql -- [options] < query.sql      (or: ... | npm run -s sql -- [options] -)

Runs one read-only statement (SELECT, WITH, SHOW, DESCRIBE/DESC, EXPLAIN; leading and trailing comments and
one trailing ; are fine) against the warehouse and prints its rows. -s keeps npm's own lines out of stdout.

options:
  -f, --file FILE          read the query from FILE (a .sql file, comments allowed)
  -                        read the query from stdin (also the default when no query is given and stdin
                           is not a terminal)
  --format table|json|csv  table (default: aligned columns, NULL shown as NULL, cells over 60 characters
                           cut), json (one JSON object per line) or csv (a header line, then RFC 4180 rows;
                           NULL is an empty field, arrays as JSON)
  --json                   the same as --format json
  -h, --help               this text

environment: CLICKHOUSE_URL / CLICKHOUSE_USER / CLICKHOUSE_PASSWORD (a ClickHouse server); unset: embedded
chDB, asked through the running sink's POST /sql at SINK_URL (default http://127.0.0.1:SINK_PORT, port 9100)
with SINK_SQL_TOKEN when set, or opened in CHDB_DATA_DIR when no sink answers. Limits: SINK_SQL_MAX_RESULT_ROWS,
SINK_SQL_MAX_RESULT_BYTES, SINK_SQL_MAX_EXECUTION_SECONDS.

exit codes: 0 rows printed; 1 the query was refused or failed (one line on stderr with the reason, e.g. the
ClickHouse server's message), or the configuration or the connection failed; 2 bad command line.`;

const EXIT = { done: 0, failed: 1, usage: 2 } as const;

const QUERY_FROM: Record<QuerySource['kind'], string> = {
  text: 'the query argument',
  file: 'the file',
  stdin: 'stdin',
};

type Row = Record<string, unknown>;

/** A refused or failed query: printed as one line `sql: <code>: <message>`. */
class QueryFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

interface CliConfig {
  warehouse: WarehouseConfig;
  limits: ReadOnlyLimits;
  sinkUrl: string;
  sinkToken: string | undefined;
}

function loadCliConfig(): CliConfig {
  const { warehouse } = loadWarehouseConfig();
  const read = new EnvReader(process.env);
  const limits = readSqlLimits(read);
  const port = read.integer('SINK_PORT', 9100, { min: 1, max: 65_535 });
  const sinkUrl = read.string('SINK_URL', `http://127.0.0.1:${port}`, {
    test: /^https?:\/\/[^\s/]+\/?$/,
    hint: 'http(s)://host:port of the running sink',
  });
  const sinkToken = read.raw('SINK_SQL_TOKEN');
  read.finish();
  return { warehouse, limits, sinkUrl: sinkUrl.replace(/\/$/, ''), sinkToken };
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function readQuery(source: QuerySource): Promise<string> {
  switch (source.kind) {
    case 'text':
      return source.sql;
    case 'stdin':
      return readStdin();
    case 'file':
      try {
        return await readFile(source.path, 'utf8');
      } catch (error) {
        throw new SqlUsageError(`cannot read ${source.path}: ${(error as Error).message}`);
      }
  }
}

/** The rows from the sink's POST /sql, or undefined when no sink listens there. */
async function viaSink(config: CliConfig, sql: string): Promise<Row[] | undefined> {
  let response: Response;
  try {
    response = await fetch(`${config.sinkUrl}/sql`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(config.sinkToken ? { authorization: `Bearer ${config.sinkToken}` } : {}),
      },
      body: JSON.stringify({ query: sql }),
    });
  } catch {
    return undefined; // nothing listens: open the data dir directly
  }
  const text = await response.text();
  let body: { rows?: Row[]; error?: { code?: string; message?: string } } | undefined;
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    body = undefined;
  }
  if (!response.ok || body === undefined) {
    throw new QueryFailure(
      body?.error?.code ?? `http_${response.status}`,
      body?.error?.message ??
        `the sink at ${config.sinkUrl} answered ${response.status} without a JSON error`,
    );
  }
  return body.rows ?? [];
}

async function directly(config: CliConfig, statement: string): Promise<Row[]> {
  const warehouse = await openReplayWarehouse(config.warehouse);
  try {
    return await warehouse.readOnlyQuery<Row>(statement, config.limits);
  } catch (error) {
    if (error instanceof ReadOnlyQueryError) throw new QueryFailure(error.code, error.message);
    throw error;
  } finally {
    await warehouse.close();
  }
}

/** ClickHouse quotes the failing part of a query, line breaks included: the reason stays one line. */
const oneLine = (text: string): string => text.replace(/\s*[\r\n]+\s*/g, ' ').trim();

async function main(argv: readonly string[]): Promise<number> {
  let sql: string;
  let format: 'table' | 'json' | 'csv';
  try {
    const command = parseSqlCommandLine(argv, process.stdin.isTTY === true);
    if (command.kind === 'help') {
      process.stdout.write(`${HELP}\n`);
      return EXIT.done;
    }
    format = command.format;
    sql = await readQuery(command.source);
    // Nothing but blanks or comments (an empty file or stdin, say): there is no query to run.
    const checked = checkReadOnlyStatement(sql);
    if (!checked.ok && checked.code === 'empty_query') {
      throw new SqlUsageError(`no query: ${QUERY_FROM[command.source.kind]} has only blanks or comments`);
    }
  } catch (error) {
    if (!(error instanceof SqlUsageError)) throw error;
    console.error(`sql: ${error.message}\n\n${HELP}`);
    return EXIT.usage;
  }
  try {
    const checked = checkReadOnlyStatement(sql);
    if (!checked.ok) throw new QueryFailure(checked.code, checked.message);
    const config = loadCliConfig();
    const rows =
      (config.warehouse.kind === 'chdb' ? await viaSink(config, checked.statement) : undefined) ??
      (await directly(config, checked.statement));
    process.stdout.write(formatRows(rows, format));
    console.error(`${rows.length} row(s)`);
    return EXIT.done;
  } catch (error) {
    if (error instanceof QueryFailure) console.error(`sql: ${error.code}: ${oneLine(error.message)}`);
    else if (error instanceof ConfigError) console.error(`sql: ${error.message}`);
    else console.error(`sql: ${oneLine(error instanceof Error ? error.message : String(error))}`);
    return EXIT.failed;
  }
}

// `... | head` closes the pipe early: that is the reader's choice, not an error worth a stack trace.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') console.error(`sql: cannot write the rows: ${error.message}`);
  process.exit(error.code === 'EPIPE' ? EXIT.done : EXIT.failed);
});

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  console.error(`sql: ${oneLine(error instanceof Error ? error.message : String(error))}`);
  process.exitCode = EXIT.failed;
}
