/**
 * The server under load for the ingest benchmark, run as its own process so the load generator does not share
 * its event loop: `bare` is the ceiling (Fastify reading the raw body and answering 200), `full` is the real
 * ingest publishing to Kafka. Prints `listening <url>` when ready.
 */
import { loadIngestConfig, startIngest } from '@okendo/ingest';
import Fastify from 'fastify';

const mode = process.argv[2];
if (mode === 'bare') {
  const app = Fastify({ logger: false, bodyLimit: 1_048_576 });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) =>
    done(null, body),
  );
  app.post('/webhooks/okendo', async () => ({ status: 'published' }));
  console.log(`listening ${await app.listen({ host: '127.0.0.1', port: 0 })}`);
} else if (mode === 'full') {
  const ingest = await startIngest(
    loadIngestConfig({ ...process.env, INGEST_HOST: '127.0.0.1', INGEST_PORT: '0', LOG_LEVEL: 'silent' }),
  );
  console.log(`listening ${ingest.url}`);
  process.on('SIGTERM', () => void ingest.stop().then(() => process.exit(0)));
} else {
  console.error('usage: ingest-target.ts bare|full');
  process.exit(2);
}
