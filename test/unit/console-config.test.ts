/** The console's config: loopback by default, a token required beyond it, a message per bad key. */
import { ConfigError } from '@okendo/common';
import { isLoopbackHost, loadConsoleConfig } from '@okendo/console';
import { describe, expect, it } from 'vitest';

const problemsOf = (env: NodeJS.ProcessEnv): readonly string[] => {
  try {
    loadConsoleConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
};

describe('console config', () => {
  it('defaults to 127.0.0.1:9200, source default, no token, a 60 s refresh', () => {
    const config = loadConsoleConfig({});
    expect(config).toMatchObject({
      host: '127.0.0.1',
      port: 9200,
      authToken: undefined,
      sources: ['default'],
      refreshSeconds: 60,
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('refuses a non-loopback host without CONSOLE_AUTH_TOKEN, naming the key', () => {
    expect(problemsOf({ CONSOLE_HOST: '0.0.0.0' })).toEqual([
      expect.stringMatching(
        /^CONSOLE_AUTH_TOKEN: required when CONSOLE_HOST \("0\.0\.0\.0"\) is not a loopback/,
      ),
    ]);
    expect(loadConsoleConfig({ CONSOLE_HOST: '0.0.0.0', CONSOLE_AUTH_TOKEN: 'a'.repeat(32) }).authToken).toBe(
      'a'.repeat(32),
    );
  });

  it('lists every bad key at once, never echoing the token', () => {
    const problems = problemsOf({
      CONSOLE_PORT: 'eighty',
      CONSOLE_AUTH_TOKEN: 'short-secret',
      CONSOLE_SOURCES: 'default,Shop A',
      CONSOLE_REFRESH_SECONDS: '0',
    });
    expect(problems.map((p) => p.split(':')[0])).toEqual([
      'CONSOLE_PORT',
      'CONSOLE_AUTH_TOKEN',
      'CONSOLE_SOURCES',
      'CONSOLE_REFRESH_SECONDS',
    ]);
    expect(problems.join('\n')).not.toContain('short-secret');
  });

  it('reads several sources and refuses a repeated one', () => {
    expect(loadConsoleConfig({ CONSOLE_SOURCES: 'default, shop-a' }).sources).toEqual(['default', 'shop-a']);
    expect(problemsOf({ CONSOLE_SOURCES: 'a,a' })).toEqual([expect.stringContaining('listed twice')]);
  });

  it('knows loopback addresses', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]'])
      expect(isLoopbackHost(host)).toBe(true);
    for (const host of ['0.0.0.0', '10.0.0.1', '::', 'example.com']) expect(isLoopbackHost(host)).toBe(false);
  });
});
