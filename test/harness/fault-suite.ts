/**
 * The vitest side of the fault scenarios, shared by the files that hold them (fault-scenarios*.test.ts): the
 * skip-or-fail rule for the native toolchain, and the promise every scenario must keep. The scenarios are
 * split over two files so the run's two workers can take one each (or one beside a lighter file); within a
 * file they run one after another.
 */
import { kafkaVersion } from '@okendo/infra/local';
import { beforeAll, describe, expect, it } from 'vitest';
import { runScenario, type ScenarioDefinition, type ScenarioResult } from './fault-scenario.js';
import { titleWithSkipReason } from './infra.js';
import { nativeToolchainMissing } from './native-toolchain.js';

export const SCENARIO_TIMEOUT_MS = 240_000;

/** Every event acknowledged with a 2xx is in ClickHouse once, in its latest state. */
export function expectPromiseKept(result: ScenarioResult): void {
  expect(result.acknowledged).toBeGreaterThan(0);
  // The sender retried every delivery until it was acknowledged (as Svix would, for days).
  expect(result.unacknowledged).toBe(0);
  expect({
    lost: result.lost,
    duplicates: result.duplicateDetail,
    wrongState: result.wrongState,
    mismatches: result.mismatches,
  }).toEqual({
    lost: 0,
    duplicates: { events: 0, state: 0, children: 0, views: 0 },
    wrongState: 0,
    mismatches: [],
  });
  expect(result.stored + result.deadLettered).toBe(result.acknowledged);
}

/**
 * Registers `scenarios` as tests, plus `selfTests` (tests of their own, for runs meant to break the promise).
 * Each scenario starts and kills its own native Kafka and ClickHouse, wherever the run's shared ones come from
 * (explicit KAFKA_BROKERS / CLICKHOUSE_URL included). Without the native toolchain they cannot run: skipped
 * with the reason, or, under REQUIRE_INFRA=1, failed with it.
 */
export async function describeFaultScenarios(
  title: string,
  scenarios: ScenarioDefinition[],
  selfTests: () => void = () => {},
): Promise<void> {
  // Every Kafka version a scenario runs on needs its jars (scenario a4 runs on the verified 4.x).
  const versions = scenarios.flatMap((scenario) =>
    scenario.kafkaVersion === undefined ? [] : [scenario.kafkaVersion],
  );
  const missing = await nativeToolchainMissing([...new Set([kafkaVersion(), ...versions])]);
  const required = process.env['REQUIRE_INFRA'] === '1';
  const skipReason =
    missing === undefined ? undefined : `they kill their own native Kafka and ClickHouse, and ${missing}`;

  describe.skipIf(skipReason !== undefined && !required)(titleWithSkipReason(title, skipReason), () => {
    beforeAll(() => {
      if (skipReason !== undefined)
        throw new Error(`REQUIRE_INFRA=1: the fault scenarios cannot run: ${skipReason}`);
    });

    it.each(scenarios)(
      '$name: lost = 0, duplicates = 0, state = ledger',
      async (scenario) => {
        const result = await runScenario(scenario);
        expectPromiseKept(result);
        if (scenario.extraDeliveries !== undefined) expect(result.deadLettered).toBe(1);
        if (scenario.firstSinkStartEnv !== undefined)
          expect(result.notes.some((n) => n.startsWith('sink exited with SIGKILL'))).toBe(true);
      },
      SCENARIO_TIMEOUT_MS,
    );

    selfTests();
  });
}
