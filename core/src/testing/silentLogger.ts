import type { Logger } from '../plugin-api/logger.js';

/** A logger that writes nothing; pass your own to see what a kernel or plugin logs. */
export const silentLogger: Logger = {
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silentLogger,
};
