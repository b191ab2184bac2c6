/**
 * The process around a service (ingest or sink): load the configuration (exit 2 with every problem if it is
 * bad), start, print one line saying where it runs, and on SIGTERM/SIGINT stop gracefully within a time budget
 * (exit 0), or exit 1 when stopping fails or takes too long.
 */
import { ConfigError } from './env-reader.js';

export interface RunningService {
  url: string;
  stop: () => Promise<void>;
}

export interface ServiceDefinition<Config> {
  name: string;
  loadConfig: () => Config;
  start: (config: Config) => Promise<RunningService>;
  shutdownTimeoutMs: (config: Config) => number;
  /** what stopping means for this service, for the log line */
  stopping: string;
}

const log = (level: string, msg: string, extra: Record<string, unknown> = {}) =>
  console.error(JSON.stringify({ level, msg, ...extra }));

export async function runService<Config>(service: ServiceDefinition<Config>): Promise<void> {
  let config: Config;
  try {
    config = service.loadConfig();
  } catch (error) {
    console.error(error instanceof ConfigError ? error.message : error);
    process.exit(2);
  }
  let running: RunningService;
  try {
    running = await service.start(config);
  } catch (error) {
    // A start-up refusal (broker unreachable, a limit that cannot fit, migrations failing) is an operator's
    // to fix: one line that says why, not a stack trace.
    log('fatal', `${service.name} could not start`, {
      error: error instanceof Error ? error.message : String(error),
      code: (error as { code?: unknown }).code,
    });
    process.exit(1);
  }
  // One line on stdout whatever LOG_LEVEL says: where the service listens (tools and benchmarks read it).
  console.log(JSON.stringify({ level: 'info', msg: `${service.name} running`, url: running.url }));
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log('info', `${signal}: ${service.stopping}`);
    const budget = service.shutdownTimeoutMs(config);
    setTimeout(() => {
      log('error', `shutdown took over ${budget} ms`);
      process.exit(1);
    }, budget).unref();
    running.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        log('error', 'shutdown failed', { err: String(error) });
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

/** True when this module file is the process's entry point (`node server.js`), not imported. */
export function isEntryPoint(moduleUrl: string): boolean {
  return process.argv[1] !== undefined && moduleUrl === new URL(`file://${process.argv[1]}`).href;
}
