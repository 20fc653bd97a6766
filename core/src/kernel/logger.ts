import pino from 'pino';
import pretty from 'pino-pretty';
import type { Logger } from '../plugin-api/logger.js';
import { colourAllowed } from '../terminal.js';

export interface LoggerOptions {
  level: string;
  /** `json`: one JSON line per event; `pretty`: readable lines; null: pretty on a terminal, JSON otherwise. */
  format?: 'json' | 'pretty' | null;
  /** Where lines go (default stdout); JSON lines only. */
  destination?: pino.DestinationStream;
}

/**
 * One JSON line per log event, written asynchronously so logging never holds up a request; on a
 * terminal (or with `format: pretty`) readable lines instead, coloured only on a terminal.
 */
export function createLogger(options: LoggerOptions): Logger & { flush?: () => void } {
  const readable = options.format === 'pretty' || (options.format == null && !options.destination && process.stdout.isTTY === true);
  const destination = readable
    ? pretty({ colorize: colourAllowed(process.stdout), translateTime: 'SYS:yyyy-mm-dd HH:MM:ss.l', ignore: 'pid,hostname,name', singleLine: true })
    : (options.destination ?? pino.destination({ sync: false }));
  const logger = pino({ level: options.level, base: { name: 'deploydb' }, timestamp: pino.stdTimeFunctions.isoTime }, destination);
  return logger as unknown as Logger & { flush?: () => void };
}
