/**
 * Remembers message ids published recently, so a sender's retry of a message we already stored gets 2xx
 * without a second publish. Best effort only (per process, bounded, forgotten on restart): correctness comes
 * from the warehouse, which deduplicates by message id.
 */
export class RecentMessageIds {
  /** id -> time it expires; a Map iterates in insertion order, so the oldest entries come first. */
  private readonly expiries = new Map<string, number>();

  constructor(
    private readonly windowMs: number,
    private readonly maxEntries: number,
  ) {}

  has(id: string, now = Date.now()): boolean {
    const expiry = this.expiries.get(id);
    if (expiry === undefined) return false;
    if (expiry > now) return true;
    this.expiries.delete(id);
    return false;
  }

  remember(id: string, now = Date.now()): void {
    if (this.windowMs <= 0) return;
    this.expiries.delete(id);
    this.expiries.set(id, now + this.windowMs);
    this.evict(now);
  }

  get size(): number {
    return this.expiries.size;
  }

  private evict(now: number): void {
    for (const [id, expiry] of this.expiries) {
      if (this.expiries.size <= this.maxEntries && expiry > now) break;
      this.expiries.delete(id);
    }
  }
}
