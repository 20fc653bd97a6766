import type { Clock } from '../plugin-api/clock.js';

/** A clock that only moves when told to: hand it to a plugin and `advance` it in the test. */
export class ManualClock implements Clock {
  constructor(private current = new Date('2025-01-01T00:00:00.000Z')) {}

  now(): Date {
    return new Date(this.current);
  }

  advance(seconds: number): void {
    this.current = new Date(this.current.getTime() + seconds * 1000);
  }
}
