/**
 * Remembers message ids published recently, so a sender's retry of a message we already stored gets 2xx
 * without a second publish. Best effort only (per process, bounded, forgotten on restart): correctness comes
 * from the warehouse, which deduplicates by message id.
 *
 * Ids are kept in arrival order in a ring (id, expiry) beside a Map id -> ring slot, so forgetting the oldest
 * is O(1). (Iterating a Map from its start to drop the oldest, as this did before, walks over every entry
 * deleted since V8 last rehashed the table: ~20 us per request once full.) The Map's values are small
 * integers and the expiries sit in a Float64Array: ~100 bytes per entry with the id itself.
 */
export class RecentMessageIds {
  /** id -> its ring slot; an id remembered again points to its newest slot. */
  private readonly slots = new Map<string, number>();
  /** Ring in arrival order; grown by doubling up to maxEntries (not allocated at the maximum up front). */
  private ids: Array<string | undefined> = [];
  private expiries = new Float64Array(0);
  /** Oldest occupied slot, and how many slots are occupied from there (wrapping). */
  private head = 0;
  private count = 0;

  constructor(
    private readonly windowMs: number,
    private readonly maxEntries: number,
  ) {}

  has(id: string, now = Date.now()): boolean {
    const slot = this.slots.get(id);
    return slot !== undefined && (this.expiries[slot] as number) > now;
  }

  remember(id: string, now = Date.now()): void {
    if (this.windowMs <= 0) return;
    this.evict(now);
    if (this.count === this.ids.length) this.grow();
    const slot = (this.head + this.count) % this.ids.length;
    this.ids[slot] = id;
    this.expiries[slot] = now + this.windowMs;
    this.count += 1;
    this.slots.set(id, slot);
  }

  get size(): number {
    return this.slots.size;
  }

  /** Drops the oldest entries while they have expired or the ring is at maxEntries (room for one more). */
  private evict(now: number): void {
    while (this.count > 0 && (this.count >= this.maxEntries || (this.expiries[this.head] as number) <= now)) {
      const id = this.ids[this.head] as string;
      // Only if the Map still points here: a later remember of the same id moved it to a newer slot.
      if (this.slots.get(id) === this.head) this.slots.delete(id);
      this.ids[this.head] = undefined;
      this.head = (this.head + 1) % this.ids.length;
      this.count -= 1;
    }
  }

  /** Doubles the ring (up to maxEntries), unwrapping it so the oldest entry is at slot 0 again. */
  private grow(): void {
    const capacity = Math.min(this.maxEntries, Math.max(1_024, this.ids.length * 2));
    const ids: Array<string | undefined> = new Array(capacity);
    const expiries = new Float64Array(capacity);
    for (let i = 0; i < this.count; i++) {
      const from = (this.head + i) % this.ids.length;
      const id = this.ids[from] as string;
      ids[i] = id;
      expiries[i] = this.expiries[from] as number;
      if (this.slots.get(id) === from) this.slots.set(id, i);
    }
    this.ids = ids;
    this.expiries = expiries;
    this.head = 0;
  }
}
