/**
 * The console process: `npm run console`. Reads the config (exit 2 listing every bad key), serves, and on
 * SIGTERM/SIGINT stops taking requests and closes what the CLI context opened (warehouse, Kafka).
 */
import { isEntryPoint, type RunningService, runService } from '@okendo/common';
import { buildConsoleApp } from './app.js';
import { type ConsoleConfig, loadConsoleConfig } from './config.js';

export async function startConsole(config: Readonly<ConsoleConfig>): Promise<RunningService> {
  const { app } = buildConsoleApp({ config });
  const address = await app.listen({ host: config.host, port: config.port });
  // Fastify's address names the host as bound; the banner shows the URL an operator opens.
  const port = new URL(address).port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  return { url: `http://${host}:${port}/`, stop: () => app.close() };
}

if (isEntryPoint(import.meta.url))
  void runService({
    name: 'okendo-console',
    loadConfig: () => loadConsoleConfig(process.env),
    start: startConsole,
    shutdownTimeoutMs: () => 10_000,
    stopping: 'closing the console',
  });
