/**
 * The console's CLI context in embedded mode (warehouseThroughSinkOnly): with no sink answering it refuses
 * instead of opening chDB's data dir (a long-lived console holding that lock would keep the sink from
 * starting), and it tries again on the next read, so a sink that comes up later is used.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CliError, createContext, createOutput, EXIT } from '@okendo/cli';
import { afterAll, beforeAll, expect, it } from 'vitest';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'console-chdb-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A stand-in of the sink's /healthz and POST /sql on a port of its own. */
async function fakeSink(port = 0): Promise<Server> {
  const server = createServer((request, response) => {
    response.setHeader('content-type', 'application/json');
    response.end(request.url === '/sql' ? JSON.stringify({ rows: [{ n: 1 }] }) : '{"status":"ok"}');
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return server;
}

it('refuses rather than open chDB when no sink answers, and uses the sink once it does', async () => {
  // a port nothing listens on: take one, then free it
  const probe = await fakeSink();
  const port = (probe.address() as AddressInfo).port;
  await new Promise((resolve) => probe.close(resolve));
  const dataDir = join(dir, 'chdb');
  const context = createContext(
    { CHDB_DATA_DIR: dataDir, SINK_URL: `http://127.0.0.1:${port}`, CLICKHOUSE_URL: undefined },
    createOutput(true, { stdout: { write: () => true }, stderr: { write: () => true } }),
    { warehouseThroughSinkOnly: true },
  );
  try {
    const refused = await context.warehouse().catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(CliError);
    expect((refused as CliError).exitCode).toBe(EXIT.unavailable);
    expect((refused as CliError).message).toMatch(
      /did not answer; embedded chDB is read only through the running sink/,
    );
    expect(await readdir(dir)).toEqual([]);

    const sink = await fakeSink(port);
    try {
      const access = await context.warehouse();
      expect(access.via).toBe(`the sink at http://127.0.0.1:${port}`);
      expect(await access.query('SELECT 1 AS n')).toEqual([{ n: 1 }]);
    } finally {
      await new Promise((resolve) => sink.close(resolve));
    }
  } finally {
    await context.close();
  }
});
