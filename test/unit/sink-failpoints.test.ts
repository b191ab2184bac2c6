import { ConfigError } from '@okendo/common';
import { Failpoints, loadSinkConfig } from '@okendo/sink';
import { describe, expect, it } from 'vitest';

const base = { KAFKA_BROKERS: '127.0.0.1:9092' };

describe('SINK_FAILPOINT configuration', () => {
  it('is off unless set', () => {
    expect(loadSinkConfig(base).failpoint).toBeUndefined();
  });

  it('reads a name and a skip count', () => {
    expect(
      loadSinkConfig({ ...base, SINK_FAILPOINT: 'before-commit', SINK_FAILPOINT_SKIP: '3' }).failpoint,
    ).toEqual({
      name: 'before-commit',
      skip: 3,
    });
    expect(loadSinkConfig({ ...base, SINK_FAILPOINT: 'after-state-insert' }).failpoint).toEqual({
      name: 'after-state-insert',
      skip: 0,
    });
  });

  it('refuses an unknown name and a bad skip, naming the key and the choices', () => {
    const problems = (env: Record<string, string>) => {
      try {
        loadSinkConfig({ ...base, ...env });
      } catch (error) {
        if (error instanceof ConfigError) return error.problems.join('\n');
        throw error;
      }
      return '';
    };
    expect(problems({ SINK_FAILPOINT: 'after-commit' })).toMatch(
      'SINK_FAILPOINT: expected one of after-state-insert, after-event-log-insert, before-commit (or unset), got "after-commit"',
    );
    expect(problems({ SINK_FAILPOINT: 'before-commit', SINK_FAILPOINT_SKIP: '-1' })).toMatch(
      /SINK_FAILPOINT_SKIP/,
    );
  });
});

describe('Failpoints', () => {
  function armed(name: 'after-state-insert' | 'before-commit', skip: number) {
    const kills: string[] = [];
    let current = '';
    const failpoints = new Failpoints(
      { name, skip },
      () => kills.push(current),
      () => undefined,
    );
    const flush = (label: string, hasEvents: boolean) => {
      current = label;
      failpoints.beginFlush(hasEvents);
      failpoints.reach('after-state-insert');
      failpoints.reach('after-event-log-insert');
      failpoints.reach('before-commit');
    };
    return { kills, flush };
  }

  it('fires at its own place in the first flush with resource events', () => {
    const { kills, flush } = armed('before-commit', 0);
    flush('parked only', false);
    flush('events', true);
    expect(kills).toEqual(['events']);
  });

  it('skips the first n flushes with resource events', () => {
    const { kills, flush } = armed('after-state-insert', 2);
    for (const label of ['e1', 'parked', 'e2', 'e3']) flush(label, label !== 'parked');
    expect(kills).toEqual(['e3']);
  });

  it('is inert without configuration', () => {
    let killed = false;
    const failpoints = new Failpoints(undefined, () => {
      killed = true;
    });
    failpoints.beginFlush(true);
    failpoints.reach('before-commit');
    expect(killed).toBe(false);
  });
});
