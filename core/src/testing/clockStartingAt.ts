import type { Clock } from '../plugin-api/clock.js';
import { instant } from './manualClock.js';

/**
 * A clock that reads `start` now and then moves on with the machine's clock: a plugin tested in
 * a running kernel sees the chosen time of day while timers, retries and waits keep their pace.
 */
export function clockStartingAt(start: Date | string): Clock {
  const offset = instant(start) - Date.now();
  return { now: () => new Date(Date.now() + offset) };
}
