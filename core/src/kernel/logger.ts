import pino from 'pino';
import type { Logger } from '../plugin-api/logger.js';

/** One JSON line per log event, written asynchronously so logging never holds up a request. */
export function createLogger(level: string, destination: pino.DestinationStream = pino.destination({ sync: false })): Logger & { flush?: () => void } {
  const logger = pino({ level, base: { name: 'deploydb' }, timestamp: pino.stdTimeFunctions.isoTime }, destination);
  return logger as unknown as Logger & { flush?: () => void };
}
