import { describe, expect, it } from 'vitest';
import { ManualClock } from '../testing/manualClock.js';
import { RateLimiter } from './rateLimit.js';

/** How many requests in a row `key` may make now. */
function burst(limiter: RateLimiter, key: string, max = 1000): number {
  let taken = 0;
  while (taken < max && limiter.take(key) === 0) taken += 1;
  return taken;
}

describe('token buckets of server.rateLimit', () => {
  it('lets a burst of perMinute through, then answers the seconds until the next request', () => {
    const clock = new ManualClock();
    const limiter = new RateLimiter(5, clock);
    for (let i = 0; i < 5; i++) expect(limiter.take('ci')).toBe(0);
    // One request comes back every 60 / 5 = 12 s.
    expect(limiter.take('ci')).toBe(12);
    clock.advance(11.5);
    expect(limiter.take('ci')).toBe(1);
    clock.advance(0.5);
    expect(limiter.take('ci')).toBe(0);
    expect(limiter.take('ci')).toBe(12);
  });

  it('refills at perMinute a minute, never beyond perMinute', () => {
    const clock = new ManualClock();
    const limiter = new RateLimiter(60, clock);
    expect(burst(limiter, 'ci')).toBe(60);
    clock.advance(10);
    expect(burst(limiter, 'ci')).toBe(10);
    clock.advance(3600);
    expect(burst(limiter, 'ci')).toBe(60);
  });

  it('keeps Retry-After within 1..60 whole seconds, and a request made after it is answered', () => {
    for (const perMinute of [1, 7, 60, 61, 1000]) {
      const clock = new ManualClock();
      const limiter = new RateLimiter(perMinute, clock);
      burst(limiter, 'k');
      const retryAfter = limiter.take('k');
      expect(retryAfter, `perMinute ${perMinute}`).toBeGreaterThanOrEqual(1);
      expect(retryAfter, `perMinute ${perMinute}`).toBeLessThanOrEqual(60);
      expect(retryAfter).toBe(Math.max(1, Math.ceil(60 / perMinute)));
      clock.advance(retryAfter);
      expect(limiter.take('k'), `perMinute ${perMinute}`).toBe(0);
    }
  });

  it('gives every key a bucket of its own', () => {
    const limiter = new RateLimiter(3, new ManualClock());
    expect(burst(limiter, 'token:ci')).toBe(3);
    expect(limiter.take('token:ci')).toBeGreaterThan(0);
    expect(burst(limiter, 'token:ops')).toBe(3);
    expect(burst(limiter, 'address:10.0.0.1')).toBe(3);
  });

  it('forgets buckets that filled up again, so many passing callers do not grow memory', () => {
    const clock = new ManualClock();
    const limiter = new RateLimiter(10, clock);
    for (let i = 0; i < 10_000; i++) limiter.take(`address:10.0.${i >> 8}.${i & 255}`);
    expect(limiter.size).toBe(10_000);
    clock.advance(59);
    limiter.take('address:busy');
    expect(limiter.size).toBe(10_001);
    clock.advance(1);
    limiter.take('address:busy');
    // Only the caller still short of a full bucket is kept.
    expect(limiter.size).toBe(1);
  });

  it('takes nothing away when the clock goes back', () => {
    const clock = new ManualClock();
    const limiter = new RateLimiter(2, clock);
    limiter.take('k');
    clock.advance(-3600);
    expect(burst(limiter, 'k')).toBe(1);
  });
});
