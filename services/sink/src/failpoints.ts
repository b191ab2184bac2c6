/**
 * Failpoints: compiled in, inert unless SINK_FAILPOINT is set. They let the fault scenarios crash the sink
 * exactly between two writes of a flush, where a kill at a random second rarely lands:
 * - after-state-insert: the state and child tables (and parked rows) are written, the event log is not;
 * - after-event-log-insert: the event log is written, nothing is committed;
 * - before-commit: everything is written (dead letters published), just before the offset commit.
 * Only flushes that contain resource events count; SINK_FAILPOINT_SKIP lets the first n of them pass.
 */
import { writeSync } from 'node:fs';

export const FAILPOINT_NAMES = ['after-state-insert', 'after-event-log-insert', 'before-commit'] as const;
export type FailpointName = (typeof FAILPOINT_NAMES)[number];

export interface FailpointConfig {
  name: FailpointName;
  /** resource-event flushes to let pass before firing */
  skip: number;
}

export function isFailpointName(value: string): value is FailpointName {
  return (FAILPOINT_NAMES as readonly string[]).includes(value);
}

export class Failpoints {
  private eventFlushes = 0;
  private armed = false;

  constructor(
    private readonly config: FailpointConfig | undefined,
    private readonly kill: () => void = () => process.kill(process.pid, 'SIGKILL'),
    private readonly write: (line: string) => void = (line) => writeSync(2, line),
  ) {}

  /** Called once per flush, before its first write. */
  beginFlush(hasResourceEvents: boolean): void {
    if (this.config === undefined || !hasResourceEvents) {
      this.armed = false;
      return;
    }
    this.eventFlushes += 1;
    this.armed = this.eventFlushes > this.config.skip;
  }

  reach(name: FailpointName): void {
    if (!this.armed || this.config?.name !== name) return;
    // The logger writes asynchronously and SIGKILL leaves no time: this one line goes out synchronously.
    const line = {
      level: 60,
      time: Date.now(),
      failpoint: name,
      flush: this.eventFlushes,
      msg: 'failpoint reached: SIGKILL',
    };
    this.write(`${JSON.stringify(line)}\n`);
    this.kill();
  }
}
