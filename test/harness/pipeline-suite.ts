/**
 * A whole pipeline for the tests of one describe block: started before them, stopped after them (the
 * vitest hooks; pipeline.ts holds the plain start functions).
 */
import { afterAll, beforeAll } from 'vitest';
import type { ProvidedInfra } from './infra-context.js';
import {
  type PipelineWithAdmin,
  startPipelineWithAdmin,
  startTestPipeline,
  type TestPipeline,
  type WarehouseTarget,
} from './pipeline.js';

function suiteHooks<Started extends { stop: () => Promise<void> }>(
  infra: ProvidedInfra,
  target: () => WarehouseTarget | undefined,
  start: (brokers: string, target: WarehouseTarget) => Promise<Started>,
  use: (started: Started) => void,
): void {
  let started: Started | undefined;
  beforeAll(async () => {
    const chosen = target();
    if (chosen === undefined || infra.kafka === undefined) throw new Error('unreachable: suite is skipped');
    started = await start(infra.kafka.brokers, chosen);
    use(started);
  });
  afterAll(async () => {
    await started?.stop();
  });
}

/**
 * Registers the describe block's beforeAll (start, then `use` hands the pipeline to the block's variables) and
 * afterAll (stop). Call it in a block skipped when the target is missing: the start throws if it runs anyway.
 */
export function pipelineForSuite(
  infra: ProvidedInfra,
  target: () => WarehouseTarget | undefined,
  use: (pipeline: TestPipeline) => void,
  env: Record<string, string> = {},
): void {
  suiteHooks(infra, target, (brokers, chosen) => startTestPipeline(brokers, chosen, env), use);
}

/** pipelineForSuite with startPipelineWithAdmin: the pipeline and a direct admin connection to its warehouse. */
export function adminPipelineForSuite(
  infra: ProvidedInfra,
  target: () => WarehouseTarget | undefined,
  use: (started: PipelineWithAdmin) => void,
  env: Record<string, string> = {},
): void {
  suiteHooks(infra, target, (brokers, chosen) => startPipelineWithAdmin(brokers, chosen, env), use);
}
