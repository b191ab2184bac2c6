/**
 * A contract-faithful fake of Okendo for tests and local runs (never imported by production code): the
 * Merchant API's webhook-subscription endpoints under `<url>` = `http://host:port/enterprise` (basic auth, the
 * okendo-api-version header, a 2 requests/s limit answered with 429 + Retry-After), extra endpoints through
 * `routes`, and a Svix-like sender that delivers signed webhooks to the subscriptions' endpoints.
 *
 * Order of checks for every request: 401 (credentials) -> 429 (rate limit) -> 400 (no or another
 * okendo-api-version) -> 403 (a forbidden user on /webhook_subscriptions) -> the subscription API -> each route
 * -> 404. Log lines are JSON, one per request or delivery attempt; never a key, secret, header or body.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { OKENDO_API_VERSION, SUBSCRIPTION_TOPICS, type WebhookSubscription } from '@okendo/okendo-api';
import { RESOURCE_TYPES } from '@okendo/schemas';
import type { PlannedDelivery } from '../traffic/planned-deliveries.js';
import { errorAnswer, SubscriptionApi } from './subscription-api.js';
import { SubscriptionStore } from './subscription-store.js';
import { TokenBucket } from './token-bucket.js';
import { type DeliveryAttempt, WebhookSender } from './webhook-sender.js';

export type { DeliveryAttempt } from './webhook-sender.js';

export interface FakeAnswer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}
/** `url` is relative to the API root (`/reviews?...`, no `/enterprise`); undefined = not mine. */
export type FakeRoute = (method: string, url: URL, body: unknown) => FakeAnswer | undefined;

export interface FakeOkendoOptions {
  host?: string;
  port?: number;
  userId: string;
  apiKey: string;
  forbiddenUserIds?: string[];
  rateLimit?: { perSecond: number; burst: number } | false;
  retryScheduleMs?: readonly number[];
  deliveryTimeoutMs?: number;
  rotationGraceMs?: number;
  routes?: FakeRoute[];
  log?: (line: string) => void;
}

/** Svix's schedule: immediately, then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h. */
export const SVIX_RETRY_SCHEDULE_MS: readonly number[] = [
  0, 5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000,
];

const API_ROOT = '/enterprise';
const MAX_BODY_BYTES = 1_000_000;

export class FakeOkendo {
  readonly url: string;
  readonly #server: Server;
  readonly #store: SubscriptionStore;
  readonly #sender: WebhookSender;

  private constructor(server: Server, store: SubscriptionStore, sender: WebhookSender) {
    this.#server = server;
    this.#store = store;
    this.#sender = sender;
    const { address, port } = server.address() as AddressInfo;
    const host = address.includes(':') ? `[${address}]` : address;
    this.url = `http://${host}:${port}${API_ROOT}`;
  }

  static async start(options: FakeOkendoOptions): Promise<FakeOkendo> {
    const log = options.log ?? (() => {});
    const logFields = (fields: Record<string, unknown>) => log(JSON.stringify({ at: Date.now(), ...fields }));
    const store = new SubscriptionStore(options.userId, options.rotationGraceMs ?? 24 * 3_600_000);
    const sender = new WebhookSender({
      store,
      retryScheduleMs: options.retryScheduleMs ?? SVIX_RETRY_SCHEDULE_MS,
      deliveryTimeoutMs: options.deliveryTimeoutMs ?? 15_000,
      log: logFields,
    });
    const handler = new RequestHandler(options, new SubscriptionApi(store), logFields);
    const server = createServer((request, response) => handler.handle(request, response));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    return new FakeOkendo(server, store, sender);
  }

  subscriptionsSnapshot(): WebhookSubscription[] {
    return this.#store.all();
  }

  /** What it signs with now, newest first ([] for an unknown id). */
  currentSecrets(subscriptionId: string): string[] {
    return this.#store.signingSecrets(subscriptionId);
  }

  /** Enabled subscriptions to every resource type and topic, created 1 ms apart so listing order is this order. */
  seedSubscriptions(count: number, endpointUrl: string): WebhookSubscription[] {
    const subscriptions = RESOURCE_TYPES.flatMap((resourceType) =>
      SUBSCRIPTION_TOPICS.map((topic) => ({ resourceType, topic })),
    );
    const first = Date.now() - count;
    return Array.from(
      { length: count },
      (_, i) =>
        this.#store.create(
          { endpointUrl, isEnabled: true, version: OKENDO_API_VERSION, subscriptions },
          first + i,
        ).subscription,
    );
  }

  /**
   * Queues each delivery for every enabled subscription whose (resourceType, topic) matches; delivery is async.
   * A disabled subscription gets nothing new; messages already queued for it are held until it is enabled.
   */
  emit(deliveries: readonly PlannedDelivery[]): void {
    this.#sender.emit(deliveries);
  }

  attempts(): DeliveryAttempt[] {
    return this.#sender.attempts();
  }

  /** Resolves when nothing is queued, in flight or waiting for a retry; rejects after timeoutMs (30 s). */
  idle(timeoutMs = 30_000): Promise<void> {
    return this.#sender.idle(timeoutMs);
  }

  async stop(): Promise<void> {
    this.#sender.stop();
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeAllConnections();
    await closed;
  }
}

class RequestHandler {
  readonly #bucket: TokenBucket | undefined;
  readonly #routes: readonly FakeRoute[];

  constructor(
    private readonly options: FakeOkendoOptions,
    private readonly api: SubscriptionApi,
    private readonly log: (fields: Record<string, unknown>) => void,
  ) {
    const limit = options.rateLimit ?? { perSecond: 2, burst: 2 };
    this.#bucket = limit === false ? undefined : new TokenBucket(limit);
    this.#routes = options.routes ?? [];
  }

  handle(request: IncomingMessage, response: ServerResponse): void {
    const method = request.method ?? 'GET';
    const url = new URL(request.url ?? '/', 'http://okendo.fake');
    this.#answer(request, method, url)
      .catch((error: unknown) => {
        this.log({ event: 'fake_error', method, path: url.pathname, error: String(error) });
        return errorAnswer(500, 'the fake failed');
      })
      .then((answer) => {
        const retryAfter = answer.headers?.['retry-after'];
        this.log({
          event: 'request',
          method,
          path: url.pathname,
          status: answer.status,
          ...(retryAfter === undefined ? {} : { retryAfterSeconds: Number(retryAfter) }),
        });
        const json = answer.body === undefined ? undefined : JSON.stringify(answer.body);
        response.writeHead(answer.status, {
          ...(json === undefined ? {} : { 'content-type': 'application/json' }),
          ...answer.headers,
        });
        response.end(json);
      });
  }

  async #answer(request: IncomingMessage, method: string, url: URL): Promise<FakeAnswer> {
    const raw = await readBody(request);
    if (raw === 'too_large') return errorAnswer(413, 'the body is too large');
    if (url.pathname !== API_ROOT && !url.pathname.startsWith(`${API_ROOT}/`))
      return errorAnswer(404, 'Not found');
    const caller = this.#caller(request.headers.authorization);
    if (caller === 'unknown') return errorAnswer(401, 'Invalid credentials');
    const retryAfter = this.#bucket?.take();
    if (retryAfter !== undefined)
      return { ...errorAnswer(429, 'Too many requests'), headers: { 'retry-after': String(retryAfter) } };
    const version = request.headers['okendo-api-version'];
    if (version === undefined)
      return errorAnswer(400, `okendo-api-version header required (${OKENDO_API_VERSION})`);
    if (version !== OKENDO_API_VERSION)
      return errorAnswer(400, `unsupported okendo-api-version (this API serves ${OKENDO_API_VERSION})`);
    let body: unknown;
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        return errorAnswer(400, 'the body is not JSON');
      }
    }
    const apiUrl = new URL(`${url.pathname.slice(API_ROOT.length) || '/'}${url.search}`, url.origin);
    if (this.api.owns(apiUrl.pathname))
      return caller === 'forbidden'
        ? errorAnswer(403, 'This API key may not manage webhook subscriptions')
        : this.api.answer(method, apiUrl, body);
    for (const route of this.#routes) {
      const answer = route(method, apiUrl, body);
      if (answer !== undefined) return answer;
    }
    return errorAnswer(404, 'Not found');
  }

  #caller(header: string | undefined): 'account' | 'forbidden' | 'unknown' {
    const match = /^Basic ([A-Za-z0-9+/=]+)$/.exec(header ?? '');
    if (!match?.[1]) return 'unknown';
    const decoded = Buffer.from(match[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0 || decoded.slice(colon + 1) !== this.options.apiKey) return 'unknown';
    const user = decoded.slice(0, colon);
    if (user === this.options.userId) return 'account';
    return this.options.forbiddenUserIds?.includes(user) ? 'forbidden' : 'unknown';
  }
}

async function readBody(request: IncomingMessage): Promise<Buffer | 'too_large'> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return 'too_large';
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
