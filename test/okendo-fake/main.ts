/**
 * `npm run okendo:fake`: the Okendo fake as a local process, for trying the operator CLI without an Okendo
 * account. Prints `OKENDO_API_URL=<base URL>` once it listens, then sends a steady stream of traffic-generator
 * events (OKENDO_FAKE_RATE per second) to every enabled subscription created against it. Ctrl-C stops it.
 */
import { ConfigError, EnvReader } from '@okendo/common';
import { type PlannedDelivery, planDeliveries } from '../traffic/planned-deliveries.js';
import { COMPRESSED_RETRY_SCHEDULE_MS } from '../traffic/traffic-generator.js';
import { FakeCatalog, sampleReviews } from './catalog.js';
import { FakeOkendo } from './fake-okendo.js';

function readConfig(env: NodeJS.ProcessEnv) {
  const reader = new EnvReader(env);
  const config = {
    host: reader.string('OKENDO_FAKE_HOST', '127.0.0.1'),
    port: reader.integer('OKENDO_FAKE_PORT', 8095, { min: 0, max: 65_535 }),
    userId: reader.required('OKENDO_USER_ID', 'the Okendo user id the fake accepts, e.g. a UUID'),
    apiKey: reader.required('OKENDO_API_KEY', 'the API key the fake accepts, any 32 characters'),
    ratePerSecond: reader.integer('OKENDO_FAKE_RATE', 2, { min: 0, max: 1_000 }),
    rotationGraceMs: reader.integer('OKENDO_FAKE_ROTATION_GRACE_MS', 86_400_000, {
      min: 0,
      max: 7 * 86_400_000,
    }),
  };
  reader.finish();
  return Object.freeze(config);
}

/** Endless traffic: one planned batch of entity lifecycles after another, ids unique to this run. */
function trafficSource(): () => PlannedDelivery {
  const run = `fake${Date.now().toString(36)}`;
  let batch = 0;
  let queue: PlannedDelivery[] = [];
  return () => {
    let next = queue.shift();
    while (next === undefined) {
      batch += 1;
      queue = planDeliveries({
        prefix: `${run}-${batch}`,
        entities: 50,
        maxVersionsPerEntity: 4,
        deleteRatio: 0.1,
        seed: batch,
      });
      next = queue.shift();
    }
    return next;
  };
}

let config: ReturnType<typeof readConfig>;
try {
  config = readConfig(process.env);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(`okendo:fake: ${error.message}`);
  process.exit(2);
}

// The catalog for `backfill` and `reconcile`: 1,000 sample reviews created over the last 30 days.
const catalog = new FakeCatalog();
const firstDay = new Date(Date.now() - 30 * 86_400_000).toISOString().slice(0, 10);
catalog.addReviews(sampleReviews({ count: 1_000, prefix: 'fake', firstDay, days: 30 }));
const fake = await FakeOkendo.start({
  host: config.host,
  port: config.port,
  userId: config.userId,
  apiKey: config.apiKey,
  // Svix's shape compressed to about two minutes: a stopped ingest sees its events again soon.
  retryScheduleMs: [0, ...COMPRESSED_RETRY_SCHEDULE_MS],
  rotationGraceMs: config.rotationGraceMs,
  log: (line) => process.stderr.write(`${line}\n`),
  routes: [catalog.route],
});
console.log(`OKENDO_API_URL=${fake.url}`);
console.error(
  `okendo:fake: ${config.ratePerSecond} events/s to enabled subscriptions; create one with ` +
    `OKENDO_API_URL=${fake.url} npx okendo-pipeline subscriptions create --url http://127.0.0.1:8080/webhooks/okendo`,
);

const next = trafficSource();
const stream =
  config.ratePerSecond > 0 ? setInterval(() => fake.emit([next()]), 1_000 / config.ratePerSecond) : undefined;

const stop = async () => {
  clearInterval(stream);
  await fake.stop();
  process.exit(0);
};
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());
