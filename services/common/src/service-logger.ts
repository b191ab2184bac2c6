/** The services' one log format: pino JSON lines, tagged with the service's name. */
import { type Logger, pino } from 'pino';

/** Logs to stdout, or to another file descriptor (2 for a command whose stdout is its answer). */
export function createServiceLogger(service: string, level: string, fd = 1): Logger {
  const options = { level, base: { service } };
  return fd === 1 ? pino(options) : pino(options, pino.destination(fd));
}
