/**
 * The sink's own HTTP port: /metrics (Prometheus), /healthz, /readyz, POST /sql and POST /audit (the CLI's
 * operator_audit rows, audit-endpoint.ts). /sql and /audit exist because an embedded chDB data dir is locked
 * by the one process that opened it: `npm run sql` and the operator CLI ask the running sink.
 * It listens on 127.0.0.1 by default (SINK_HOST); /sql is read-only and guarded (sql-endpoint.ts).
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { answerAudit } from './audit-endpoint.js';
import type { SinkMetrics } from './metrics.js';
import { answerSql, type SqlEndpointConfig } from './sql-endpoint.js';
import type { Warehouse } from './warehouse/warehouse.js';

export interface SinkHttpOptions {
  metrics: SinkMetrics;
  warehouse: Warehouse;
  health: () => { healthy: boolean; reason?: string };
  /** /healthz: false once the process cannot recover by itself (the consumer crashed for good) */
  liveness?: () => { healthy: boolean; reason?: string };
  sql: SqlEndpointConfig;
  /** the database of operator_audit, for POST /audit (same token rule as /sql) */
  database: string;
  /** hears error codes of /sql queries, never their text */
  logger?: Pick<Logger, 'warn' | 'error'>;
}

function send(
  response: ServerResponse,
  status: number,
  body: unknown,
  contentType = 'application/json',
  headers: Record<string, string> = {},
): void {
  response.writeHead(status, { ...headers, 'content-type': contentType });
  response.end(typeof body === 'string' ? body : JSON.stringify(body));
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
          const answer = await answerSql(request, options.warehouse, options.sql, (code, engineCode) =>
            options.logger?.warn({ code, engineCode }, 'POST /sql query failed'),
          );
          return send(response, answer.status, answer.body, 'application/json', answer.headers);
        }
        case 'POST /audit': {
          const answer = await answerAudit(
            request,
            options.warehouse,
            options.database,
            options.sql,
            (error) => options.logger?.warn({ error }, 'POST /audit insert failed'),
          );
          return send(response, answer.status, answer.body, 'application/json', answer.headers);
        }
        default:
          return send(response, 404, {
            error: {
              code: 'not_found',
              message: 'try /metrics, /healthz, /readyz, POST /sql or POST /audit',
            },
          });
      }
    };
    handle().catch((error: unknown) => {
      // The name only: a message may quote what was sent.
      options.logger?.error({ route, error: (error as Error)?.name }, 'request failed');
      if (!response.headersSent)
        send(response, 500, {
          error: { code: 'internal_error', message: 'internal error (see the sink log)' },
        });
      else response.destroy();
    });
  });
}
