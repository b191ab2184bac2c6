/**
 * The sink's own HTTP port: /metrics (Prometheus), /healthz, /readyz, and POST /sql. /sql exists because an
 * embedded chDB data dir is locked by the one process that opened it: `npm run sql` asks the running sink.
 * It listens on 127.0.0.1 by default (SINK_HOST).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { SinkMetrics } from './metrics.js';
import type { Warehouse } from './warehouse/warehouse.js';

export interface SinkHttpOptions {
  metrics: SinkMetrics;
  warehouse: Warehouse;
  health: () => { healthy: boolean; reason?: string };
  /** /healthz: false once the process cannot recover by itself (the consumer crashed for good) */
  liveness?: () => { healthy: boolean; reason?: string };
}

const MAX_SQL_BYTES = 1_048_576;

function send(
  response: ServerResponse,
  status: number,
  body: unknown,
  contentType = 'application/json',
): void {
  response.writeHead(status, { 'content-type': contentType });
  response.end(typeof body === 'string' ? body : JSON.stringify(body));
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_SQL_BYTES) throw new Error('query larger than 1 MiB');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export function createSinkHttpServer(options: SinkHttpOptions): Server {
  return createServer((request, response) => {
    const route = `${request.method} ${request.url?.split('?')[0]}`;
    const handle = async () => {
      switch (route) {
        case 'GET /healthz': {
          const live = options.liveness?.() ?? { healthy: true };
          return live.healthy
            ? send(response, 200, { status: 'ok' })
            : send(response, 503, { status: 'failed', reason: live.reason });
        }
        case 'GET /readyz': {
          const health = options.health();
          return send(
            response,
            health.healthy ? 200 : 503,
            health.healthy ? { status: 'ready' } : { status: 'not_ready', reason: health.reason },
          );
        }
        case 'GET /metrics':
          return send(
            response,
            200,
            await options.metrics.registry.metrics(),
            options.metrics.registry.contentType,
          );
        case 'POST /sql': {
          const sql = (await readBody(request)).trim();
          if (sql === '')
            return send(response, 400, {
              error: { code: 'empty_query', message: 'POST the SQL as the body' },
            });
          try {
            return send(response, 200, { rows: await options.warehouse.query(sql) });
          } catch (error) {
            return send(response, 400, {
              error: { code: 'query_failed', message: (error as Error).message },
            });
          }
        }
        default:
          return send(response, 404, {
            error: { code: 'not_found', message: 'try /metrics, /healthz, /readyz or POST /sql' },
          });
      }
    };
    handle().catch((error: unknown) =>
      send(response, 500, { error: { code: 'internal_error', message: String(error) } }),
    );
  });
}
