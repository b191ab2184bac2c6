/**
 * The ingest as a Fastify app: verify the signature on the raw bytes, route, publish to Kafka, and answer 2xx
 * only once the broker has the event. The process around it (config, Kafka connection, listen, shutdown)
 * lives in server.ts, so tests can build the app against their own broker and topics.
 */
import { topicName, unroutedCodec } from '@okendo/schemas';
import Fastify, {
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  LogController,
} from 'fastify';
import type { IngestConfig } from './config.js';
import { DEFAULT_SOURCE } from './config.js';
import { errorBody, INGEST_ERRORS, type IngestErrorCode } from './http-errors.js';
import { createIngestMetrics, type IngestMetrics, type RequestOutcome } from './metrics.js';
import { writeEnvelope } from './publishing/envelope-writer.js';
import { type KafkaPublisher, type OutgoingMessage, PublishError } from './publishing/kafka-publisher.js';
import { RecentMessageIds } from './publishing/recent-message-ids.js';
import { routeDelivery } from './routing/route-delivery.js';
import { SigningKeyStore } from './secrets/signing-key-store.js';
import { verifySignature } from './signature/verify-signature.js';

export interface IngestAppOptions {
  config: Readonly<IngestConfig>;
  publisher: KafkaPublisher;
  /** pino options; false silences it (tests). Defaults to JSON logs at config.logLevel on stdout. */
  logger?: false | { level: string; stream?: { write: (line: string) => void } };
  clock?: () => number;
  /** The keys to verify with, reloadable (server.ts); defaults to a fixed store of config.sources. */
  secrets?: SigningKeyStore;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the handlers; logged once per request and counted in ingest_requests_total. */
    outcome?: {
      outcome: RequestOutcome;
      code?: string;
      /** the verified webhook-id, or before verification the header as sent (when id-shaped) */
      messageId?: string;
      resourceType?: string;
      /** the webhook source ('default' for POST /webhooks/okendo) */
      source?: string;
      /** the label of the secret that verified it, or that it was signed with past its notAfter */
      secret?: string;
      /** why a publish failed (kafkajs' error, never payload): for operators, in the log line only */
      publishError?: string;
    };
  }
}

const WEBHOOK_PATHS = ['/webhooks/okendo', '/webhooks/okendo/:source'];

/**
 * The message id a sender claims, for the log line of a request refused before verification (so a delivery's
 * answer can be found by its id). Only id-shaped values: a header is attacker-controlled text.
 */
function claimedMessageId(request: FastifyRequest): string | undefined {
  const value = request.headers['webhook-id'] ?? request.headers['svix-id'];
  return typeof value === 'string' && /^[A-Za-z0-9_.:-]{1,256}$/.test(value) ? value : undefined;
}

const outcomeOfError: Partial<Record<IngestErrorCode, RequestOutcome>> = {
  missing_headers: 'unauthorized',
  invalid_timestamp: 'unauthorized',
  timestamp_too_old: 'unauthorized',
  timestamp_in_future: 'unauthorized',
  no_valid_signature: 'unauthorized',
  kafka_unavailable: 'unavailable',
  kafka_refused: 'error',
  internal_error: 'error',
};

function sendError(
  request: FastifyRequest,
  reply: FastifyReply,
  code: IngestErrorCode,
  detail?: string,
): FastifyReply {
  request.outcome = { ...request.outcome, outcome: outcomeOfError[code] ?? 'rejected', code };
  return reply.code(INGEST_ERRORS[code].status).send(errorBody(code, detail));
}

/** Maps Fastify's own errors (body parsing, limits) onto our coded errors. */
function codeForFrameworkError(error: { code?: string; statusCode?: number }): IngestErrorCode {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return 'body_too_large';
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return 'unsupported_media_type';
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return 'bad_request';
    default:
      if (error.statusCode === 408) return 'request_timeout';
      if (error.statusCode === 413) return 'body_too_large';
      if (error.statusCode === 415) return 'unsupported_media_type';
      return error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500
        ? 'bad_request'
        : 'internal_error';
  }
}

export function buildIngestApp(options: IngestAppOptions): { app: FastifyInstance; metrics: IngestMetrics } {
  const { config, publisher } = options;
  const clock = options.clock ?? Date.now;
  const recentIds = new RecentMessageIds(config.dedupeWindowSeconds * 1_000, config.dedupeMaxEntries);
  const metrics = createIngestMetrics(() => publisher.queuedMessages);
  const secrets = options.secrets ?? new SigningKeyStore(config.sources);
  // Topic names per resource type, made once (not a new string per request for kafkajs and the metrics).
  const topics = new Map<string, string>();
  const topicFor = (key: Parameters<typeof topicName>[0]): string => {
    let topic = topics.get(key);
    if (topic === undefined) {
      topic = topicName(key, config.topicPrefix);
      topics.set(key, topic);
    }
    return topic;
  };
  const app = Fastify({
    logger: options.logger ?? { level: config.logLevel },
    bodyLimit: config.bodyLimitBytes,
    // One log line per request is written by the onResponse hook below, with the outcome and no headers.
    logController: new LogController({ disableRequestLogging: true }),
    // Headers that trickle in forever must not hold a connection (Node answers 408; the body has its own
    // timer below). Node checks every 30 s by default: check often enough for the timeout to mean it.
    requestTimeout: config.requestTimeoutMs,
    http: { connectionsCheckingInterval: Math.min(1_000, config.requestTimeoutMs) },
    // Requests Node cannot even parse (bad framing, oversized headers, timeouts) get our JSON errors too.
    clientErrorHandler: (error, socket) => {
      if ((error as { code?: string }).code === 'ECONNRESET' || socket.destroyed) return;
      const code: IngestErrorCode =
        error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? 'request_timeout'
          : error.code === 'HPE_HEADER_OVERFLOW'
            ? 'headers_too_large'
            : 'bad_request';
      metrics.requests.inc({ outcome: 'rejected' });
      const body = JSON.stringify(errorBody(code));
      socket.end(
        `HTTP/1.1 ${INGEST_ERRORS[code].status} ${code}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    },
    return503OnClosing: true,
  });

  // The signature covers the raw bytes: keep the body as a Buffer and never re-serialise it.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) =>
    done(null, body),
  );

  app.addHook('onRequest', (request, reply, done) => {
    metrics.inFlight.inc();
    // Node's requestTimeout stops at the headers: a body that never finishes is ended here, with a 408,
    // by failing the body stream Fastify is reading.
    const timer = setTimeout(() => {
      if (request.raw.complete) return;
      reply.header('connection', 'close');
      if (request.raw.listenerCount('error') > 0) {
        request.raw.emit(
          'error',
          Object.assign(new Error('the body did not arrive in time'), { statusCode: 408 }),
        );
      } else {
        request.raw.destroy();
      }
    }, config.requestTimeoutMs);
    timer.unref();
    reply.raw.once('close', () => clearTimeout(timer));
    done();
  });
  // A callback hook, not an async one: no promise per request on this path.
  app.addHook('onResponse', (request, reply, done) => {
    try {
      logResponse(request, reply);
    } catch (error) {
      done(error as Error);
      return;
    }
    done();
  });
  const logResponse = (request: FastifyRequest, reply: FastifyReply): void => {
    metrics.inFlight.dec();
    const outcome = request.outcome ?? { outcome: 'other' as const };
    const elapsedMs = reply.elapsedTime;
    metrics.countRequest(outcome.outcome);
    // Only the webhook paths: /metrics and the probes would swamp the delivery figures.
    if (request.url.startsWith('/webhooks/')) {
      metrics.countResponse(reply.statusCode);
      metrics.responseSeconds.observe(elapsedMs / 1_000);
    }
    request.log.info(
      {
        method: request.method,
        route: request.routeOptions.url ?? 'unmatched',
        source: (request.params as { source?: string } | undefined)?.source,
        status: reply.statusCode,
        durationMs: Math.round(elapsedMs * 10) / 10,
        ...outcome,
        // Also for requests refused before (or without) verification: trace finds a delivery's answer by id.
        messageId: outcome.messageId ?? claimedMessageId(request),
      },
      'request',
    );
  };

  app.setErrorHandler((error, request, reply) => {
    const code = codeForFrameworkError(error as { code?: string; statusCode?: number });
    if (code === 'internal_error') request.log.error({ err: error }, 'unexpected error');
    return sendError(request, reply, code);
  });
  app.setNotFoundHandler((request, reply) => sendError(request, reply, 'not_found'));

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const health = publisher.health();
    if (health.healthy) return { status: 'ready' };
    return reply.code(503).send({ status: 'not_ready', reason: health.reason });
  });
  app.get('/metrics', async (_request, reply) => {
    reply.header('content-type', metrics.registry.contentType);
    return metrics.registry.metrics();
  });

  /**
   * Too large is the sender's to fix (413, with the sizes); another refusal is ours (500); the rest heals
   * (503). Senders see the failure's code; the broker's own text (addresses, internals) goes to the log.
   */
  const sendPublishError = (request: FastifyRequest, reply: FastifyReply, error: PublishError) => {
    request.outcome = { outcome: 'other', ...request.outcome, publishError: error.message };
    if (error.code === 'message_too_large') return sendError(request, reply, 'body_too_large', error.message);
    if (error.code === 'message_refused') {
      request.log.error({ code: error.code, publishError: error.message }, 'the broker refused an event');
      return sendError(request, reply, 'kafka_refused', error.code);
    }
    reply.header('retry-after', String(config.retryAfterSeconds));
    return sendError(request, reply, 'kafka_unavailable', error.code);
  };

  for (const url of WEBHOOK_PATHS) {
    app.route({
      method: ['GET', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
      url,
      handler: async (request, reply) =>
        sendError(request, reply.header('allow', 'POST'), 'method_not_allowed'),
    });
    app.post<{ Params: { source?: string } }>(url, async (request, reply) => {
      const receivedAtMs = clock();
      const source = request.params.source ?? DEFAULT_SOURCE;
      request.outcome = { outcome: 'other', source };
      // One snapshot for the whole request: a reload meanwhile swaps the map, never this list.
      const keys = secrets.current().get(source);
      if (keys === undefined) return sendError(request, reply, 'unknown_source');
      const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);

      const verified = verifySignature(request.headers, body, {
        keys,
        toleranceSeconds: config.timestampToleranceSeconds,
        nowSeconds: Math.floor(receivedAtMs / 1_000),
        nowMs: receivedAtMs,
      });
      if (!verified.ok) {
        metrics.verificationFailures.inc({ reason: verified.reason });
        if (verified.expiredKeyLabel !== undefined)
          request.outcome = { outcome: 'other', source, secret: verified.expiredKeyLabel };
        return sendError(request, reply, verified.reason, verified.detail);
      }
      metrics.countVerification(source, verified.keyLabel);
      const dedupeKey = `${source}\u0000${verified.messageId}`;
      const secret = verified.keyLabel;
      request.outcome = { outcome: 'other', source, messageId: verified.messageId, secret };
      if (recentIds.has(dedupeKey, receivedAtMs)) {
        request.outcome = { outcome: 'duplicate', source, messageId: verified.messageId, secret };
        return reply.code(200).send({ status: 'duplicate' });
      }

      const routed = routeDelivery(body, {
        messageId: verified.messageId,
        senderTimestamp: verified.timestamp,
        receivedAtMs,
        source,
      });
      const message: OutgoingMessage =
        routed.kind === 'routed'
          ? {
              topic: topicFor(routed.resourceType),
              key: routed.key,
              value: writeEnvelope(routed.envelope),
            }
          : {
              topic: topicFor('unrouted'),
              key: routed.key,
              value: unroutedCodec.encode(routed.delivery),
            };

      const publishStarted = performance.now();
      try {
        await publisher.publish(message);
      } catch (error) {
        if (error instanceof PublishError) return sendPublishError(request, reply, error);
        throw error;
      } finally {
        metrics.observePublish(message.topic, (performance.now() - publishStarted) / 1_000);
      }
      recentIds.remember(dedupeKey, receivedAtMs);
      if (routed.kind === 'routed') {
        request.outcome = {
          outcome: 'published',
          source,
          messageId: verified.messageId,
          resourceType: routed.resourceType,
          secret,
        };
        return reply.code(200).send({ status: 'published' });
      }
      request.outcome = {
        outcome: 'unrouted',
        code: routed.reasonCode,
        source,
        messageId: verified.messageId,
        secret,
      };
      return reply.code(200).send({ status: 'unrouted', reason: routed.reasonCode });
    });
  }
  return { app, metrics };
}
