/**
 * The ceiling for the ingest benchmark: Fastify reading the raw body and answering 200, nothing else.
 * Run compiled, as its own process. Prints `listening <url>` when ready.
 */
import Fastify from 'fastify';

const app = Fastify({ logger: false, bodyLimit: 1_048_576 });
app.removeAllContentTypeParsers();
app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) =>
  done(null, body),
);
app.post('/webhooks/okendo', async () => ({ status: 'published' }));
console.log(`listening ${await app.listen({ host: '127.0.0.1', port: 0 })}`);
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
