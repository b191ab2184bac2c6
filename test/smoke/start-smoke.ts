/**
 * The README's promise, checked in CI: on a fresh clone, `npm start` brings the pipeline up, a signed fixture
 * POSTed to the printed URL is queryable through `npm run sql` within seconds, `npx okendo-pipeline send-test`
 * works on the same defaults, and Ctrl-C stops everything.
 * A healthy run prints no error line: no pino line at level error or above, no kafkajs-format ERROR line.
 *   npx tsx test/smoke/start-smoke.ts
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { freePort } from '@okendo/infra/local';
import { FIXTURES } from '@okendo/schemas';
import { signedHeaders } from '../harness/webhook-signer.js';

const run = promisify(execFile);
const fixture = FIXTURES.find((f) => f.name === 'review.create');
if (fixture === undefined) throw new Error('no review.create fixture');

const dataDir = await mkdtemp(join(tmpdir(), 'okendo-start-smoke-'));
const env: NodeJS.ProcessEnv = {
  ...process.env,
  INGEST_PORT: String(await freePort()),
  SINK_PORT: String(await freePort()),
  CONSOLE_PORT: String(await freePort()),
  CHDB_DATA_DIR: join(dataDir, 'chdb'),
};
for (const key of [
  'KAFKA_BROKERS',
  'CLICKHOUSE_URL',
  'OKENDO_WEBHOOK_SECRETS',
  'OKENDO_WEBHOOK_SOURCES_FILE',
])
  delete env[key];

const started = Date.now();
// Its own process group, so the smoke check can Ctrl-C the whole tree as a terminal would.
const pipeline = spawn('npm', ['start'], { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
const printed = new Map<string, string>();

/** An error line in any of the formats the pipeline's processes use (pino, kafkajs' own, run-service's). */
function isErrorLine(line: string): boolean {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return /\bERROR\b/.test(line);
  }
  const level = (parsed as { level?: unknown } | null)?.level;
  // pino: error 50, fatal 60; kafkajs' console logger and run-service: "ERROR" / "error".
  if (typeof level === 'number') return level >= 50;
  return typeof level === 'string' && ['error', 'fatal'].includes(level.toLowerCase());
}
const errorLines: string[] = [];
let healthy = true;
const watch = (stream: NodeJS.ReadableStream, mark: string) =>
  createInterface({ input: stream }).on('line', (line) => {
    process.stdout.write(`  ${mark} ${line}\n`);
    if (healthy && isErrorLine(line)) errorLines.push(line);
  });
watch(pipeline.stderr as NodeJS.ReadableStream, '!');

const ready = new Promise<void>((resolve, reject) => {
  pipeline.once('exit', (code) => reject(new Error(`npm start exited early (${code})`)));
  watch(pipeline.stdout as NodeJS.ReadableStream, '|').on('line', (line) => {
    const match = /^\s+(webhook URL|secret|console)\s+(\S+)/.exec(line);
    if (match?.[1] && match[2]) printed.set(match[1], match[2]);
    if (line.startsWith('Ctrl-C stops')) resolve();
  });
});
const timeout = setTimeout(() => process.kill(-(pipeline.pid ?? 0), 'SIGKILL'), 240_000);

let failure: string | undefined;
try {
  await ready;
  const url = printed.get('webhook URL');
  const secret = printed.get('secret');
  if (!url || !secret) throw new Error('npm start did not print the webhook URL and secret');
  console.log(`npm start ready in ${((Date.now() - started) / 1_000).toFixed(1)} s`);
  const posted = Date.now();
  const response = await fetch(url, {
    method: 'POST',
    headers: signedHeaders(secret, fixture.body),
    body: fixture.body,
  });
  if (response.status !== 200) throw new Error(`POST answered ${response.status}: ${await response.text()}`);
  let found = false;
  while (!found && Date.now() - posted < 60_000) {
    const { stdout } = await run(
      'npm',
      ['run', '-s', 'sql', '--', 'SELECT review_id FROM okendo.reviews_current', '--json'],
      { env },
    );
    found = stdout.includes(fixture.entityId);
    if (!found) await sleep(250);
  }
  if (!found) throw new Error('the posted review never appeared in okendo.reviews_current');
  console.log(
    `signed fixture queryable through npm run sql ${((Date.now() - posted) / 1_000).toFixed(1)} s after the POST`,
  );
  // The operator CLI on the same defaults: a signed sample through every hop, secret from the file npm start wrote.
  const sendTest = await run('npx', ['okendo-pipeline', '--json', 'send-test', 'review'], { env }).catch(
    (error: { code?: number; stderr?: string }) => {
      throw new Error(`okendo-pipeline send-test exited ${error.code}: ${error.stderr?.trim()}`);
    },
  );
  console.log(`okendo-pipeline send-test review: ${sendTest.stdout.replace(/\s+/g, ' ').slice(0, 400)}`);
  // The console npm start printed: its webhooks page renders (no Okendo credentials here: a banner says so).
  const consoleUrl = printed.get('console');
  const page = consoleUrl === undefined ? undefined : await fetch(consoleUrl);
  if (page?.status !== 200 || !(await page.text()).includes('<h1>Webhooks</h1>'))
    throw new Error(`the console at ${consoleUrl ?? '(not printed)'} answered ${page?.status}`);
  console.log(`console page ${consoleUrl} answered 200`);
  if (errorLines.length > 0)
    throw new Error(`a healthy start printed ${errorLines.length} error line(s):\n${errorLines.join('\n')}`);
} catch (error) {
  failure = (error as Error).message;
} finally {
  healthy = false;
  process.kill(-(pipeline.pid ?? 0), 'SIGINT');
  const exit = await new Promise<string>((resolve) => {
    if (pipeline.exitCode !== null || pipeline.signalCode !== null)
      resolve(String(pipeline.exitCode ?? pipeline.signalCode));
    else pipeline.once('exit', (code, signal) => resolve(String(code ?? signal)));
  });
  clearTimeout(timeout);
  // npm itself may exit before its children finish stopping: give the process group time to drain.
  let leftover = '';
  for (let i = 0; i < 60; i++) {
    try {
      leftover = (await run('ps', ['-o', 'pid=,args=', '-g', String(pipeline.pid)])).stdout.trim();
    } catch {
      leftover = ''; // ps exits 1 when nothing matches: nothing left
    }
    if (leftover === '') break;
    await sleep(500);
  }
  if (leftover !== '') {
    process.kill(-(pipeline.pid ?? 0), 'SIGKILL');
    failure ??= `processes left after Ctrl-C: ${leftover}`;
  }
  // npm itself may die of the SIGINT (as in a terminal); what matters is how its children ended.
  if (!['0', '130', 'SIGINT'].includes(exit)) failure ??= `npm start exited with ${exit} after Ctrl-C`;
  await rm(dataDir, { recursive: true, force: true });
}
if (failure !== undefined) {
  console.error(`start smoke check FAILED: ${failure}`);
  process.exit(1);
}
console.log(
  'start smoke check passed: npm start with no error line, signed POST, npm run sql, okendo-pipeline send-test, Ctrl-C',
);
