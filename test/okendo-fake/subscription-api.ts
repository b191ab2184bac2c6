/**
 * Okendo's webhook-subscription endpoints as documented (../shared/okendo-webhooks.md), answering from a
 * SubscriptionStore: validation with 422 `{error: {description}}`, 404 for unknown ids, lastEvaluated pages with
 * a relative nextUrl, 204 on delete, `{webhookSubscriptionSecret}` on rotate. Paths are relative to the API root.
 */
import { OKENDO_API_VERSION, SUBSCRIPTION_TOPICS, type TopicSubscription } from '@okendo/okendo-api';
import { RESOURCE_TYPES } from '@okendo/schemas';
import type { FakeAnswer } from './fake-okendo.js';
import type { NewSubscription, SubscriptionCursor, SubscriptionStore } from './subscription-store.js';

/** Okendo delivers all seven, though its subscription docs list five ("Subscription caveat"). */
const ACCEPTED_RESOURCE_TYPES: ReadonlySet<string> = new Set(RESOURCE_TYPES);
const ACCEPTED_TOPICS: ReadonlySet<string> = new Set(SUBSCRIPTION_TOPICS);

const COLLECTION = '/webhook_subscriptions';
const ITEM = /^\/webhook_subscriptions\/([^/]+)(\/rotate_secret)?$/;

export const errorAnswer = (status: number, description: string): FakeAnswer => ({
  status,
  body: { error: { description } },
});

type Fields = Record<string, unknown>;
const isObject = (value: unknown): value is Fields =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export class SubscriptionApi {
  constructor(private readonly store: SubscriptionStore) {}

  owns(path: string): boolean {
    return path === COLLECTION || ITEM.test(path);
  }

  answer(method: string, url: URL, body: unknown): FakeAnswer {
    if (url.pathname === COLLECTION) {
      if (method === 'GET') return this.#list(url.searchParams);
      if (method === 'POST') return this.#create(body);
      return errorAnswer(405, `${method} is not allowed on ${COLLECTION}`);
    }
    const match = ITEM.exec(url.pathname);
    const id = safeDecode(match?.[1] ?? '');
    const rotate = match?.[2] !== undefined;
    if (this.store.get(id) === undefined) return errorAnswer(404, 'Webhook subscription not found');
    if (rotate)
      return method === 'POST'
        ? { status: 200, body: { webhookSubscriptionSecret: this.store.rotate(id) } }
        : errorAnswer(405, `${method} is not allowed on rotate_secret`);
    if (method === 'GET') return { status: 200, body: this.store.get(id) };
    if (method === 'PUT') return this.#update(id, body);
    if (method === 'DELETE') {
      this.store.delete(id);
      return { status: 204 };
    }
    return errorAnswer(405, `${method} is not allowed on a webhook subscription`);
  }

  #list(query: URLSearchParams): FakeAnswer {
    const limitText = query.get('limit') ?? '25';
    const limit = Number(limitText);
    if (!/^\d+$/.test(limitText) || limit < 1 || limit > 100)
      return errorAnswer(422, 'limit must be a whole number from 1 to 100');
    const orderBy = query.get('orderBy') ?? 'asc';
    if (orderBy !== 'asc' && orderBy !== 'desc') return errorAnswer(422, 'orderBy must be asc or desc');
    const cursorText = query.get('lastEvaluated');
    const after = cursorText === null ? undefined : parseCursor(cursorText);
    if (after === 'invalid') return errorAnswer(422, 'lastEvaluated is not a cursor this API returned');
    const page = this.store.page(limit, orderBy, after);
    if (page.next === undefined) return { status: 200, body: { webhookSubscriptions: page.items } };
    const next = new URLSearchParams({ limit: String(limit), orderBy });
    const nextUrl = `${COLLECTION}?${next}&lastEvaluated=${encodeURIComponent(JSON.stringify(page.next))}`;
    return { status: 200, body: { webhookSubscriptions: page.items, nextUrl } };
  }

  #create(body: unknown): FakeAnswer {
    if (!isObject(body)) return errorAnswer(422, 'the body must be a JSON object');
    const checked = checkFields(body, true);
    if (typeof checked === 'string') return errorAnswer(422, checked);
    const { subscription, secret } = this.store.create(checked as NewSubscription);
    return { status: 201, body: { ...subscription, webhookSecret: secret } };
  }

  #update(id: string, body: unknown): FakeAnswer {
    if (!isObject(body)) return errorAnswer(422, 'the body must be a JSON object');
    const checked = checkFields(body, false);
    if (typeof checked === 'string') return errorAnswer(422, checked);
    return { status: 200, body: this.store.update(id, checked) };
  }
}

/** The documented fields, each checked when present; on create all but isEnabled are required. */
function checkFields(body: Fields, creating: boolean): Partial<NewSubscription> | string {
  const out: Partial<NewSubscription> = {};
  const { endpointUrl, isEnabled, version, subscriptions } = body;
  if (endpointUrl !== undefined || creating) {
    if (typeof endpointUrl !== 'string' || !isAbsoluteHttpUrl(endpointUrl))
      return 'endpointUrl must be an absolute http or https URL';
    out.endpointUrl = endpointUrl;
  }
  if (isEnabled !== undefined) {
    if (typeof isEnabled !== 'boolean') return 'isEnabled must be true or false';
    out.isEnabled = isEnabled;
  } else if (creating) out.isEnabled = true;
  if (version !== undefined || creating) {
    if (version !== OKENDO_API_VERSION) return `version must be ${OKENDO_API_VERSION}`;
    out.version = version;
  }
  if (subscriptions !== undefined || creating) {
    const checked = checkTopics(subscriptions);
    if (typeof checked === 'string') return checked;
    out.subscriptions = checked;
  }
  return out;
}

function checkTopics(value: unknown): TopicSubscription[] | string {
  if (!Array.isArray(value) || value.length === 0) return 'subscriptions must be a non-empty list';
  const topics: TopicSubscription[] = [];
  for (const entry of value) {
    if (!isObject(entry)) return 'each subscriptions entry must be {resourceType, topic}';
    const { resourceType, topic } = entry;
    if (typeof resourceType !== 'string' || !ACCEPTED_RESOURCE_TYPES.has(resourceType))
      return `unknown resourceType ${JSON.stringify(resourceType)}`;
    if (typeof topic !== 'string' || !ACCEPTED_TOPICS.has(topic))
      return `unknown topic ${JSON.stringify(topic)}`;
    topics.push({ resourceType, topic });
  }
  return topics;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text; // a malformed escape is no id it ever gave out: 404
  }
}

function isAbsoluteHttpUrl(text: string): boolean {
  if (!URL.canParse(text)) return false;
  const protocol = new URL(text).protocol;
  return protocol === 'http:' || protocol === 'https:';
}

function parseCursor(text: string): SubscriptionCursor | 'invalid' {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return 'invalid';
  }
  if (!isObject(value)) return 'invalid';
  const { subscriberId, webhookSubscriptionId, dateCreated } = value;
  return typeof subscriberId === 'string' &&
    typeof webhookSubscriptionId === 'string' &&
    typeof dateCreated === 'string'
    ? { subscriberId, webhookSubscriptionId, dateCreated }
    : 'invalid';
}
