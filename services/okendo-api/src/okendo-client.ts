/**
 * The Okendo Merchant API client for webhook subscriptions. Every call answers a Result; requests are spaced by
 * a client-side rate limit, a 429 is retried after its Retry-After (a bounded number of times), and 5xx or
 * network failures are retried only for calls that are safe to repeat (GET, PUT, DELETE).
 */
import { inspect } from 'node:util';
import {
  fail,
  httpError,
  invalidResponse,
  networkError,
  type OkendoApiError,
  ok,
  okendoDescription,
  type Result,
} from './api-result.js';
import type { OkendoCredentials } from './credentials.js';
import { type RateLimit, RateLimiter, sleep } from './rate-limiter.js';
import { retryAfterMs } from './retry-after.js';
import {
  type ListReviewsOptions,
  type OkendoReview,
  parseCatalogPage,
  type ReviewPage,
  reviewQuery,
} from './reviews.js';
import { parseSubscription, parseSubscriptionPage } from './subscription-shapes.js';
import {
  type CreatedWebhookSubscription,
  type CreateWebhookSubscription,
  type ListSubscriptionsOptions,
  OKENDO_API_BASE_URL,
  OKENDO_API_VERSION,
  type RotatedSecret,
  type SubscriptionPage,
  type UpdateWebhookSubscription,
  type WebhookSubscription,
} from './subscription-types.js';
import {
  type ListSurveyResponsesOptions,
  type OkendoSurveyResponse,
  type SurveyResponsePage,
  surveyResponseQuery,
} from './surveys.js';

/** What the client reports; never headers, bodies or secrets. */
export interface OkendoRequestLog {
  event: 'response' | 'retry' | 'network_error';
  method: string;
  path: string;
  status?: number;
  attempt: number;
  waitMs?: number;
  message?: string;
}

export interface OkendoClientOptions {
  credentials: OkendoCredentials;
  /** Okendo's documented URL unless given (OKENDO_API_URL, or a local fake in tests). */
  baseUrl?: string;
  apiVersion?: string;
  /** Default 1.8 requests/s with a burst of 1 (DEFAULT_RATE_LIMIT). */
  rateLimit?: Partial<RateLimit>;
  /** Retries after a 429, 5xx or network failure; default 4. */
  maxRetries?: number;
  /** First back-off without Retry-After, doubled per attempt; default 500 ms. */
  retryBaseDelayMs?: number;
  /** A Retry-After longer than this is not waited for; the 429 is returned instead. Default 60 s. */
  maxRetryAfterMs?: number;
  /** No complete answer within this long is a network error (retried like one); default 30 s. */
  requestTimeoutMs?: number;
  fetch?: typeof fetch;
  log?: (entry: OkendoRequestLog) => void;
}

/**
 * Okendo allows about 2 requests/s with a small burst. A client bucket as large as the server's (2/s, burst 2)
 * is refused 1 to 3 times in 25 requests (a 1 s Retry-After each, measured against test/okendo-fake): the
 * server charges a request when it arrives, later than the client took its token, so the refill the client
 * counted is not all there. One token less than the server's burst, 10% under its rate, leaves that headroom.
 */
export const DEFAULT_RATE_LIMIT: Readonly<RateLimit> = Object.freeze({ requestsPerSecond: 1.8, burst: 1 });

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';
const REPEATABLE: ReadonlySet<Method> = new Set(['GET', 'PUT', 'DELETE']);

export class OkendoClient {
  readonly baseUrl: URL;
  readonly #credentials: OkendoCredentials;
  readonly #apiVersion: string;
  readonly #limiter: RateLimiter;
  readonly #maxRetries: number;
  readonly #retryBaseDelayMs: number;
  readonly #maxRetryAfterMs: number;
  readonly #requestTimeoutMs: number;
  readonly #fetch: typeof fetch;
  readonly #log: (entry: OkendoRequestLog) => void;

  constructor(options: OkendoClientOptions) {
    const base = options.baseUrl ?? OKENDO_API_BASE_URL;
    this.baseUrl = new URL(base.endsWith('/') ? base : `${base}/`);
    if (this.baseUrl.username || this.baseUrl.password)
      throw new RangeError(
        'Okendo base URL: put credentials in OKENDO_USER_ID / OKENDO_API_KEY, not the URL',
      );
    this.#credentials = options.credentials;
    this.#apiVersion = options.apiVersion ?? OKENDO_API_VERSION;
    this.#limiter = new RateLimiter({ ...DEFAULT_RATE_LIMIT, ...options.rateLimit });
    this.#maxRetries = options.maxRetries ?? 4;
    this.#retryBaseDelayMs = options.retryBaseDelayMs ?? 500;
    this.#maxRetryAfterMs = options.maxRetryAfterMs ?? 60_000;
    this.#requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    this.#fetch = options.fetch ?? globalThis.fetch;
    this.#log = options.log ?? (() => {});
  }

  /** Every page, following `nextUrl`; an error ends the iteration as its last item. */
  async *subscriptionPages(options: ListSubscriptionsOptions = {}): AsyncGenerator<Result<SubscriptionPage>> {
    const query = new URLSearchParams();
    if (options.limit !== undefined) query.set('limit', String(options.limit));
    if (options.orderBy !== undefined) query.set('orderBy', options.orderBy);
    if (options.lastEvaluated !== undefined) query.set('lastEvaluated', options.lastEvaluated);
    const first = this.#url(`webhook_subscriptions${query.size > 0 ? `?${query}` : ''}`);
    const pages = this.#pages(first, (body) => {
      const page = parseSubscriptionPage(body);
      return typeof page === 'string' ? page : { items: page.webhookSubscriptions, nextUrl: page.nextUrl };
    });
    for await (const page of pages) {
      if (!page.ok) return yield page;
      const { items, lastEvaluated } = page.value;
      yield ok({ webhookSubscriptions: items, ...(lastEvaluated ? { lastEvaluated } : {}) });
    }
  }

  /** Every subscription, each page's items in order; an error ends the iteration as its last item. */
  async *subscriptions(options: ListSubscriptionsOptions = {}): AsyncGenerator<Result<WebhookSubscription>> {
    for await (const page of this.subscriptionPages(options)) {
      if (!page.ok) return yield page;
      for (const subscription of page.value.webhookSubscriptions) yield ok(subscription);
    }
  }

  async listAllSubscriptions(options: ListSubscriptionsOptions = {}): Promise<Result<WebhookSubscription[]>> {
    const all: WebhookSubscription[] = [];
    for await (const item of this.subscriptions(options)) {
      if (!item.ok) return item;
      all.push(item.value);
    }
    return ok(all);
  }

  /** The reviews of one moderation status, page by page from `lastEvaluated`; an error ends it as its last item. */
  async *reviewPages(options: ListReviewsOptions = {}): AsyncGenerator<Result<ReviewPage>> {
    const query = reviewQuery(options);
    const url = this.#url(`reviews${query.size > 0 ? `?${query}` : ''}`);
    for await (const page of this.#catalogPages(url, 'reviews', 'reviewId')) {
      if (!page.ok) return yield page;
      const { items, lastEvaluated } = page.value;
      yield ok({ reviews: items as OkendoReview[], ...(lastEvaluated ? { lastEvaluated } : {}) });
    }
  }

  /** The responses of one survey, page by page; an error ends the iteration as its last item. */
  async *surveyResponsePages(
    surveyId: string,
    options: ListSurveyResponsesOptions = {},
  ): AsyncGenerator<Result<SurveyResponsePage>> {
    const query = surveyResponseQuery(options);
    const path = `surveys/${encodeURIComponent(surveyId)}/responses`;
    const url = this.#url(`${path}${query.size > 0 ? `?${query}` : ''}`);
    for await (const page of this.#catalogPages(url, 'surveyResponses', 'surveyResponseId')) {
      if (!page.ok) return yield page;
      const { items, lastEvaluated } = page.value;
      yield ok({
        surveyResponses: items as OkendoSurveyResponse[],
        ...(lastEvaluated ? { lastEvaluated } : {}),
      });
    }
  }

  async getSubscription(id: string): Promise<Result<WebhookSubscription>> {
    return this.#subscriptionCall('GET', this.#subscriptionPath(id));
  }

  async createSubscription(input: CreateWebhookSubscription): Promise<Result<CreatedWebhookSubscription>> {
    const url = this.#url('webhook_subscriptions');
    const answer = await this.#request('POST', url, { version: this.#apiVersion, ...input });
    if (!answer.ok) return answer;
    const subscription = parseSubscription(answer.value);
    const secret = (answer.value as Record<string, unknown> | null)?.['webhookSecret'];
    if (typeof subscription === 'string') return fail(invalidResponse(describe('POST', url), subscription));
    if (typeof secret !== 'string' || secret === '')
      return fail(invalidResponse(describe('POST', url), 'no webhookSecret in the answer'));
    return ok({ ...subscription, webhookSecret: secret });
  }

  async updateSubscription(
    id: string,
    changes: UpdateWebhookSubscription,
  ): Promise<Result<WebhookSubscription>> {
    return this.#subscriptionCall('PUT', this.#subscriptionPath(id), changes);
  }

  async deleteSubscription(id: string): Promise<Result<void>> {
    const answer = await this.#request('DELETE', this.#subscriptionPath(id));
    return answer.ok ? ok(undefined) : answer;
  }

  async rotateSecret(id: string): Promise<Result<RotatedSecret>> {
    const url = this.#url(`webhook_subscriptions/${encodeURIComponent(id)}/rotate_secret`);
    const answer = await this.#request('POST', url);
    if (!answer.ok) return answer;
    const secret = (answer.value as Record<string, unknown> | null)?.['webhookSubscriptionSecret'];
    if (typeof secret !== 'string' || secret === '')
      return fail(invalidResponse(describe('POST', url), 'no webhookSubscriptionSecret in the answer'));
    return ok({ webhookSubscriptionSecret: secret });
  }

  toJSON(): { baseUrl: string; userId: string } {
    return { baseUrl: this.baseUrl.href, userId: this.#credentials.userId };
  }

  toString(): string {
    return `OkendoClient(${this.baseUrl.href}, user ${this.#credentials.userId})`;
  }

  [inspect.custom](): string {
    return this.toString();
  }

  async #subscriptionCall(method: Method, url: URL, body?: unknown): Promise<Result<WebhookSubscription>> {
    const answer = await this.#request(method, url, body);
    if (!answer.ok) return answer;
    const subscription = parseSubscription(answer.value);
    return typeof subscription === 'string'
      ? fail(invalidResponse(describe(method, url), subscription))
      : ok(subscription);
  }

  /** The pages of an Okendo catalog list (reviews, survey responses), whose every nextUrl must carry a cursor. */
  #catalogPages(
    first: URL,
    listField: string,
    idField: string,
  ): AsyncGenerator<Result<{ items: Record<string, unknown>[]; lastEvaluated?: string }>> {
    return this.#pages(first, (body) => parseCatalogPage(body, listField, idField), { cursorRequired: true });
  }

  /**
   * Follows `nextUrl` from `first` (same origin only, never a page twice); each page's items and the cursor of
   * the page after it. An error ends the iteration as its last item.
   */
  async *#pages<T>(
    first: URL,
    parse: (body: unknown) => { items: T[]; nextUrl?: string | undefined } | string,
    options: { cursorRequired?: boolean } = {},
  ): AsyncGenerator<Result<{ items: T[]; lastEvaluated?: string }>> {
    let next: URL | undefined = first;
    const seen = new Set<string>();
    while (next !== undefined) {
      seen.add(next.href);
      const answer = await this.#request('GET', next);
      if (!answer.ok) return yield answer;
      const page = parse(answer.value);
      if (typeof page === 'string') return yield fail(invalidResponse(describe('GET', next), page));
      const following = this.#nextPageUrl(page.nextUrl);
      if (typeof following === 'string') return yield fail(invalidResponse(describe('GET', next), following));
      if (following !== undefined && seen.has(following.href))
        return yield fail(invalidResponse(describe('GET', next), 'nextUrl repeats a page already read'));
      const cursor = following?.searchParams.get('lastEvaluated') ?? undefined;
      if (options.cursorRequired && following !== undefined && !cursor)
        return yield fail(invalidResponse(describe('GET', next), 'nextUrl has no lastEvaluated cursor'));
      yield ok({ items: page.items, ...(cursor ? { lastEvaluated: cursor } : {}) });
      next = following;
    }
  }

  #subscriptionPath(id: string): URL {
    return this.#url(`webhook_subscriptions/${encodeURIComponent(id)}`);
  }

  #url(relative: string): URL {
    return new URL(relative, this.baseUrl);
  }

  /**
   * `nextUrl` is documented as relative, but not whether it repeats the base path (`/enterprise/...`): both are
   * accepted. An absolute URL on another origin is refused, since the credentials would go with it.
   */
  #nextPageUrl(nextUrl: string | undefined): URL | undefined | string {
    if (nextUrl === undefined || nextUrl === '') return undefined;
    const basePath = this.baseUrl.pathname;
    let url: URL;
    if (/^[a-z][a-z0-9+.-]*:/i.test(nextUrl)) url = new URL(nextUrl);
    else if (nextUrl.startsWith(basePath)) url = new URL(nextUrl, this.baseUrl.origin);
    else url = new URL(nextUrl.replace(/^\/+/, ''), this.baseUrl);
    if (url.origin !== this.baseUrl.origin) return `nextUrl points to another origin (${url.origin})`;
    return url;
  }

  async #request(method: Method, url: URL, body?: unknown): Promise<Result<unknown>> {
    const request = describe(method, url);
    for (let attempt = 1; ; attempt += 1) {
      await this.#limiter.take();
      const outcome = await this.#attempt(method, url, body, attempt);
      if (outcome.ok) return outcome;
      const { error, retryAfter } = outcome;
      const retries = attempt - 1;
      const repeatable = error.status === 429 || REPEATABLE.has(method);
      if (!error.retriable || !repeatable || retries >= this.#maxRetries) return fail(error);
      if (error.status === 429) this.#limiter.drain();
      const waitMs = retryAfter ?? this.#retryBaseDelayMs * 2 ** retries;
      if (waitMs > this.#maxRetryAfterMs) return fail(error);
      this.#log({ event: 'retry', ...request, attempt, waitMs, ...statusOf(error) });
      await sleep(waitMs);
    }
  }

  async #attempt(
    method: Method,
    url: URL,
    body: unknown,
    attempt: number,
  ): Promise<{ ok: true; value: unknown } | { ok: false; error: OkendoApiError; retryAfter?: number }> {
    const request = describe(method, url);
    let response: Response;
    // Without a deadline a server that accepts and never answers would hold a command forever.
    const signal = AbortSignal.timeout(this.#requestTimeoutMs);
    try {
      response = await this.#fetch(url, {
        signal,
        method,
        headers: {
          authorization: this.#credentials.authorization(),
          'okendo-api-version': this.#apiVersion,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (cause) {
      const error = networkError(
        request,
        signal.aborted ? `no answer within ${this.#requestTimeoutMs} ms` : cause,
      );
      error.message = this.#credentials.redact(error.message);
      this.#log({ event: 'network_error', ...request, attempt, message: error.message });
      return { ok: false, error };
    }
    this.#log({ event: 'response', ...request, attempt, status: response.status });
    const parsed = await readJson(response);
    if (response.ok) {
      if (parsed.ok || response.status === 204)
        return { ok: true, value: parsed.ok ? parsed.value : undefined };
      return { ok: false, error: invalidResponse(request, 'the body is not JSON') };
    }
    const found = okendoDescription(parsed.ok ? parsed.value : undefined);
    const description = found === undefined ? undefined : this.#credentials.redact(found);
    const error = httpError(request, response.status, description);
    const retryAfter = retryAfterMs(response.headers.get('retry-after'), Date.now());
    return { ok: false, error, ...(retryAfter === undefined ? {} : { retryAfter }) };
  }
}

function describe(method: string, url: URL): { method: string; path: string } {
  return { method, path: url.pathname };
}

function statusOf(error: OkendoApiError): { status?: number } {
  return error.status === undefined ? {} : { status: error.status };
}

async function readJson(response: Response): Promise<{ ok: true; value: unknown } | { ok: false }> {
  // A body cut off mid-read is as unreadable as one that is not JSON; the status still says what happened.
  const text = await response.text().catch(() => '');
  if (text.trim() === '') return { ok: false };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}
