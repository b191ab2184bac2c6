/**
 * POST /sql: the read-only query door into the warehouse (it exists because an embedded chDB data dir is
 * locked by the sink, so `npm run sql` asks the sink). Guarded in layers:
 * - `Content-Type: application/json` with `{"query": "..."}`: a browser cannot send that cross-site without
 *   a CORS preflight, which this server never grants, so a web page cannot drive it;
 * - a bearer token (SINK_SQL_TOKEN), required whenever SINK_HOST is not loopback, compared in constant time;
 * - exactly one SELECT / WITH / SHOW / DESCRIBE / EXPLAIN statement (checkReadOnlyStatement);
 * - the engine in readonly mode with result-size and time limits (Warehouse.readOnlyQuery).
 * Errors are `{"error": {"code", "message"}}`; the query text never reaches the logs.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import type { EnvReader } from '@okendo/common';
import { checkReadOnlyStatement } from './warehouse/read-only-statement.js';
import { type ReadOnlyLimits, ReadOnlyQueryError, type Warehouse } from './warehouse/warehouse.js';

export interface SqlEndpointConfig {
  /** required on every request when set; always set when the sink listens beyond loopback */
  token: string | undefined;
  limits: ReadOnlyLimits;
}

/** An error answer of the sink's POST endpoints: `{error: {code, message}}`. */
export interface Refusal {
  status: number;
  body: { error: { code: string; message: string } };
  headers?: Record<string, string>;
}

export type SqlAnswer = { status: 200; body: { rows: unknown[] }; headers?: undefined } | Refusal;

const MAX_REQUEST_BYTES = 1_048_576;

/** 127.0.0.0/8, ::1 and localhost: where only processes of this machine can connect. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (bare === 'localhost') return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  return isIP(bare) === 6 && (bare === '::1' || bare === '0:0:0:0:0:0:0:1');
}

/** SINK_SQL_MAX_RESULT_ROWS, SINK_SQL_MAX_RESULT_BYTES, SINK_SQL_MAX_EXECUTION_SECONDS. */
export function readSqlLimits(read: EnvReader): ReadOnlyLimits {
  return {
    maxResultRows: read.integer('SINK_SQL_MAX_RESULT_ROWS', 100_000, { min: 1, max: 100_000_000 }),
    maxResultBytes: read.integer('SINK_SQL_MAX_RESULT_BYTES', 64 * 1_048_576, {
      min: 1_024,
      max: 1_073_741_824,
    }),
    // Below the 30 s the server client waits for an answer, so the engine's own timeout is what is reported.
    maxExecutionSeconds: read.integer('SINK_SQL_MAX_EXECUTION_SECONDS', 20, { min: 1, max: 25 }),
  };
}

export function readSqlEndpointConfig(read: EnvReader, host: string): SqlEndpointConfig {
  const token = read.raw('SINK_SQL_TOKEN');
  if (token !== undefined && token.length < 16) {
    read.problems.push('SINK_SQL_TOKEN: use at least 16 characters (e.g. openssl rand -hex 32)');
  }
  if (token === undefined && !isLoopbackHost(host)) {
    read.problems.push(
      `SINK_SQL_TOKEN: required when SINK_HOST (${JSON.stringify(host)}) is not a loopback address: POST /sql reads the whole warehouse`,
    );
  }
  return { token, limits: readSqlLimits(read) };
}

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

/** Constant time whatever the lengths: both sides are hashed to 32 bytes first. */
export function tokenMatches(header: string | undefined, token: string): boolean {
  const presented = /^Bearer (.+)$/i.exec(header?.trim() ?? '')?.[1]?.trim() ?? '';
  return timingSafeEqual(digest(presented), digest(token)) && presented.length > 0;
}

export const refuse = (
  status: number,
  code: string,
  message: string,
  headers?: Record<string, string>,
): Refusal => ({
  status,
  body: { error: { code, message } },
  ...(headers === undefined ? {} : { headers }),
});

class BodyTooLarge extends Error {}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_REQUEST_BYTES) throw new BodyTooLarge();
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

const STATUS_OF: Record<ReadOnlyQueryError['code'], number> = {
  read_only: 403,
  result_too_large: 422,
  query_timeout: 422,
  query_failed: 400,
};

/**
 * What POST /sql and POST /audit check first: the bearer token when one is set, a JSON media type (no
 * cross-site simple POST), and a JSON body within 1 MiB. `expected` says in the refusal what to send.
 */
export async function readJsonRequest(
  request: IncomingMessage,
  token: string | undefined,
  expected: string,
): Promise<{ ok: true; body: unknown } | { ok: false; refusal: Refusal }> {
  if (token !== undefined && !tokenMatches(request.headers.authorization, token)) {
    request.resume();
    return {
      ok: false,
      refusal: refuse(401, 'unauthorized', 'send Authorization: Bearer <SINK_SQL_TOKEN>', {
        'www-authenticate': 'Bearer',
      }),
    };
  }
  const mediaType = request.headers['content-type']?.split(';')[0]?.trim().toLowerCase();
  if (mediaType !== 'application/json') {
    request.resume();
    return {
      ok: false,
      refusal: refuse(415, 'unsupported_media_type', `send Content-Type: application/json with ${expected}`),
    };
  }
  try {
    return { ok: true, body: JSON.parse(await readBody(request)) as unknown };
  } catch (error) {
    if (error instanceof BodyTooLarge)
      return { ok: false, refusal: refuse(413, 'body_too_large', 'the request is larger than 1 MiB') };
    return { ok: false, refusal: refuse(400, 'invalid_json', `the body must be JSON: ${expected}`) };
  }
}

/** Answers one POST /sql; `onQueryError` hears the error code only (for the log). */
export async function answerSql(
  request: IncomingMessage,
  warehouse: Warehouse,
  config: SqlEndpointConfig,
  onQueryError: (code: string, engineCode: number | undefined) => void,
): Promise<SqlAnswer> {
  const read = await readJsonRequest(request, config.token, '{"query": "..."}');
  if (!read.ok) return read.refusal;
  const query = (read.body as { query?: unknown } | null)?.query;
  if (typeof query !== 'string') {
    return refuse(400, 'missing_query', 'the body must be {"query": "<one SELECT statement>"}');
  }
  const checked = checkReadOnlyStatement(query);
  if (!checked.ok)
    return refuse(checked.code === 'statement_not_allowed' ? 403 : 400, checked.code, checked.message);
  try {
    return { status: 200, body: { rows: await warehouse.readOnlyQuery(checked.statement, config.limits) } };
  } catch (error) {
    if (!(error instanceof ReadOnlyQueryError)) throw error;
    onQueryError(error.code, error.engineCode);
    return refuse(STATUS_OF[error.code], error.code, error.message);
  }
}
