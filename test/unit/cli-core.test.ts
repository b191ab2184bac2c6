/**
 * The operator CLI's conventions, whatever the command: stdout carries data only (JSON with --json), logs and
 * progress only on a terminal's stderr, errors as one line with a documented exit code, --help everywhere.
 */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { CliError, EXIT } from '../../services/cli/src/exit-codes.js';
import { createOutput, table, toJson } from '../../services/cli/src/output.js';
import { auditRecord } from '../../services/cli/src/warehouse-access.js';
import { finished, runOperatorCli } from '../harness/replay-cli.js';
import { repoRoot } from '../vitest.shared.js';

function streams(isTTY: boolean) {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    streams: {
      stdout: { write: (t: string) => out.push(t) },
      stderr: { write: (t: string) => err.push(t), isTTY },
    },
  };
}

describe('CLI output', () => {
  it('prints one JSON document with --json, the human text otherwise', () => {
    const json = streams(false);
    createOutput(true, json.streams).result({ n: 1n, id: 'a' }, () => 'human');
    expect(JSON.parse(json.out.join(''))).toEqual({ n: '1', id: 'a' });
    const human = streams(false);
    createOutput(false, human.streams).result({ n: 1 }, () => 'human');
    expect(human.out.join('')).toBe('human\n');
  });

  it('writes logs and progress to stderr only on a terminal; warnings always', () => {
    const piped = streams(false);
    const output = createOutput(true, piped.streams);
    output.info('connecting');
    output.progress('replay', 10).increment();
    output.warn('audit row not written');
    expect(piped.out).toEqual([]);
    expect(piped.err).toEqual(['warning: audit row not written\n']);
    const terminal = streams(true);
    createOutput(false, terminal.streams).info('connecting');
    expect(terminal.err).toEqual(['connecting\n']);
  });

  it('aligns tables and keeps big integers exact in JSON', () => {
    expect(
      table(
        ['id', 'url'],
        [
          ['1', 'http://a'],
          ['22', 'b'],
        ],
      ),
    ).toBe('id  url\n1   http://a\n22  b');
    expect(toJson({ offset: 2n ** 63n - 1n })).toContain('"9223372036854775807"');
  });

  it('stores audit times as whole seconds and exact milliseconds', () => {
    const row = auditRecord({
      at: 1_764_640_000_123,
      actor: 'a',
      command: 'c',
      target: 't',
      outcome: 'ok',
      detail: '',
    });
    expect(row).toMatchObject({ at: 1_764_640_000, at_ms: 1_764_640_000_123 });
  });

  it('keeps a usage error distinct from a failure', () => {
    expect(new CliError('x', EXIT.usage).exitCode).toBe(2);
    expect(new CliError('x').exitCode).toBe(EXIT.failed);
  });
});

// Each run starts node with tsx: seconds on a loaded machine, so these wait longer than vitest's 5 s default.
describe('okendo-pipeline as a process', { timeout: 60_000 }, () => {
  it('prints help with the exit codes and exits 0', async () => {
    const run = await runOperatorCli(['--help'], {});
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Exit codes: 0 done');
  });

  it('answers an unknown command with exit 2 and a hint on stderr', async () => {
    const run = await runOperatorCli(['no-such-command'], {});
    expect(run.code).toBe(EXIT.usage);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('--help');
  });

  it('runs from the bin that `npx okendo-pipeline` links, with the exit code of its child', async () => {
    const bin = spawn(process.execPath, ['services/cli/bin/okendo-pipeline.mjs', 'no-such-command'], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const run = await finished(bin);
    expect(run.code).toBe(EXIT.usage);
    expect(run.stderr).toContain('add --help for usage');
  });
});
