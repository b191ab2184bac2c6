/**
 * The ingest's answers to one message, from its JSON log (one pino line per request, carrying messageId,
 * status and outcome). Lines that are not JSON, or are about other messages, are skipped; the file is read
 * as a stream, so a large log is fine.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

export interface IngestLogAnswer {
  /** ISO time of the log line */
  at: string;
  status: number;
  outcome: string;
  /** the error code for a refused request (unrouted reason, verification failure) */
  code?: string;
  source?: string;
}

const timeOf = (value: unknown): string => {
  if (typeof value === 'number') return new Date(value).toISOString();
  if (typeof value === 'string' && !Number.isNaN(Date.parse(value))) return new Date(value).toISOString();
  return 'unknown';
};

export async function findIngestAnswers(path: string, messageId: string): Promise<IngestLogAnswer[]> {
  const answers: IngestLogAnswer[] = [];
  const lines = createInterface({
    input: createReadStream(path, 'utf8'),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  for await (const line of lines) {
    // Cheap filter before parsing: most lines are other messages'.
    if (!line.includes(messageId)) continue;
    let entry: Record<string, unknown>;
    try {
      entry = JSON.parse(line) as Record<string, unknown>;
    } catch {
      continue;
    }
    if (entry['messageId'] !== messageId || typeof entry['status'] !== 'number') continue;
    answers.push({
      at: timeOf(entry['time']),
      status: entry['status'],
      outcome: String(entry['outcome'] ?? 'unknown'),
      ...(typeof entry['code'] === 'string' ? { code: entry['code'] } : {}),
      ...(typeof entry['source'] === 'string' ? { source: entry['source'] } : {}),
    });
  }
  return answers;
}
