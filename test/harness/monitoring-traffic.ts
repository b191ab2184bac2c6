/**
 * Steady webhook traffic for the monitoring tests: every fixture (all resource types) in turn, each with a new
 * message id, one delivery every `intervalMs` until stopped. Counts the answers by HTTP status.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { FIXTURES } from '@okendo/schemas';
import type { TestPipeline } from './pipeline.js';

export interface Traffic {
  /** deliveries answered so far, by status */
  statuses: () => ReadonlyMap<number, number>;
  stop: () => Promise<void>;
}

export function startTraffic(pipeline: Pick<TestPipeline, 'post'>, intervalMs = 100): Traffic {
  const statuses = new Map<number, number>();
  let running = true;
  const loop = (async () => {
    for (let i = 0; running; i++) {
      const fixture = FIXTURES[i % FIXTURES.length];
      if (fixture === undefined) throw new Error('no fixtures');
      const status = await pipeline.post(fixture);
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      await sleep(intervalMs);
    }
  })();
  return {
    statuses: () => statuses,
    stop: async () => {
      running = false;
      await loop;
    },
  };
}
