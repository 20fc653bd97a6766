import type { Clock } from '../plugin-api/clock.js';

/**
 * A clock that only moves when told to. Hand it to a plugin (in an evaluation context, or to
 * `startTestKernel` as `pluginClock`), then `advance` or `set` it in the test: what the plugin
 * decides at a given moment is then the same on every run.
 *
 * ```ts
 * const clock = new ManualClock('2026-03-02T07:59:00Z');
 * clock.advance(60); // 08:00:00
 * ```
 */
export class ManualClock implements Clock {
  private current: number;

  /** Starts at `start` (default 2025-01-01T00:00:00Z). */
  constructor(start: Date | string = '2025-01-01T00:00:00.000Z') {
    this.current = instant(start);
  }

  now(): Date {
    return new Date(this.current);
  }

  /** Moves the clock on by `seconds` (fractions allowed; negative moves it back). Returns the clock. */
  advance(seconds: number): this {
    this.current += seconds * 1000;
    return this;
  }

  /** Puts the clock at `at`. Returns the clock. */
  set(at: Date | string): this {
    this.current = instant(at);
    return this;
  }
}

/** Milliseconds since the epoch of a Date or an ISO-8601 text; throws on anything else. */
export function instant(at: Date | string): number {
  const ms = typeof at === 'string' ? Date.parse(at) : at.getTime();
  if (Number.isNaN(ms)) throw new TypeError(`not a time: ${String(at)}`);
  return ms;
}
