/**
 * Sends planned deliveries to an ingest the way Okendo's sender (Svix) does: correctly signed, at a steady
 * rate, out of order within a window, some delivered twice (same message id, as a sender retry after a lost
 * answer), and every non-2xx retried on the sender's schedule (compressed here). Keeps a ledger.
 */
import { signedHeaders } from '../harness/webhook-signer.js';
import { DeliveryLedger } from './delivery-ledger.js';
import { type PlannedDelivery, random } from './planned-deliveries.js';

/**
 * Svix retries after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h (days in all); the same shape compressed to
 * about two minutes, long enough that no fault scenario outlasts it.
 */
export const COMPRESSED_RETRY_SCHEDULE_MS = [100, 500, 1_000, 2_000, 4_000, ...Array<number>(14).fill(8_000)];

export interface TrafficOptions {
  /** the webhook URL; a function when it can change (an ingest restarted on another port) */
  url: string | (() => string);
  secret: string;
  deliveries: readonly PlannedDelivery[];
  ratePerSecond: number;
  /** shuffle within windows of this many deliveries (1 = in order) */
  outOfOrderWindow: number;
  /** share of acknowledged deliveries sent a second time */
  duplicateRatio: number;
  retryScheduleMs?: readonly number[];
  requestTimeoutMs?: number;
  seed: number;
  ledger?: DeliveryLedger;
  /** lets a scenario stop all sending (new deliveries and retries alike) for a while */
  gate?: TrafficGate;
}

/**
 * Pauses the sender: while paused no request starts, and `pause()` resolves once the requests already on the
 * wire have ended, so a scenario can prove something happens with no webhook traffic at all.
 */
export class TrafficGate {
  private opened: Promise<void> = Promise.resolve();
  private open: (() => void) | undefined;
  private inFlight = 0;
  private idle: Array<() => void> = [];
  /** time spent paused, so the sending schedule resumes where it stopped instead of bursting */
  pausedMs = 0;
  private pausedAt = 0;

  async pause(): Promise<void> {
    if (this.open === undefined) {
      this.pausedAt = Date.now();
      this.opened = new Promise((resolve) => {
        this.open = resolve;
      });
    }
    if (this.inFlight > 0) await new Promise<void>((resolve) => this.idle.push(resolve));
  }

  resume(): void {
    if (this.open === undefined) return;
    this.pausedMs += Date.now() - this.pausedAt;
    this.open();
    this.open = undefined;
  }

  async whenOpen(): Promise<void> {
    while (this.open !== undefined) await this.opened;
  }

  /** Runs one request once the gate is open, counting it as on the wire meanwhile. */
  async send<T>(request: () => Promise<T>): Promise<T> {
    await this.whenOpen();
    this.inFlight++;
    try {
      return await request();
    } finally {
      this.inFlight--;
      if (this.inFlight === 0) for (const resolve of this.idle.splice(0)) resolve();
    }
  }
}

function shuffleWithinWindows<T>(items: readonly T[], window: number, next: () => number): T[] {
  const out: T[] = [];
  for (let start = 0; start < items.length; start += window) {
    const chunk = items.slice(start, start + window);
    for (let i = chunk.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [chunk[i], chunk[j]] = [chunk[j] as T, chunk[i] as T];
    }
    out.push(...chunk);
  }
  return out;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function runTraffic(options: TrafficOptions): Promise<DeliveryLedger> {
  const ledger = options.ledger ?? new DeliveryLedger();
  const next = random(options.seed);
  const schedule = options.retryScheduleMs ?? COMPRESSED_RETRY_SCHEDULE_MS;
  const url = typeof options.url === 'string' ? () => options.url as string : options.url;
  const order = shuffleWithinWindows(options.deliveries, Math.max(1, options.outOfOrderWindow), next);

  const gate = options.gate ?? new TrafficGate();
  const post = async (delivery: PlannedDelivery): Promise<number | 'network'> => {
    try {
      const response = await fetch(url(), {
        method: 'POST',
        headers: signedHeaders(options.secret, delivery.body, { id: delivery.messageId }),
        body: delivery.body,
        signal: AbortSignal.timeout(options.requestTimeoutMs ?? 15_000),
      });
      await response.arrayBuffer();
      return response.status;
    } catch {
      // no answer (refused, reset, timed out): the sender retries it like a 5xx
      return 'network';
    }
  };

  const attempt = async (delivery: PlannedDelivery): Promise<boolean> => {
    const status = await gate.send(() => post(delivery));
    ledger.recordAttempt(delivery, status);
    return typeof status === 'number' && status >= 200 && status < 300;
  };

  const deliver = async (delivery: PlannedDelivery, duplicate: boolean): Promise<void> => {
    for (let retry = 0; ; retry++) {
      if (await attempt(delivery)) break;
      const wait = schedule[retry];
      if (wait === undefined) return; // the sender gives up; the ledger keeps it as unacknowledged
      await sleep(wait);
    }
    if (duplicate) await attempt(delivery);
  };

  const started = Date.now();
  const inFlight: Promise<void>[] = [];
  for (const [i, delivery] of order.entries()) {
    await gate.whenOpen();
    const due = started + (i * 1_000) / options.ratePerSecond;
    const wait = due + gate.pausedMs - Date.now();
    if (wait > 0) await sleep(wait);
    inFlight.push(deliver(delivery, next() < options.duplicateRatio));
  }
  await Promise.all(inFlight);
  return ledger;
}
