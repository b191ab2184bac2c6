/**
 * What the integration global setup hands to the test files (through vitest's provide/inject): where the one
 * Kafka broker and the one ClickHouse server of this run are, and why a part is missing when it is.
 */
export interface ClickHouseEndpoint {
  url: string;
  username: string;
  password: string;
}

export interface ProvidedInfra {
  kafka?: { brokers: string; source: string; version: string };
  clickhouse?: ClickHouseEndpoint & { source: string; version: string };
  chdb?: { version: string };
  /** the `prometheus` binary runs (each test starts its own, scraping its own services) */
  prometheus?: { version: string };
  /** Per missing part, every provider tried and why it failed. */
  unavailable: { kafka?: string; clickhouse?: string; chdb?: string; prometheus?: string };
}

declare module 'vitest' {
  export interface ProvidedContext {
    infra: ProvidedInfra;
  }
}
