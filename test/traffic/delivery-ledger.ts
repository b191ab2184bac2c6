/**
 * The traffic generator's books: every attempt and its answer, which messages were acknowledged with a 2xx,
 * and from those the state the warehouse must end in (the highest acknowledged version of each entity).
 */
import type { PlannedDelivery } from './planned-deliveries.js';

export interface ExpectedEntity {
  table: string;
  idColumn: string;
  entityId: string;
  sequenceNumber: bigint;
  deleted: boolean;
  /** the acknowledged delivery of that version: its body is what the state and child rows must show */
  delivery: PlannedDelivery;
}

export class DeliveryLedger {
  readonly acknowledged = new Map<string, PlannedDelivery>();
  readonly unacknowledged = new Map<string, PlannedDelivery>();
  /** answers by status code ('network' for no answer) */
  readonly answers = new Map<string, number>();
  attempts = 0;

  recordAttempt(delivery: PlannedDelivery, status: number | 'network'): void {
    this.attempts++;
    const key = String(status);
    this.answers.set(key, (this.answers.get(key) ?? 0) + 1);
    if (typeof status === 'number' && status >= 200 && status < 300) {
      this.acknowledged.set(delivery.messageId, delivery);
      this.unacknowledged.delete(delivery.messageId);
    } else if (!this.acknowledged.has(delivery.messageId)) {
      this.unacknowledged.set(delivery.messageId, delivery);
    }
  }

  /** Acknowledged deliveries the warehouse must store as events (not the ones meant to be dead-lettered). */
  storable(): PlannedDelivery[] {
    return [...this.acknowledged.values()].filter((d) => d.expect !== 'dead-letter');
  }

  /** Acknowledged deliveries the sink must dead-letter (poison rows planted by a scenario). */
  expectedDeadLetters(): PlannedDelivery[] {
    return [...this.acknowledged.values()].filter((d) => d.expect === 'dead-letter');
  }

  /**
   * Per entity, the highest acknowledged version: what its _current row must show (or its absence).
   * Entities planted to be dead-lettered are left out: they have no state to check.
   */
  expectedState(): ExpectedEntity[] {
    const latest = new Map<string, ExpectedEntity>();
    for (const d of this.storable()) {
      const key = `${d.table}\u0000${d.entityId}`;
      const current = latest.get(key);
      if (current === undefined || d.sequenceNumber > current.sequenceNumber) {
        latest.set(key, {
          table: d.table,
          idColumn: d.idColumn,
          entityId: d.entityId,
          sequenceNumber: d.sequenceNumber,
          deleted: d.topic === 'delete',
          delivery: d,
        });
      }
    }
    return [...latest.values()];
  }

  fiveHundreds(): number {
    return [...this.answers].filter(([status]) => status.startsWith('5')).reduce((sum, [, n]) => sum + n, 0);
  }
}
