import type { Clock } from '../plugin-api/clock.js';
import { instant } from './manualClock.js';

/**
 * A clock that reads `start` until it is set going, then moves on with the machine's clock from
 * there. The harness holds it while a kernel starts (however long that takes under load) and sets
 * it going when the kernel is ready: a test's first request sees the plugins at `start`.
 */
export class StartingClock implements Clock {
  private readonly start: number;
  private since: number | null = null;

  constructor(start: Date | string) {
    this.start = instant(start);
  }

  now(): Date {
    return new Date(this.since === null ? this.start : this.start + (Date.now() - this.since));
  }

  /** Lets time run on from `start`; calling it again changes nothing. */
  go(): this {
    this.since ??= Date.now();
    return this;
  }
}

/**
 * A clock that reads `start` now and then moves on with the machine's clock: a plugin tested in
 * a running kernel sees the chosen time of day while timers, retries and waits keep their pace.
 */
export function clockStartingAt(start: Date | string): Clock {
  return new StartingClock(start).go();
}
