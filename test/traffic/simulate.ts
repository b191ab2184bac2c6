/**
 * `npm run simulate`: realistic signed Okendo traffic against a running ingest (by default the one `npm start`
 * runs, with its dev secret), then a summary of the ledger.
 *   npm run simulate -- --rate 100 --entities 500 [--url ...] [--secret whsec_...] [--duplicates 0.05]
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { planDeliveries } from './planned-deliveries.js';
import { runTraffic } from './traffic-generator.js';

const { values } = parseArgs({
  options: {
    url: {
      type: 'string',
      default: `http://127.0.0.1:${process.env['INGEST_PORT'] ?? '8080'}/webhooks/okendo`,
    },
    secret: { type: 'string' },
    rate: { type: 'string', default: '50' },
    entities: { type: 'string', default: '200' },
    versions: { type: 'string', default: '4' },
    deletes: { type: 'string', default: '0.1' },
    duplicates: { type: 'string', default: '0.05' },
    window: { type: 'string', default: '20' },
    seed: { type: 'string', default: String(Date.now() % 1_000_000) },
  },
});
const secret =
  values.secret ??
  process.env['OKENDO_WEBHOOK_SECRETS']?.split(',')[0] ??
  (await readFile('.local/dev-webhook-secret', 'utf8').catch(() => '')).trim();
if (!secret) {
  console.error(
    'no secret: pass --secret, set OKENDO_WEBHOOK_SECRETS, or run npm start first (it writes .local/dev-webhook-secret)',
  );
  process.exit(2);
}
const seed = Number(values.seed);
const deliveries = planDeliveries({
  prefix: `sim${seed}`,
  entities: Number(values.entities),
  maxVersionsPerEntity: Number(values.versions),
  deleteRatio: Number(values.deletes),
  seed,
});
console.log(`sending ${deliveries.length} deliveries to ${values.url} at ${values.rate}/s (seed ${seed})`);
const started = Date.now();
const ledger = await runTraffic({
  url: values.url,
  secret,
  deliveries,
  ratePerSecond: Number(values.rate),
  outOfOrderWindow: Number(values.window),
  duplicateRatio: Number(values.duplicates),
  seed,
});
console.log(
  JSON.stringify(
    {
      seconds: (Date.now() - started) / 1_000,
      attempts: ledger.attempts,
      acknowledged: ledger.acknowledged.size,
      unacknowledged: ledger.unacknowledged.size,
      answers: Object.fromEntries(ledger.answers),
      entities: ledger.expectedState().length,
    },
    null,
    2,
  ),
);
