/**
 * vitest global setup of the integration suite: one Kafka broker and one ClickHouse server for the whole run.
 * With REQUIRE_INFRA=1 (CI) a part that no provider could start fails the run with every provider's reason;
 * without it, the tests that need that part are reported skipped and the reason is printed here.
 */
import type { TestProject } from 'vitest/node';
import type { ProvidedInfra } from './infra-context.js';
import { providePrometheus } from './prometheus.js';
import { provideChdb, provideClickHouse, provideKafka } from './providers.js';
import { printReliabilityReport, resetReliabilityResults } from './reliability-report.js';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  await resetReliabilityResults();
  const [kafka, clickhouse, chdb, prometheus] = await Promise.all([
    provideKafka(),
    provideClickHouse(),
    provideChdb(),
    providePrometheus(),
  ]);
  const infra: ProvidedInfra = { unavailable: {} };
  const stops: Array<() => Promise<void>> = [];

  if (kafka.ok) {
    const { value, source, version, startupMs, stop } = kafka.provided;
    infra.kafka = { brokers: value, source, version };
    stops.push(stop);
    console.log(`[infra] Kafka ${version} (${source}) at ${value}, ready in ${startupMs} ms`);
  } else {
    infra.unavailable.kafka = kafka.reasons.join('; ');
  }
  if (clickhouse.ok) {
    const { value, source, version, startupMs, stop } = clickhouse.provided;
    infra.clickhouse = { ...value, source, version };
    stops.push(stop);
    console.log(`[infra] ClickHouse server ${version} (${source}) at ${value.url}, ready in ${startupMs} ms`);
  } else {
    infra.unavailable.clickhouse = clickhouse.reasons.join('; ');
  }
  if (chdb.ok) {
    infra.chdb = { version: chdb.version };
    console.log(`[infra] chDB engine ${chdb.version} (embedded)`);
  } else {
    infra.unavailable.chdb = chdb.reasons.join('; ');
  }
  if (prometheus.ok) {
    infra.prometheus = { version: prometheus.version };
    console.log(`[infra] Prometheus ${prometheus.version} (native, one per test that needs it)`);
  } else {
    infra.unavailable.prometheus = prometheus.reasons.join('; ');
  }

  const stopAll = async (): Promise<void> => {
    await Promise.allSettled(stops.map((stop) => stop()));
    await printReliabilityReport();
  };
  const missing = Object.entries(infra.unavailable);
  if (missing.length > 0) {
    const report = missing.map(([part, reason]) => `  ${part}: ${reason}`).join('\n');
    if (process.env['REQUIRE_INFRA'] === '1') {
      await stopAll();
      throw new Error(`REQUIRE_INFRA=1 but some infrastructure could not be provided:\n${report}`);
    }
    console.warn(`[infra] integration tests needing these parts will be skipped:\n${report}`);
  }

  project.provide('infra', infra);
  return stopAll;
}
