/**
 * Okendo's server-side rate limit as the fake enforces it: a token bucket per account; a request finding it
 * empty is refused with the whole seconds until a token is back (what Retry-After then says).
 */
export interface RequestRateLimit {
  perSecond: number;
  burst: number;
}

export class TokenBucket {
  #tokens: number;
  #last: number;

  constructor(
    private readonly limit: RequestRateLimit,
    private readonly now: () => number = Date.now,
  ) {
    if (!(limit.perSecond > 0) || !(limit.burst >= 1))
      throw new RangeError('rateLimit: perSecond must be > 0 and burst >= 1');
    this.#tokens = limit.burst;
    this.#last = now();
  }

  /** Spends a token: undefined when allowed, else the Retry-After in whole seconds (at least 1). */
  take(): number | undefined {
    const now = this.now();
    this.#tokens = Math.min(
      this.limit.burst,
      this.#tokens + ((now - this.#last) / 1_000) * this.limit.perSecond,
    );
    this.#last = now;
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      return undefined;
    }
    return Math.max(1, Math.ceil((1 - this.#tokens) / this.limit.perSecond));
  }
}
