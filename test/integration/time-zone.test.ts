/**
 * Time zone independence: the model gives the same values on a ClickHouse server whose own time zone is not
 * UTC and on chDB in a process whose TZ is not UTC, written through the sink's real write path and read as
 * text, as epoch seconds, through the month view and against a text literal (test/harness/time-zone-probe.ts).
 * The two zones shift opposite ways, so both sides of a month boundary are exercised.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import {
  findExecutable,
  type LocalClickHouse,
  startClickHouseServer,
  stopClickHouseServer,
} from '@okendo/infra/local';
import { ClickHouseServerWarehouse } from '@okendo/sink';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInfra, titleWithSkipReason } from '../harness/infra.js';
import { expectedObservations, type ProbeResult, probeWarehouse } from '../harness/time-zone-probe.js';
import { repoRoot } from '../vitest.shared.js';

const infra = runInfra();
const SERVER_ZONE = 'Asia/Kolkata';
const CHDB_ZONE = 'America/Los_Angeles';
// This test starts its own server (a time zone is server-wide), whatever provided the run's shared one.
const SBIN = ['/usr/sbin', '/usr/bin', '/usr/local/bin'];
const serverMissing =
  process.env['CLICKHOUSE_SERVER_BIN'] !== undefined ||
  (await findExecutable('clickhouse-server', SBIN)) !== undefined ||
  (await findExecutable('clickhouse', SBIN)) !== undefined
    ? undefined
    : 'clickhouse-server is not installed: this test starts one of its own in a non-UTC time zone';
// Under REQUIRE_INFRA a missing server is a failure (startClickHouseServer says why), never a skip.
const skipServer = serverMissing !== undefined && process.env['REQUIRE_INFRA'] !== '1';

describe.skipIf(skipServer)(
  titleWithSkipReason(
    `ClickHouse server in ${SERVER_ZONE}: the same values as in UTC`,
    skipServer ? serverMissing : undefined,
  ),
  () => {
    let server: LocalClickHouse;

    beforeAll(async () => {
      server = await startClickHouseServer({ timezone: SERVER_ZONE });
    });

    afterAll(async () => {
      if (server) await stopClickHouseServer(server, { graceMs: 5_000 });
    });

    it('reads every DateTime as the instant that was written, in UTC', async () => {
      const warehouse = new ClickHouseServerWarehouse({ url: server.url });
      try {
        const result = await probeWarehouse(warehouse, 'okendo_tz');
        expect(result.timezone).toBe(SERVER_ZONE);
        expect(result.observations).toEqual(expectedObservations());
      } finally {
        await warehouse.close();
      }
    });
  },
);

describe.skipIf(infra.chdb === undefined)(
  titleWithSkipReason(`chDB under TZ=${CHDB_ZONE}: the same values as in UTC`, infra.unavailable.chdb),
  () => {
    it('reads every DateTime as the instant that was written, in UTC', async () => {
      // chDB is in-process and reads TZ once: a child process of its own, with TZ set.
      const { stdout } = await promisify(execFile)(
        process.execPath,
        ['--import', 'tsx', '--conditions=source', 'test/harness/time-zone-probe.ts'],
        { cwd: repoRoot, env: { ...process.env, TZ: CHDB_ZONE }, maxBuffer: 16 * 1_048_576 },
      );
      const result = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as ProbeResult;
      expect(result.timezone).toBe(CHDB_ZONE);
      expect(result.observations).toEqual(expectedObservations());
    });
  },
);
