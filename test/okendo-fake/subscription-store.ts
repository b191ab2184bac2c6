/**
 * The fake's webhook subscriptions and their signing secrets, in memory. Listing order is (dateCreated,
 * webhookSubscriptionId), and a cursor holds that key, so a page read after a deletion still continues where it
 * stopped (a DynamoDB-like LastEvaluatedKey, which is what Okendo's `lastEvaluated` looks like).
 */
import { randomUUID } from 'node:crypto';
import type { TopicSubscription, WebhookSubscription } from '@okendo/okendo-api';
import { newWebhookSecret } from '../harness/webhook-signer.js';

interface SigningSecret {
  secret: string;
  /** epoch ms after which it no longer signs; absent for the current secret */
  notAfter?: number;
}

interface Stored {
  subscription: WebhookSubscription;
  /** newest first */
  secrets: SigningSecret[];
}

export interface SubscriptionCursor {
  subscriberId: string;
  webhookSubscriptionId: string;
  dateCreated: string;
}

export interface NewSubscription {
  endpointUrl: string;
  isEnabled: boolean;
  version: string;
  subscriptions: TopicSubscription[];
}

const byListingKey = (a: SubscriptionCursor, b: SubscriptionCursor): number =>
  a.dateCreated === b.dateCreated
    ? a.webhookSubscriptionId.localeCompare(b.webhookSubscriptionId)
    : a.dateCreated.localeCompare(b.dateCreated);

const copy = (subscription: WebhookSubscription): WebhookSubscription => ({
  ...subscription,
  subscriptions: subscription.subscriptions.map((entry) => ({ ...entry })),
});

export class SubscriptionStore {
  readonly #byId = new Map<string, Stored>();
  readonly #enabledListeners: Array<(subscriptionId: string) => void> = [];

  constructor(
    private readonly subscriberId: string,
    private readonly rotationGraceMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Called when a subscription goes from disabled to enabled (the sender releases what it held). */
  onEnabled(listener: (subscriptionId: string) => void): void {
    this.#enabledListeners.push(listener);
  }

  create(
    input: NewSubscription,
    createdAt = this.now(),
  ): { subscription: WebhookSubscription; secret: string } {
    const date = new Date(createdAt).toISOString();
    const subscription: WebhookSubscription = {
      subscriberId: this.subscriberId,
      webhookSubscriptionId: randomUUID(),
      endpointUrl: input.endpointUrl,
      version: input.version,
      subscriptions: input.subscriptions.map((entry) => ({ ...entry })),
      isEnabled: input.isEnabled,
      dateCreated: date,
      dateModified: date,
    };
    const secret = newWebhookSecret();
    this.#byId.set(subscription.webhookSubscriptionId, { subscription, secrets: [{ secret }] });
    return { subscription: copy(subscription), secret };
  }

  get(id: string): WebhookSubscription | undefined {
    const stored = this.#byId.get(id);
    return stored && copy(stored.subscription);
  }

  update(id: string, changes: Partial<NewSubscription>): WebhookSubscription | undefined {
    const stored = this.#byId.get(id);
    if (stored === undefined) return undefined;
    const wasEnabled = stored.subscription.isEnabled;
    const defined = Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined));
    Object.assign(stored.subscription, defined, { dateModified: new Date(this.now()).toISOString() });
    if (changes.subscriptions)
      stored.subscription.subscriptions = changes.subscriptions.map((e) => ({ ...e }));
    if (!wasEnabled && stored.subscription.isEnabled)
      for (const listener of this.#enabledListeners) listener(id);
    return copy(stored.subscription);
  }

  delete(id: string): boolean {
    return this.#byId.delete(id);
  }

  /** A new current secret; the ones it replaces keep signing until now + the grace (never extended). */
  rotate(id: string): string | undefined {
    const stored = this.#byId.get(id);
    if (stored === undefined) return undefined;
    const until = this.now() + this.rotationGraceMs;
    const secret = newWebhookSecret();
    const older = stored.secrets.map((entry) => ({
      ...entry,
      notAfter: Math.min(entry.notAfter ?? until, until),
    }));
    stored.secrets = [{ secret }, ...older];
    return secret;
  }

  /** What a delivery is signed with now, newest first. */
  signingSecrets(id: string): string[] {
    const stored = this.#byId.get(id);
    if (stored === undefined) return [];
    const now = this.now();
    stored.secrets = stored.secrets.filter((entry) => entry.notAfter === undefined || entry.notAfter > now);
    return stored.secrets.map((entry) => entry.secret);
  }

  /** Every subscription in listing order. */
  all(orderBy: 'asc' | 'desc' = 'asc'): WebhookSubscription[] {
    const sorted = [...this.#byId.values()].map((stored) => stored.subscription).sort(byListingKey);
    return (orderBy === 'asc' ? sorted : sorted.reverse()).map(copy);
  }

  /** Up to `limit` subscriptions after `cursor` in the given order, and the cursor of the next page if any. */
  page(
    limit: number,
    orderBy: 'asc' | 'desc',
    after: SubscriptionCursor | undefined,
  ): { items: WebhookSubscription[]; next?: SubscriptionCursor } {
    const direction = orderBy === 'asc' ? 1 : -1;
    const rest = this.all(orderBy).filter(
      (subscription) => after === undefined || direction * byListingKey(subscription, after) > 0,
    );
    const items = rest.slice(0, limit);
    const last = items.at(-1);
    if (rest.length <= limit || last === undefined) return { items };
    return {
      items,
      next: {
        subscriberId: last.subscriberId,
        webhookSubscriptionId: last.webhookSubscriptionId,
        dateCreated: last.dateCreated,
      },
    };
  }
}
