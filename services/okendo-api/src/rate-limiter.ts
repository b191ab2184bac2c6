/**
 * A client-side token bucket: Okendo allows about 2 requests/s with a small burst and answers 429 above it, so
 * the client spaces its own requests instead of learning the limit from refusals.
 */
export interface RateLimit {
  requestsPerSecond: number;
  burst: number;
}

export class RateLimiter {
  #tokens: number;
  #last: number;
  #queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly limit: RateLimit,
    private readonly now: () => number = Date.now,
  ) {
    if (!(limit.requestsPerSecond > 0) || !(limit.burst >= 1))
      throw new RangeError('rate limit: requestsPerSecond must be > 0 and burst >= 1');
    this.#tokens = limit.burst;
    this.#last = now();
  }

  /** Resolves when one more request may be sent; callers are served in order. */
  take(): Promise<void> {
    const turn = this.#queue.then(() => this.#wait());
    this.#queue = turn;
    return turn;
  }

  /** After a 429: spend every token so the next requests wait for the bucket to refill too. */
  drain(): void {
    this.#refill();
    this.#tokens = 0;
  }

  async #wait(): Promise<void> {
    this.#refill();
    if (this.#tokens < 1) {
      await sleep(((1 - this.#tokens) / this.limit.requestsPerSecond) * 1_000);
      this.#refill();
    }
    this.#tokens -= 1;
  }

  #refill(): void {
    const now = this.now();
    const earned = ((now - this.#last) / 1_000) * this.limit.requestsPerSecond;
    this.#tokens = Math.min(this.limit.burst, this.#tokens + earned);
    this.#last = now;
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
