import { UsageError } from '../cliErrors.js';

/** A positive integer id given on the command line. */
export function parseId(value: string, what: string): number {
  if (!/^[1-9]\d{0,9}$/.test(value)) throw new UsageError(`${what} must be a positive integer, not "${value}"`);
  return Number(value);
}
