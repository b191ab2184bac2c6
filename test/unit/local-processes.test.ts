import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import {
  freePort,
  isAlive,
  kafkaLogsThroughLog4j2,
  kafkaVersion,
  PINNED_KAFKA_4_VERSION,
  PINNED_KAFKA_VERSION,
  retryWhenPortTaken,
  stopProcess,
  VERIFIED_KAFKA_VERSIONS,
} from '@okendo/infra/local';
import { describe, expect, it } from 'vitest';

describe('stopProcess', () => {
  it('ends a process that honours SIGTERM without escalating', async () => {
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    const pid = child.pid ?? -1;
    expect(isAlive(pid)).toBe(true);
    expect(await stopProcess(pid, 5_000)).toBe('terminated');
    expect(isAlive(pid)).toBe(false);
  });

  it('SIGKILLs a process that ignores SIGTERM once the grace period is over', async () => {
    const script = "process.on('SIGTERM', () => {}); console.log('ready'); setInterval(() => {}, 1000)";
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'ignore'] });
    await new Promise((resolve) => child.stdout?.once('data', resolve));
    expect(await stopProcess(child.pid ?? -1, 300)).toBe('killed');
    expect(isAlive(child.pid ?? -1)).toBe(false);
  });

  it('reports a process that is already gone', async () => {
    const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
    await new Promise((resolve) => child.once('exit', resolve));
    expect(await stopProcess(child.pid ?? -1)).toBe('not-running');
  });
});

describe('freePort', () => {
  it('returns a port that can be bound on 127.0.0.1', async () => {
    const port = await freePort();
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', resolve);
    });
    await new Promise((resolve) => server.close(resolve));
    expect(port).toBeGreaterThan(0);
  });
});

describe('kafkaVersion', () => {
  it('is the pinned version unless KAFKA_VERSION overrides it', () => {
    expect(kafkaVersion({})).toBe(PINNED_KAFKA_VERSION);
    expect(kafkaVersion({ KAFKA_VERSION: ' 4.1.1 ' })).toBe('4.1.1');
  });

  it('refuses 4.0.0, which cannot serve kafkajs consumer groups (JoinGroup v0-1 removed)', () => {
    expect(() => kafkaVersion({ KAFKA_VERSION: '4.0.0' })).toThrow(/use 4.0.1\+/);
    expect(kafkaVersion({ KAFKA_VERSION: '4.0.1' })).toBe('4.0.1');
  });

  it('logs through log4j2 from 4.x on, through reload4j before', () => {
    expect(kafkaLogsThroughLog4j2(PINNED_KAFKA_VERSION)).toBe(false);
    expect(kafkaLogsThroughLog4j2(PINNED_KAFKA_4_VERSION)).toBe(true);
    expect(VERIFIED_KAFKA_VERSIONS).toEqual([PINNED_KAFKA_VERSION, PINNED_KAFKA_4_VERSION]);
  });

  it('rejects a malformed override with the offending value', () => {
    expect(() => kafkaVersion({ KAFKA_VERSION: 'latest' })).toThrow(
      /KAFKA_VERSION must look like 3.9.1, got "latest"/,
    );
  });
});

describe('retryWhenPortTaken', () => {
  const portTaken = new Error(
    'the broker process exited\nCaused by: java.net.BindException: Address already in use',
  );
  /** A start that fails `failures` times with `error`, then succeeds; counts its calls. */
  function flakyStart(failures: number, error: Error) {
    let calls = 0;
    const start = async () => {
      calls += 1;
      if (calls <= failures) throw error;
      return 'started';
    };
    return { start, calls: () => calls };
  }

  it('starts a fresh service again on new ports when its port was taken, up to 3 attempts', async () => {
    const twice = flakyStart(2, portTaken);
    expect(await retryWhenPortTaken(true, twice.start)).toBe('started');
    expect(twice.calls()).toBe(3);
    const always = flakyStart(3, portTaken);
    await expect(retryWhenPortTaken(true, always.start)).rejects.toThrow('Address already in use');
    expect(always.calls()).toBe(3);
  });

  it('never retries a restart on known ports, nor another failure', async () => {
    const restart = flakyStart(1, portTaken);
    await expect(retryWhenPortTaken(false, restart.start)).rejects.toThrow('Address already in use');
    expect(restart.calls()).toBe(1);
    const other = flakyStart(1, new Error('the broker process exited: out of disk'));
    await expect(retryWhenPortTaken(true, other.start)).rejects.toThrow('out of disk');
    expect(other.calls()).toBe(1);
  });
});
