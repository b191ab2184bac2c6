/** The hops of a test delivery as table rows (hop, ms, detail): the CLI prints them, the console renders them. */
import type { SendTestResult } from './send-test-run.js';

const ms = (value: number): string => value.toFixed(1);

/** `arrow` between "2xx" and the row reached: `->` in a terminal, `→` on a page. */
export function sendTestHops(result: SendTestResult, arrow = '->'): string[][] {
  const rows: string[][] = [
    [
      `ingest answer (${result.ingest.status})`,
      ms(result.ingest.ms),
      `${result.ingest.answer} from ${result.ingest.url}`,
    ],
  ];
  if (result.events)
    rows.push([
      `2xx ${arrow} events row`,
      ms(result.events.ms),
      `${result.events.kafkaTopic} partition ${result.events.kafkaPartition} offset ${result.events.kafkaOffset}`,
    ]);
  if (result.current)
    rows.push([
      `2xx ${arrow} ${result.current.deleted ? 'deleted state row' : '_current row'}`,
      ms(result.current.ms),
      result.current.view,
    ]);
  return rows;
}
