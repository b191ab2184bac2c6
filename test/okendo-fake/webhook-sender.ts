/**
 * The fake's webhook sender, shaped like Svix's: a message goes to every enabled subscription whose
 * (resourceType, topic) matches, with the same webhook-id on every attempt, signed with every secret the
 * subscription signs with now (several `v1,` entries during a rotation's grace). A non-2xx answer, or none
 * within deliveryTimeoutMs, is retried after the next delay of the schedule; after the last one it gives up.
 * A subscription disabled while a message waits holds it (not counted as pending) until it is enabled again.
 */

import { signatureFor } from '../harness/webhook-signer.js';
import type { PlannedDelivery } from '../traffic/planned-deliveries.js';
import type { SubscriptionStore } from './subscription-store.js';

export interface DeliveryAttempt {
  messageId: string;
  subscriptionId: string;
  /** 1 for the first attempt */
  attempt: number;
  status: number | 'timeout' | 'network';
  /** epoch ms when the attempt started */
  at: number;
  /** how many `v1,` signatures the attempt carried */
  signedWith: number;
}

export interface SenderOptions {
  store: SubscriptionStore;
  /** delay before each attempt: the first entry before the first attempt */
  retryScheduleMs: readonly number[];
  deliveryTimeoutMs: number;
  log: (fields: Record<string, unknown>) => void;
}

interface Message {
  messageId: string;
  subscriptionId: string;
  body: string;
  /** attempts made so far */
  attempts: number;
}

export class WebhookSender {
  readonly #attempts: DeliveryAttempt[] = [];
  readonly #pending = new Set<Message>();
  readonly #held = new Map<string, Message[]>();
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #inFlight = new Set<AbortController>();
  #idleWaiters: Array<() => void> = [];
  #stopped = false;

  constructor(private readonly options: SenderOptions) {
    options.store.onEnabled((subscriptionId) => this.#release(subscriptionId));
  }

  emit(deliveries: readonly PlannedDelivery[]): void {
    if (this.#stopped) throw new Error('FakeOkendo is stopped');
    const subscriptions = this.options.store.all().filter((subscription) => subscription.isEnabled);
    for (const delivery of deliveries)
      for (const subscription of subscriptions) {
        const wanted = subscription.subscriptions.some(
          (entry) => entry.resourceType === delivery.resourceType && entry.topic === delivery.topic,
        );
        if (!wanted) continue;
        const message: Message = {
          messageId: delivery.messageId,
          subscriptionId: subscription.webhookSubscriptionId,
          body: delivery.body,
          attempts: 0,
        };
        this.#pending.add(message);
        this.#schedule(message, this.options.retryScheduleMs[0] ?? 0);
      }
  }

  attempts(): DeliveryAttempt[] {
    return this.#attempts.map((attempt) => ({ ...attempt }));
  }

  idle(timeoutMs: number): Promise<void> {
    if (this.#pending.size === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#idleWaiters = this.#idleWaiters.filter((waiter) => waiter !== done);
        reject(new Error(`FakeOkendo: ${this.#pending.size} messages still pending after ${timeoutMs} ms`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      this.#idleWaiters.push(done);
    });
  }

  stop(): void {
    this.#stopped = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    for (const controller of this.#inFlight) controller.abort();
    this.#pending.clear();
    this.#settle();
  }

  #schedule(message: Message, delayMs: number): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      void this.#attempt(message);
    }, delayMs);
    this.#timers.add(timer);
  }

  async #attempt(message: Message): Promise<void> {
    const { store, log } = this.options;
    const subscription = store.get(message.subscriptionId);
    const ids = { messageId: message.messageId, subscriptionId: message.subscriptionId };
    if (subscription === undefined) {
      log({ event: 'dropped', ...ids, reason: 'subscription deleted' });
      return this.#finish(message);
    }
    if (!subscription.isEnabled) {
      const held = this.#held.get(message.subscriptionId) ?? [];
      held.push(message);
      this.#held.set(message.subscriptionId, held);
      log({ event: 'held', ...ids, reason: 'subscription disabled' });
      return this.#finish(message);
    }
    const secrets = store.signingSecrets(message.subscriptionId);
    message.attempts += 1;
    const at = Date.now();
    const status = await this.#post(subscription.endpointUrl, message, secrets, at);
    if (this.#stopped) return;
    const attempt = { ...ids, attempt: message.attempts, status, at, signedWith: secrets.length };
    this.#attempts.push(attempt);
    log({ event: 'attempt', ...attempt });
    if (typeof status === 'number' && status >= 200 && status < 300) return this.#finish(message);
    const delay = this.options.retryScheduleMs[message.attempts];
    if (delay === undefined) {
      log({ event: 'gave_up', ...ids, attempts: message.attempts });
      return this.#finish(message);
    }
    this.#schedule(message, delay);
  }

  async #post(
    endpointUrl: string,
    message: Message,
    secrets: readonly string[],
    at: number,
  ): Promise<DeliveryAttempt['status']> {
    const timestamp = Math.floor(at / 1_000);
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, this.options.deliveryTimeoutMs);
    this.#inFlight.add(controller);
    try {
      const response = await fetch(endpointUrl, {
        method: 'POST',
        redirect: 'manual', // Svix counts a 3xx as a failure
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Svix-Webhooks/1.0 (okendo-fake)',
          'webhook-id': message.messageId,
          'webhook-timestamp': String(timestamp),
          'webhook-signature': secrets
            .map((secret) => signatureFor(secret, message.messageId, timestamp, message.body))
            .join(' '),
        },
        body: message.body,
        signal: controller.signal,
      });
      await response.arrayBuffer(); // the answer counts once it is complete, within the same timeout
      return response.status;
    } catch {
      // no complete answer (refused, reset, aborted): a failed attempt, as Svix counts it
      return timedOut ? 'timeout' : 'network';
    } finally {
      clearTimeout(timer);
      this.#inFlight.delete(controller);
    }
  }

  #release(subscriptionId: string): void {
    const held = this.#held.get(subscriptionId) ?? [];
    this.#held.delete(subscriptionId);
    for (const message of held) {
      this.#pending.add(message);
      this.#schedule(message, 0);
    }
  }

  #finish(message: Message): void {
    this.#pending.delete(message);
    this.#settle();
  }

  #settle(): void {
    if (this.#pending.size > 0) return;
    for (const waiter of this.#idleWaiters.splice(0)) waiter();
  }
}
