import { describeSinkConfig, loadSinkConfig } from '@okendo/sink';
import { describe, expect, it } from 'vitest';

const TOKEN = 'test-token-0123456789abcdef';

describe('SINK_SQL_TOKEN', () => {
  const base = { KAFKA_BROKERS: '127.0.0.1:9092' };

  it('is required to start when SINK_HOST is not loopback', () => {
    expect(() => loadSinkConfig({ ...base, SINK_HOST: '0.0.0.0' })).toThrow(/SINK_SQL_TOKEN: required/);
    expect(() => loadSinkConfig({ ...base, SINK_HOST: '10.1.2.3' })).toThrow(/SINK_SQL_TOKEN: required/);
    expect(loadSinkConfig({ ...base, SINK_HOST: '0.0.0.0', SINK_SQL_TOKEN: TOKEN }).sql.token).toBe(TOKEN);
    for (const host of ['127.0.0.1', 'localhost', '::1'])
      expect(loadSinkConfig({ ...base, SINK_HOST: host }).sql.token).toBeUndefined();
  });

  it('never appears in the logged configuration', () => {
    const config = loadSinkConfig({ ...base, SINK_SQL_TOKEN: TOKEN });
    expect(JSON.stringify(describeSinkConfig(config))).not.toContain(TOKEN);
  });

  it('is refused when short', () => {
    expect(() => loadSinkConfig({ ...base, SINK_SQL_TOKEN: 'short' })).toThrow(/at least 16 characters/);
  });
});

describe('SINK_SQL_* limits', () => {
  const base = { KAFKA_BROKERS: '127.0.0.1:9092' };

  it('default to 100,000 rows, 64 MiB and 20 s, and are validated', () => {
    expect(loadSinkConfig(base).sql.limits).toEqual({
      maxResultRows: 100_000,
      maxResultBytes: 67_108_864,
      maxExecutionSeconds: 20,
    });
    expect(() => loadSinkConfig({ ...base, SINK_SQL_MAX_EXECUTION_SECONDS: '60' })).toThrow(
      /SINK_SQL_MAX_EXECUTION_SECONDS: expected a whole number from 1 to 25/,
    );
    expect(() => loadSinkConfig({ ...base, SINK_SQL_MAX_RESULT_ROWS: 'lots' })).toThrow(
      /SINK_SQL_MAX_RESULT_ROWS/,
    );
  });
});
