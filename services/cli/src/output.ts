/**
 * Where a command writes. stdout carries the command's data only: a JSON document with --json, else the human
 * text. Logs and progress go to stderr, and only when stderr is a terminal, so `--json | jq` and scripts see
 * nothing but data. Warnings and errors always reach stderr.
 */
import { SingleBar } from 'cli-progress';

export interface Progress {
  increment(by?: number): void;
  setTotal(total: number): void;
  stop(): void;
}

export interface Output {
  readonly json: boolean;
  /** The command's result: `data` as JSON with --json, else the text `human()` returns. */
  result(data: unknown, human: () => string): void;
  /** A log line (stderr, only on a terminal). */
  info(line: string): void;
  /** Something the operator must see even in a script (stderr, always). */
  warn(line: string): void;
  /** A progress bar on a terminal's stderr; does nothing otherwise. */
  progress(label: string, total: number): Progress;
}

export interface OutputStreams {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown; isTTY?: boolean };
}

const NO_PROGRESS: Progress = { increment() {}, setTotal() {}, stop() {} };

/** JSON with bigints as strings (ClickHouse UInt64 values, Kafka offsets). */
export function toJson(data: unknown): string {
  return JSON.stringify(data, (_key, value) => (typeof value === 'bigint' ? value.toString() : value), 2);
}

export function createOutput(
  json: boolean,
  streams: OutputStreams = { stdout: process.stdout, stderr: process.stderr },
): Output {
  const terminal = streams.stderr.isTTY === true;
  return {
    json,
    result(data, human) {
      const text = json ? toJson(data) : human();
      if (text !== '') streams.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
    },
    info(line) {
      if (terminal) streams.stderr.write(`${line}\n`);
    },
    warn(line) {
      streams.stderr.write(`warning: ${line}\n`);
    },
    progress(label, total) {
      if (!terminal) return NO_PROGRESS;
      const bar = new SingleBar({
        format: `${label} [{bar}] {value}/{total} {percentage}% eta {eta_formatted}`,
        stream: process.stderr,
        hideCursor: true,
      });
      bar.start(Math.max(total, 0), 0);
      return {
        increment: (by = 1) => bar.increment(by),
        setTotal: (n) => bar.setTotal(n),
        stop: () => bar.stop(),
      };
    },
  };
}

/** A plain aligned table for human output (no colours: it may be piped). */
export function table(headers: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = headers.map((header, i) =>
    Math.max(header.length, ...rows.map((row) => (row[i] ?? '').length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}
